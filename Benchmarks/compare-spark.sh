#!/usr/bin/env bash
# The same statistics on a local Spark cluster, one run each: the sales file's
# partitions piped through `gen stats --partial` and merged by `gen stats
# --merge`, against PySpark DataFrame groupBy().agg() (count, sum, mean, min,
# max of qty and price per country). Spark's start-up is not timed; a first
# job over the file warms the JVM and the page cache for both.
# Usage: bash Benchmarks/compare-spark.sh [ROWS] [PARTITIONS] [MASTER]
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-2000000}
partitions=${2:-4}
master=${3:-local[2]}
swift build -c release --product gen >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
.build/release/gen demo --rows "$rows" --keep "$work/sales.csv" >/dev/null
echo "sales.csv: $rows rows, $(du -m "$work/sales.csv" | cut -f1) MB; $partitions partitions; $master; $(nproc) cores"
python3 Examples/spark/sales_stats.py --gen .build/release/gen --csv "$work/sales.csv" \
  --partitions "$partitions" --master "$master" --dataframe 2>/dev/null | grep -E "partitions merged|: [0-9.]+ s"
