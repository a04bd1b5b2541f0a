"""Writes one CSV file (quoted fields with delimiters, doubled quotes and line
breaks, CRLF and LF rows, empty fields, non-ASCII text), its gzip copy, a log
file of lines, and what Python reads back from each (JSON): csv.reader's rows
and the lines of f.read().splitlines() for \\n and \\r\\n endings. The Swift
tests keep the records and lines in many ways and compare with these.

usage: python3 python_kept_oracle.py OUTPUT_DIR ROWS SEED
"""
import csv
import gzip
import json
import os
import random
import sys

out, count, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(seed)
PIECES = ["a", "Z", "42", "-3.5", " ", ",", '"', "\n", "\r\n", "é", "日本", "😀", "x" * 40, "", "US"]

def field():
    return "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 4)))

rows = [["name", "country", "qty", "price"]]
for n in range(count):
    rows.append([field() if rng.random() < 0.3 else f"name{n}", rng.choice(["US", "DE", "JP"]),
                 str(rng.randint(1, 99)), f"{rng.randint(0, 999)}.{rng.randint(0, 99):02d}"])
path = os.path.join(out, "kept.csv")
with open(path, "w", newline="", encoding="utf-8") as f:
    writer = csv.writer(f, lineterminator=rng.choice(["\r\n", "\n"]))
    writer.writerows(rows)
with open(path, "rb") as f, gzip.open(path + ".gz", "wb") as g:
    g.write(f.read())
with open(path, newline="", encoding="utf-8") as f:
    read = list(csv.reader(f))
with open(path + ".json", "w") as f:
    json.dump(read, f)

lines = []
for n in range(count):
    lines.append(f"2026-12-02T10:{n % 60:02d} line {n} " + "y" * rng.randint(0, 200) + rng.choice(["é", "", "日本"]))
path = os.path.join(out, "kept.log")
with open(path, "wb") as f:
    for line in lines:
        f.write(line.encode() + rng.choice([b"\n", b"\r\n"]))
with open(path, "rb") as f:
    data = f.read()
read = [l.decode() for l in data.split(b"\n")[:-1]]
read = [l[:-1] if l.endswith("\r") else l for l in read]
with open(path + ".json", "w") as f:
    json.dump(read, f)
