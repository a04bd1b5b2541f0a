#!/usr/bin/env bash
# Hadoop Streaming mapper: one input split on standard input, its partial on
# standard output. Hadoop exports the split's byte offset as
# mapreduce_map_input_start: the split at 0 starts with the header line.
#   hadoop jar hadoop-streaming.jar -input sales.csv -output out \
#     -mapper 'mapper.sh' -reducer 'gen stats --merge' -file mapper.sh
set -euo pipefail
header=${GEN_HEADER:-name,country,qty,price}
if [ "${mapreduce_map_input_start:-1}" = 0 ]; then tail -n +2; else cat; fi |
  "${GEN:-gen}" stats --partial --header "$header" --group-by "${GEN_GROUP_BY:-country}"
