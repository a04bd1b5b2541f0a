"""Writes random, nasty CSV files with Python's csv module and, next to each,
what Python's csv.reader reads back from it (JSON). The Swift differential test
reads each file with CSVReader and compares.

usage: python3 python_csv_oracle.py OUTPUT_DIR COUNT SEED
"""
import csv
import json
import os
import random
import sys

out, count, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(seed)

PIECES = ["a", "Z", "0", "42", "-3.5", " ", ",", ";", "\t", '"', '""', "'", "\n", "\r\n", "\r",
          "é", "ü", "日本", "😀", "\\", "x" * 50, "", "US", "Smith, John"]

def field():
    if rng.random() < 0.15:
        return ""
    return "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 6)))

for n in range(count):
    delimiter = rng.choice([",", ",", ",", ";", "\t", "|"])
    quotechar = rng.choice(['"', '"', "'"])
    # Every line end csv.writer can be given: with "\n" it leaves a lone "\r"
    # in a field unquoted, with "\r" a lone "\n" (each a record break when read).
    lineterminator = rng.choice(["\r\n", "\n", "\r"])
    quoting = rng.choice([csv.QUOTE_MINIMAL, csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC])
    rows = []
    for _ in range(rng.randint(0, 12)):
        width = rng.randint(1, 6)
        rows.append([field() for _ in range(width)])
    path = os.path.join(out, f"{n:05d}.csv")
    with open(path, "w", newline="", encoding="utf-8") as f:
        if rng.random() < 0.1:
            f.write("\ufeff")
        writer = csv.writer(f, delimiter=delimiter, quotechar=quotechar,
                            lineterminator=lineterminator, quoting=quoting)
        for row in rows:
            if quoting == csv.QUOTE_NONNUMERIC:
                writer.writerow(row)   # strings are quoted; all fields here are strings
            else:
                writer.writerow(row)
        if rows and rng.random() < 0.3:
            # Drop the final line terminator: a last record without a newline.
            f.flush()
            f.seek(0, os.SEEK_END)
            f.truncate(f.tell() - len(lineterminator))
    with open(path, newline="", encoding="utf-8-sig") as f:
        expected = list(csv.reader(f, delimiter=delimiter, quotechar=quotechar, strict=True))
    with open(path + ".json", "w", encoding="utf-8") as f:
        json.dump({"delimiter": delimiter, "quotechar": quotechar, "rows": expected}, f)
