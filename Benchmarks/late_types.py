"""Writes the CSV of scripts/bench's first-load cases: 12 columns whose types settle late, the same
bytes for the same row count every time (a fixed seed).

    late_types.py OUT.csv ROWS

A loader that creates the table must read far into the file before it knows the final types:
  id              integers 1..ROWS
  small_then_big  integers below 100 for the first 70% of rows, then beyond 2^31
  price           decimals with 2 digits of scale, with 3 from row 20,000 on
  late_null       empty (NULL) for the first third of rows, then dates (2024-05-01)
  py_float        Python repr of random doubles (up to 17 significant digits, some 1.2e-05)
  js_like         shortest doubles mixed with integers (repr(float), str(int))
  ts              timestamps (2024-01-01 10:00:00)
  flag            true / false
  label           text, sometimes with commas and quotes
  code            text like A-123
  qty             small integers
  note            text; sometimes "" (the empty string), sometimes empty unquoted (NULL)
The final types: bigint, bigint, numeric, date, double precision, numeric, timestamp,
boolean, text, text, bigint, text.
"""
import argparse
import csv
import datetime
import io
import random

HEADER = ["id", "small_then_big", "price", "late_null", "py_float", "js_like", "ts", "flag", "label",
          "code", "qty", "note"]
SEED = 20240501
PRICE_SCALE_3_FROM = 20_000
# The csv module writes "" only for a row's sole field: a quoted empty note is written as this
# marker (never quoted, found nowhere else) and replaced afterwards.
QUOTED_EMPTY = "\x1e"
WORDS = ["harbor", "crane", "pallet", "manifest", "berth", "cargo", "ledger", "tide", "anchor", "freight"]
START_TS = datetime.datetime(2024, 1, 1, 10, 0, 0)
START_DATE = datetime.date(2024, 5, 1)


def row(i: int, rows: int, rng: random.Random) -> list[str | None]:
    """The fields of row i (1-based) of rows; None is NULL (written empty, unquoted)."""
    if i <= rows * 7 // 10:
        small_then_big = str(rng.randrange(100))
    else:
        small_then_big = str(2**31 + rng.randrange(10**12))
    cents = rng.randrange(1, 10**7)
    if i < PRICE_SCALE_3_FROM:
        price = f"{cents // 100}.{cents % 100:02d}"
    else:
        price = f"{cents // 100}.{cents % 100:02d}{rng.randrange(10)}"
    late_null = None if i <= rows // 3 else (START_DATE + datetime.timedelta(days=i % 3650)).isoformat()
    py_float = repr(rng.random() * 10.0 ** rng.randrange(-7, 7))
    if rng.random() < 0.5:
        js_like = str(rng.randrange(-100_000, 100_000))
    else:
        js_like = repr(round(rng.uniform(-1000.0, 1000.0), rng.randrange(1, 7)))
    ts = (START_TS + datetime.timedelta(seconds=i * 7)).strftime("%Y-%m-%d %H:%M:%S")
    flag = "true" if rng.random() < 0.5 else "false"
    a, b = rng.choice(WORDS), rng.choice(WORDS)
    kind = rng.randrange(10)
    if kind == 0:
        label = f"{a}, {b} and sons"
    elif kind == 1:
        label = f'the "{a}" {b}'
    else:
        label = f"{a} {b} lot {i % 1000}"
    code = f"{chr(65 + i % 26)}-{rng.randrange(1000):03d}"
    qty = str(rng.randrange(1, 50))
    kind = rng.randrange(20)
    if kind == 0:
        note: str | None = QUOTED_EMPTY
    elif kind == 1:
        note = None
    else:
        note = f"{rng.choice(WORDS)} note for load {i % 9973} at {rng.choice(WORDS)} {rng.choice(WORDS)}"
    return [str(i), small_then_big, price, late_null, py_float, js_like, ts, flag, label, code, qty, note]


def write(path: str, rows: int) -> None:
    rng = random.Random(SEED)
    with open(path, "w", newline="", encoding="utf-8") as out:
        buffer = io.StringIO()
        writer = csv.writer(buffer, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
        writer.writerow(HEADER)
        for i in range(1, rows + 1):
            writer.writerow(row(i, rows, rng))
            if i % 10_000 == 0 or i == rows:
                out.write(buffer.getvalue().replace(QUOTED_EMPTY, '""'))
                buffer.seek(0)
                buffer.truncate()
        out.write(buffer.getvalue())


def main() -> None:
    parser = argparse.ArgumentParser(description="Write the late-settling-types CSV of scripts/bench.")
    parser.add_argument("out", metavar="OUT.csv", help="the CSV file to write")
    parser.add_argument("rows", metavar="ROWS", type=int, help="how many rows after the header")
    args = parser.parse_args()
    if args.rows < 0:
        parser.error("ROWS must not be negative")
    write(args.out, args.rows)


if __name__ == "__main__":
    main()
