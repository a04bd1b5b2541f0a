"""`gen` as the per-partition worker of a Spark job.

The tutorial's sales.csv is read by Spark in N partitions; each partition is
piped through `gen stats --partial` (Spark's RDD.pipe runs the command once
per partition, its lines on standard input), the partials are collected and
merged by `gen stats --merge`, and the table must equal, byte for byte, what
`gen stats` prints over the whole file in one process. `gen count` likewise.

    python3 Examples/spark/sales_stats.py --rows 200000 --partitions 4
    python3 Examples/spark/sales_stats.py --csv sales.csv --dataframe   # also time groupBy().agg()

Needs pyspark (pip install pyspark) and Java 17. Exits 1 if a merged answer
differs from the one-process answer.
"""

import argparse
import itertools
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time


def run(command, stdin=None):
    """Runs a command; returns its standard output as text, failing loudly."""
    done = subprocess.run(command, input=stdin, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({done.returncode}): {done.stderr}")
    return done.stdout


def drop_header(index, lines):
    """The first partition starts with the header line: not a record."""
    return itertools.islice(lines, 1, None) if index == 0 else lines


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--gen", default=shutil.which("gen") or os.path.join(here, "../../.build/release/gen"))
    parser.add_argument("--csv", help="an existing CSV with a header line (default: generate sales.csv)")
    parser.add_argument("--rows", type=int, default=200_000, help="rows of the generated sales.csv")
    parser.add_argument("--partitions", type=int, default=4)
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--group-by", default="country")
    parser.add_argument("--dataframe", action="store_true",
                        help="also run the same statistics with DataFrame groupBy().agg() and time both")
    args = parser.parse_args()
    gen = os.path.abspath(args.gen)

    workdir = tempfile.mkdtemp(prefix="gen-spark-")
    path = args.csv
    if path is None:
        path = os.path.join(workdir, "sales.csv")
        run([gen, "demo", "--rows", str(args.rows), "--keep", path])
    path = os.path.abspath(path)

    # The answer of one process over the whole file.
    one_stats = run([gen, "stats", path, "--group-by", args.group_by])
    one_count = run([gen, "count", path])

    from pyspark.sql import SparkSession

    spark = (SparkSession.builder.master(args.master).appName("gen-stats")
             .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false").getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    sc = spark.sparkContext
    try:
        lines = sc.textFile(path, minPartitions=args.partitions)
        partitions = lines.getNumPartitions()
        if partitions < args.partitions:
            sys.exit(f"Spark made {partitions} partitions, fewer than {args.partitions}")
        header = lines.first()
        lines.count()  # a first job over the file: the JVM and the page cache warm for the timings
        # Every partition gets the names; none reads a header line.
        records = lines.mapPartitionsWithIndex(drop_header)
        names = shlex.quote(header)

        start = time.perf_counter()
        partials = records.pipe(
            f"{shlex.quote(gen)} stats --partial --header {names} --group-by {shlex.quote(args.group_by)}",
            checkCode=True).collect()
        merged_stats = run([gen, "stats", "--merge", "-"], stdin="\n".join(partials) + "\n")
        pipe_seconds = time.perf_counter() - start

        counts = records.pipe(f"{shlex.quote(gen)} count --partial --header {names}", checkCode=True).collect()
        merged_count = run([gen, "count", "--merge", "-"], stdin="\n".join(counts) + "\n")

        ok = True
        for what, one, merged in [("stats", one_stats, merged_stats), ("count", one_count, merged_count)]:
            same = one == merged
            ok &= same
            print(f"gen {what}: {partitions} partitions merged {'==' if same else '!='} one process")
            if not same:
                print("one process:\n" + one + "merged:\n" + merged, file=sys.stderr)
        print(merged_stats, end="")
        print(f"rdd.pipe(gen stats --partial) + gen stats --merge: {pipe_seconds:.2f} s "
              f"({partitions} partitions, {args.master}, {len(partials)} partial lines)")

        if args.dataframe:
            from pyspark.sql import functions as F
            start = time.perf_counter()
            frame = spark.read.csv(path, header=True, schema="name STRING, country STRING, qty LONG, price DOUBLE")
            aggregates = []
            for column in ["qty", "price"]:
                aggregates += [F.count(column), F.sum(column), F.avg(column), F.min(column), F.max(column)]
            rows = frame.groupBy(args.group_by).agg(*aggregates).orderBy(args.group_by).collect()
            frame_seconds = time.perf_counter() - start
            print(f"DataFrame groupBy().agg(): {frame_seconds:.2f} s ({len(rows)} groups, "
                  f"{frame.rdd.getNumPartitions()} partitions, {args.master})")
        sys.exit(0 if ok else 1)
    finally:
        spark.stop()
        if args.csv is None:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
