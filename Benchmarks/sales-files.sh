# Sourced by the benchmark scripts: builds gen (release) and makes the
# tutorial's sales file of $rows rows, as CSV and as JSON Lines, in a
# temporary directory removed on exit. Sets gen, work.
swift build -c release --product gen >/dev/null
gen=$PWD/.build/release/gen
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$gen" demo --rows "$rows" --keep "$work/sales.csv" >/dev/null
"$gen" convert "$work/sales.csv" --to jsonl --output "$work/sales.jsonl"
