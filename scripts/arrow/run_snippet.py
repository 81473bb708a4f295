#!/usr/bin/env python3
"""Runs a small Python snippet given as the first argument (the Swift tests' way to have pyarrow
write an Arrow stream to stdout).

usage: .run/venv/bin/python scripts/arrow/run_snippet.py CODE
"""

import sys

if __name__ == "__main__":
    exec(compile(sys.argv[1], "<snippet>", "exec"), {"__name__": "__snippet__"})
