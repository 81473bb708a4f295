"""Turns scripts/bench's raw runs (TSV: case, rows, bytes, seconds, peak RSS KiB) into the table
it prints and the JSON it writes: per case and row count, the median and min-max seconds, rows/s,
MB/s, the largest peak RSS, and the ratio of its rows/s (or MB/s) to its reference's."""
import json
import statistics
import sys

REFERENCES = {
    "stevedore load (S3 stage)": "psql \\copy FROM",
    "stevedore load (folder stage)": "psql \\copy FROM",
    "stevedore load replacing (S3 stage)": "psql DELETE + \\copy FROM",
    # The first load: Stevedore creates the table from types that settle late in the file; psql
    # copies the same file into a table pre-created with the final types.
    "stevedore load new table (S3 stage, late types)": "psql \\copy FROM (late file, final types)",
    "stevedore unload": "psql \\copy TO",
    # Arrow: the same rows as a pyarrow stream, beside the CSV load through the same stage (goal
    # 1.0), and out beside psql's COPY TO (goal 0.9).
    "stevedore load arrow new table (S3 stage)": "stevedore load (S3 stage)",
    "stevedore load arrow (S3 stage)": "stevedore load (S3 stage)",
    "stevedore unload --format arrow": "psql \\copy TO",
    "encode+gzip (FramesBench stage)": "gzip -1",
    # Dagster: the same frame stored as an asset the original hand-written way (goal 5x).
    "dagster: StevedoreIOManager (pandas)": "dagster: original pattern (pandas to_csv gzip, S3, COPY)",
    "dagster: StevedoreIOManager (Polars)": "dagster: original pattern (pandas to_csv gzip, S3, COPY)",
    "S3Store upload": "aws s3 cp upload",
    "S3Store download": "aws s3 cp download",
}


def main(raw_path, json_path):
    runs = {}
    for line in open(raw_path):
        name, rows, size, seconds, rss = line.rstrip("\n").split("\t")
        entry = runs.setdefault((name, int(rows)), {"bytes": int(size), "seconds": [], "rss_kib": []})
        entry["seconds"].append(float(seconds))
        entry["rss_kib"].append(int(rss))
    results = []
    for (name, rows), entry in runs.items():
        median = statistics.median(entry["seconds"])
        results.append({
            "case": name, "rows": rows, "megabytes": entry["bytes"] / 1e6, "runs": len(entry["seconds"]),
            "seconds_median": median, "seconds_min": min(entry["seconds"]), "seconds_max": max(entry["seconds"]),
            "rows_per_second": rows / median if rows and median else None,
            "megabytes_per_second": entry["bytes"] / 1e6 / median if median else None,
            "peak_rss_mib": max(entry["rss_kib"]) / 1024,
        })
    by_key = {(r["case"], r["rows"]): r for r in results}
    for result in results:
        reference = by_key.get((REFERENCES.get(result["case"]), result["rows"]))
        result["reference"] = reference["case"] if reference else None
        # Same rows and bytes on both sides: the ratio of speeds is the inverse ratio of times.
        result["ratio_to_reference"] = (reference["seconds_median"] / result["seconds_median"]
                                        if reference and result["seconds_median"] else None)
    width = max([34] + [len(r["case"]) for r in results])
    header = f"{'case':<{width}} {'rows':>10} {'MB':>8} {'seconds (min-max)':>22} {'rows/s':>10} {'MB/s':>7} {'RSS MiB':>8} {'ratio':>6}"
    print(header)
    print("-" * len(header))
    for r in results:
        spread = f"{r['seconds_median']:.2f} ({r['seconds_min']:.2f}-{r['seconds_max']:.2f})"
        rate = f"{r['rows_per_second']:.0f}" if r["rows_per_second"] else "-"
        ratio = f"{r['ratio_to_reference']:.2f}" if r["ratio_to_reference"] else ""
        print(f"{r['case']:<{width}} {r['rows']:>10} {r['megabytes']:>8.1f} {spread:>22} {rate:>10} "
              f"{r['megabytes_per_second']:>7.1f} {r['peak_rss_mib']:>8.1f} {ratio:>6}")
    loads = {r["rows"]: r for r in results if r["case"] == "stevedore load (S3 stage)"}
    if loads:
        smallest, largest = min(loads), max(loads)
        print()
        print(f"peak RSS of stevedore load: {loads[largest]['peak_rss_mib']:.1f} MiB at {largest} rows, "
              f"{loads[smallest]['peak_rss_mib']:.1f} MiB at {smallest} rows "
              f"({loads[largest]['peak_rss_mib'] / loads[smallest]['peak_rss_mib']:.2f}x)")
        if 1000000 in loads and 10000000 in loads:
            print(f"10M rows took {loads[10000000]['seconds_median'] / loads[1000000]['seconds_median']:.1f}x the 1M run")
    cli = {r["rows"]: r for r in results if r["case"] == "dagster: stevedore load of the same Arrow stream"}
    for r in results:
        if r["case"].startswith("dagster: StevedoreIOManager") and r["rows"] in cli:
            overhead = r["seconds_median"] / cli[r["rows"]]["seconds_median"] - 1
            r["overhead_over_stevedore_load"] = overhead
            print(f"{r['case']} at {r['rows']} rows: {overhead:+.1%} over stevedore load of the same Arrow stream")
    with open(json_path, "w") as out:
        json.dump({"results": results}, out, indent=2)
    print(f"\nwrote {json_path}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
