"""Turns scripts/bench's raw runs (TSV: case, rows, bytes, seconds, peak RSS KiB) into the table
it prints and the JSON it writes: per case and row count, the median and min-max seconds, rows/s,
MB/s, the largest peak RSS, the ratio of its rows/s (or MB/s) to its reference's, and for each load
of the benchmark CSV its ratio to ADBC's adbc_ingest of the same rows (the other peer)."""
import json
import statistics
import sys

ADBC = "adbc_ingest (pyarrow CSV, binary COPY)"
ADBC_NEW_TABLE = "adbc_ingest new table"

REFERENCES = {
    # ADBC: pyarrow reads the CSV, the driver loads it by a binary COPY; beside psql's CSV COPY.
    ADBC: "psql \\copy FROM",
    ADBC_NEW_TABLE: "psql \\copy FROM",
    "stevedore load (S3 stage)": "psql \\copy FROM",
    "stevedore load new table (S3 stage)": "psql \\copy FROM",
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

# The loads of the benchmark CSV's rows, each beside ADBC's load of the same rows into the same kind
# of table: pre-created and empty, or created by the load. (The replacing load has no ADBC peer.)
ADBC_PEERS = {
    "stevedore load (S3 stage)": ADBC,
    "stevedore load new table (S3 stage)": ADBC_NEW_TABLE,
    "stevedore load (folder stage)": ADBC,
    "stevedore load arrow (S3 stage)": ADBC,
    "stevedore load arrow new table (S3 stage)": ADBC_NEW_TABLE,
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
        adbc = by_key.get((ADBC_PEERS.get(result["case"]), result["rows"]))
        result["adbc_case"] = adbc["case"] if adbc else None
        result["ratio_to_adbc"] = (adbc["seconds_median"] / result["seconds_median"]
                                   if adbc and result["seconds_median"] else None)
    width = max([34] + [len(r["case"]) for r in results])
    header = (f"{'case':<{width}} {'rows':>10} {'MB':>8} {'seconds (min-max)':>22} {'rows/s':>10} {'MB/s':>7} "
              f"{'RSS MiB':>8} {'ratio':>6} {'vs ADBC':>7}")
    print(header)
    print("-" * len(header))
    for r in results:
        spread = f"{r['seconds_median']:.2f} ({r['seconds_min']:.2f}-{r['seconds_max']:.2f})"
        rate = f"{r['rows_per_second']:.0f}" if r["rows_per_second"] else "-"
        ratio = f"{r['ratio_to_reference']:.2f}" if r["ratio_to_reference"] else ""
        vs_adbc = f"{r['ratio_to_adbc']:.2f}" if r["ratio_to_adbc"] else ""
        print(f"{r['case']:<{width}} {r['rows']:>10} {r['megabytes']:>8.1f} {spread:>22} {rate:>10} "
              f"{r['megabytes_per_second']:>7.1f} {r['peak_rss_mib']:>8.1f} {ratio:>6} {vs_adbc:>7}")
    print("\nratio: rows/s over the reference's (for a load of the CSV, psql \\copy FROM's)")
    if any(r["ratio_to_adbc"] for r in results):
        print("vs ADBC: a load's rows/s over adbc_ingest's into the same kind of table (pre-created, or new)")
    for r in results:
        if r["case"] in (ADBC, ADBC_NEW_TABLE) and r["ratio_to_reference"]:
            reference = by_key[(r["reference"], r["rows"])]
            print(f"{r['case']} at {r['rows']} rows: {r['ratio_to_reference']:.2f}x the rows/s of {r['reference']} "
                  f"({r['seconds_median']:.2f} s against {reference['seconds_median']:.2f} s), "
                  f"peak RSS {r['peak_rss_mib']:.1f} MiB")
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
