#!/usr/bin/env bash
# Loading the demo's sales.csv into SQLite and PostgreSQL, and querying it back
# out to CSV: gen beside sqlite3's .import, Python's csv + sqlite3 executemany,
# psql's \copy and psycopg's COPY, and sqlite3 -csv / psql --csv for the way
# out, in one run. Each load is checked (row count and sum of qty) and each
# output's line count before its time counts. Prints a Markdown table:
# seconds (median of RUNS), rows/s, peak memory (/usr/bin/time).
#
# Usage: bash Benchmarks/compare-load.sh [ROWS] [RUNS]
#   PostgreSQL: the server the PG* variables name, else a throwaway one started
#   by .ci/postgres.sh (fsync off, as in CI: the same server for every peer).
#   Peers used when installed: sqlite3 and psql (Debian), psycopg (pip install "psycopg[binary]").
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-10000000}
runs=${2:-1}

# gen-db is an opt-in product (Package.swift): built with SWIFT_GENERATORS_EXTRAS=1,
# in the scratch path .ci/run uses for it, beside the gen that runs it.
scratch=${GEN_SCRATCH_PATH:-.build-extras}
SWIFT_GENERATORS_EXTRAS=1 swift build -c release --scratch-path "$scratch" --product gen >/dev/null
SWIFT_GENERATORS_EXTRAS=1 swift build -c release --scratch-path "$scratch" --product gen-db >/dev/null
gen=$PWD/$scratch/release/gen
work=$(mktemp -d)
pg_dir=""
cleanup() {
  [ -n "$pg_dir" ] && .ci/postgres.sh stop "$pg_dir"
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
if [ -z "${PGHOST:-}" ]; then
  pg_dir=/tmp/gen-compare-load-pg-$$
  pg_env=$(.ci/postgres.sh start "$pg_dir")
  eval "$pg_env"
fi
"$gen" demo --rows "$rows" --keep "$work/sales.csv" >/dev/null

GEN="$gen" WORK="$work" RUNS="$runs" ROWS="$rows" python3 - <<'PY'
import os, shutil, statistics, subprocess, sys, time

gen, work, runs, rows = os.environ["GEN"], os.environ["WORK"], int(os.environ["RUNS"]), int(os.environ["ROWS"])
sales, db, out = f"{work}/sales.csv", f"{work}/sales.db", f"{work}/out"
create = "CREATE TABLE sales (name TEXT, country TEXT, qty {int}, price {real})"

def run(command, stdout=None):
    """Seconds and peak RSS (MiB) of one run (through /usr/bin/time, so that the
    child's own peak is measured, not Python's)."""
    memory = f"{work}/rss"
    start = time.perf_counter()
    with open(stdout or os.devnull, "wb") as sink:
        status = subprocess.call(["/usr/bin/time", "-f", "%M", "-o", memory] + command, stdout=sink)
    seconds = time.perf_counter() - start
    if status != 0:
        raise RuntimeError(f"{' '.join(command)[:80]} failed ({status})")
    with open(memory) as f:
        return seconds, int(f.read().split()[-1]) / 1024

def sh(command):
    subprocess.run(command, shell=True, check=True, stdout=subprocess.DEVNULL)

def psql(sql):
    return subprocess.run(["psql", "-X", "-q", "-A", "-t", "-c", sql], check=True, capture_output=True, text=True).stdout.strip()

def sqlite(sql):
    return subprocess.run(["sqlite3", db, sql], check=True, capture_output=True, text=True).stdout.strip()

expected_qty = None
def check_load(kind):
    global expected_qty
    answer = sqlite("select count(*) || '|' || sum(qty) from sales") if kind == "sqlite" else psql("select count(*) || '|' || sum(qty) from sales")
    count, qty = answer.split("|")
    assert int(count) == rows, f"{kind}: {count} rows, not {rows}"
    if expected_qty is None: expected_qty = qty
    assert qty == expected_qty, f"{kind}: sum(qty) {qty}, not {expected_qty}"

def timed(prepare, command, check, stdout=None):
    samples = []
    for _ in range(runs):
        prepare()
        samples.append(run(command, stdout))
        check()
    return statistics.median(s for s, _ in samples), max(m for _, m in samples)

def fresh_sqlite(typed=True):
    def prepare():
        if os.path.exists(db): os.remove(db)
        if typed: sqlite(create.format(int="INTEGER", real="REAL"))
    return prepare

def fresh_postgres(typed=True):
    def prepare():
        psql("DROP TABLE IF EXISTS sales")
        if typed: psql(create.format(int="BIGINT", real="DOUBLE PRECISION"))
    return prepare

results = []  # (task, tool, seconds, MiB)
py = sys.executable
executemany = f"""
import csv, sqlite3
con = sqlite3.connect({db!r})
with open({sales!r}, newline="") as f, con:
    reader = csv.reader(f); next(reader)
    con.executemany("INSERT INTO sales VALUES (?, ?, ?, ?)", reader)
"""
copy = f"""
import psycopg
with psycopg.connect() as con, con.cursor() as cur, open({sales!r}, "rb") as f:
    with cur.copy("COPY sales FROM STDIN (FORMAT csv, HEADER)") as copy:
        while data := f.read(1 << 20): copy.write(data)
"""
load = "load into SQLite"
results.append((load, "gen load", *timed(fresh_sqlite(False), [gen, "load", sales, "--into", f"sqlite:{db}", "--table", "sales"], lambda: check_load("sqlite"))))
if shutil.which("sqlite3"):
    results.append((load, "sqlite3 .import", *timed(fresh_sqlite(), ["sqlite3", db, ".import --csv --skip 1 " + sales + " sales"], lambda: check_load("sqlite"))))
results.append((load, "Python csv + sqlite3 executemany", *timed(fresh_sqlite(), [py, "-c", executemany], lambda: check_load("sqlite"))))

load = "load into PostgreSQL"
results.append((load, "gen load", *timed(fresh_postgres(False), [gen, "load", sales, "--into", "postgres:", "--table", "sales"], lambda: check_load("postgres"))))
results.append((load, "psql \\copy", *timed(fresh_postgres(), ["psql", "-X", "-q", "-c", f"\\copy sales FROM '{sales}' (FORMAT csv, HEADER)"], lambda: check_load("postgres"))))
try:
    import psycopg  # noqa: F401
    results.append((load, "Python psycopg copy", *timed(fresh_postgres(), [py, "-c", copy], lambda: check_load("postgres"))))
except ImportError:
    print("(psycopg is not installed: pip install 'psycopg[binary]')", file=sys.stderr)

def check_out():
    with open(out, "rb") as f:
        lines = sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))
    assert lines == rows + 1, f"{lines} lines out, not {rows + 1}"

nothing = lambda: None
query = "select * from sales"
task = "query SQLite to CSV"
results.append((task, "gen query", *timed(nothing, [gen, "query", f"sqlite:{db}", query], check_out, out)))
results.append((task, "sqlite3 -csv", *timed(nothing, ["sqlite3", "-csv", "-header", db, query], check_out, out)))
task = "query PostgreSQL to CSV"
results.append((task, "gen query", *timed(nothing, [gen, "query", "postgres:", query], check_out, out)))
results.append((task, "psql --csv", *timed(nothing, ["psql", "-X", "--csv", "-c", query], check_out, out)))

print(f"\n{rows:,} rows of sales.csv ({os.path.getsize(sales) / 1e6:.0f} MB), median of {runs} run{'s' if runs > 1 else ''}:\n")
print("| task | tool | seconds | rows/s | peak memory | vs gen |")
print("|---|---|---:|---:|---:|---:|")
base = {}
for task, tool, seconds, mib in results:
    base.setdefault(task, seconds)
    print(f"| {task} | {tool} | {seconds:.2f} | {rows / seconds / 1e6:.2f}M | {mib:.0f} MiB | {seconds / base[task]:.2f}× |")
PY
