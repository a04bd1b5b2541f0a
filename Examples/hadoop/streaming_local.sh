#!/usr/bin/env bash
# Hadoop Streaming's convention run locally, without Hadoop (no distribution
# is installable here): the file cut into N splits at line boundaries, the
# mapper on each split (with mapreduce_map_input_start set as Hadoop sets it),
# the shuffle's sort over all mapper output, then the reducer, `gen stats
# --merge`. The result must equal `gen stats` over the whole file, byte for
# byte. Usage: bash Examples/hadoop/streaming_local.sh SALES.CSV [SPLITS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
csv=$1
splits=${2:-4}
export GEN=${GEN:-$(command -v gen || echo "$here/../../.build/release/gen")}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

split -n "l/$splits" -d "$csv" "$work/split-"
offset=0
for part in "$work"/split-*; do
  mapreduce_map_input_start=$offset bash "$here/mapper.sh" < "$part" > "$part.out"
  offset=$((offset + $(wc -c < "$part")))
done
# The shuffle: key = the line up to a tab (here the whole line), sorted; the
# reducer reads key<TAB>value lines, which --merge takes as they come.
LC_ALL=C sort "$work"/split-*.out | "$GEN" stats --merge > "$work/merged.md"
"$GEN" stats "$csv" --group-by "${GEN_GROUP_BY:-country}" > "$work/one.md"
if cmp -s "$work/one.md" "$work/merged.md"; then
  echo "Hadoop Streaming (emulated): $splits splits, mapper | sort | reducer == one process"
else
  echo "Hadoop Streaming (emulated): merged table differs from one process" >&2
  diff "$work/one.md" "$work/merged.md" >&2
  exit 1
fi
