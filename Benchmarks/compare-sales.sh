#!/usr/bin/env bash
# The tutorial's sales pipeline (read → filter_international → calculate_totals
# → sum) on the same generated CSV, in Swift (our generators + CSVReader) and
# in CPython (generators + the csv module; DuckDB and polars too when they are
# installed), in one run. Usage: bash Benchmarks/compare-sales.sh [ROWS]
set -euo pipefail
cd "$(dirname "$0")"
rows=${1:-1000000}
python=${PYTHON:-python3}

swift build -c release --product sales-pipeline >/dev/null
csv=$(.build/release/sales-pipeline "$rows" --write-only)
swift_out=$(.build/release/sales-pipeline "$rows")

py_out=$(POLARS_MAX_THREADS=1 "$python" - "$csv" <<'PY'
import csv, resource, statistics, sys, time, os

path = sys.argv[1]
size_mb = os.path.getsize(path) / 1e6

# The tutorial's pipeline, with the csv module for the quoted names.
def read_sales(path):
    with open(path, newline="") as f:
        reader = csv.reader(f)
        next(reader)                      # header
        for row in reader:
            yield row

def filter_international(rows):
    for row in rows:
        if row[1] != "US":
            yield row

def calculate_totals(rows):
    for row in rows:
        yield int(row[2]) * float(row[3])

def run(fn):
    samples = []
    total = None
    for i in range(4):
        start = time.perf_counter()
        total = fn()
        seconds = time.perf_counter() - start
        if i > 0:
            samples.append(size_mb / seconds)
    return total, statistics.median(samples)

total, mbps = run(lambda: sum(calculate_totals(filter_international(read_sales(path)))))
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"python_total\t{total}")
print(f"python_mb_per_s\t{mbps:.0f}")
print(f"python_peak_rss_mib\t{rss:.1f}")
try:
    import duckdb
    con = duckdb.connect()
    con.execute("SET threads TO 1")
    q = f"SELECT sum(qty * price) FROM read_csv('{path}', header=true) WHERE country <> 'US'"
    _, d = run(lambda: con.execute(q).fetchone()[0])
    print(f"duckdb_mb_per_s\t{d:.0f}")
except ImportError:
    pass
try:
    import polars as pl
    lazy = (pl.scan_csv(path).filter(pl.col("country") != "US")
            .select((pl.col("qty") * pl.col("price")).sum()))
    _, p = run(lambda: lazy.collect(engine="streaming").item())
    print(f"polars_streaming_mb_per_s\t{p:.0f}")
except ImportError:
    pass
PY
)

get() { awk -F'\t' -v k="$1" '$1 == k { print $2 }' <<<"$2"; }
s=$(get mb_per_s "$swift_out"); p=$(get python_mb_per_s "$py_out")
echo "rows: $(get rows "$swift_out"), file: $(get megabytes "$swift_out") MB"
echo "totals: Swift $(get total "$swift_out"), Python $(get python_total "$py_out")"
echo
echo "| pipeline | MB/s | peak memory (MiB) | vs Python |"
echo "|---|---:|---:|---:|"
printf '| Swift: three Generator stages + CSVReader (as the tutorial writes it) | %s | %s | %.1f× |\n' "$s" "$(get peak_rss_mib "$swift_out")" "$(awk -v a="$s" -v b="$p" 'BEGIN { print a / b }')"
q=$(get lazy_mb_per_s "$swift_out")
printf '| Swift: one Generator + lazy filter/map | %s | | %.1f× |\n' "$q" "$(awk -v a="$q" -v b="$p" 'BEGIN { print a / b }')"
q=$(get plain_loop_mb_per_s "$swift_out")
printf '| Swift: CSVReader in a plain loop | %s | | %.1f× |\n' "$q" "$(awk -v a="$q" -v b="$p" 'BEGIN { print a / b }')"
q=$(get lent_loop_mb_per_s "$swift_out")
printf '| Swift: CSVReader.forEachRecord (records lent) | %s | | %.1f× |\n' "$q" "$(awk -v a="$q" -v b="$p" 'BEGIN { print a / b }')"
printf '| CPython 3: generators + csv module | %s | %s | 1.0× |\n' "$p" "$(get python_peak_rss_mib "$py_out")"
d=$(get duckdb_mb_per_s "$py_out"); [ -n "$d" ] && printf '| DuckDB, 1 thread | %s | | %.1f× |\n' "$d" "$(awk -v a="$d" -v b="$p" 'BEGIN { print a / b }')"
l=$(get polars_streaming_mb_per_s "$py_out"); [ -n "$l" ] && printf '| polars streaming, 1 thread | %s | | %.1f× |\n' "$l" "$(awk -v a="$l" -v b="$p" 'BEGIN { print a / b }')"
true
