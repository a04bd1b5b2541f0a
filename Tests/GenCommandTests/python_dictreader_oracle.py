"""Writes random CSV files as csv.writer can produce them (every line
terminator and quoting mode, fields with lone CRs and LFs, quotes,
delimiters, non-ASCII text) with a header of distinct names, and next to each
what csv.DictReader reads back (JSON: a list of objects). The Swift test runs
`gen convert --to jsonl` on each file and compares.

usage: python3 python_dictreader_oracle.py OUTPUT_DIR COUNT SEED
"""
import csv
import json
import os
import random
import sys

out, count, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(seed)
PIECES = ["a", "Z", "0", "42", " ", ",", '"', "\n", "\r\n", "\r", "é", "日本", "x" * 30, "", "US"]

def field():
    return "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 4)))

for n in range(count):
    lineterminator = rng.choice(["\r\n", "\n", "\r"])
    quoting = rng.choice([csv.QUOTE_MINIMAL, csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC])
    width = rng.randint(1, 5)
    header = [f"col{i}" for i in range(width)]
    rows = [[field() for _ in range(width)] for _ in range(rng.randint(0, 10))]
    path = os.path.join(out, f"{n:04d}.csv")
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator=lineterminator, quoting=quoting)
        writer.writerow(header)
        writer.writerows(rows)
    with open(path, newline="", encoding="utf-8") as f:
        expected = list(csv.DictReader(f))
    # gen names fields past the header by position and leaves out missing
    # ones; DictReader uses restkey/restval. Compare on that convention.
    normalised = []
    for row in expected:
        obj = {k: v for k, v in row.items() if k is not None and v is not None}
        for i, extra in enumerate(row.get(None, [])):
            obj[str(width + i + 1)] = extra
        normalised.append(obj)
    with open(path + ".json", "w", encoding="utf-8") as f:
        json.dump(normalised, f)
