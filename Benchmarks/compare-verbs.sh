#!/usr/bin/env bash
# gen's verbs beside DuckDB and polars (1 and 2 threads), miller and Python's
# csv module, on the same generated sales.csv (and its JSON Lines form), in one
# run. Each tool's answer is checked against gen's (row counts, totals per
# country) before its time counts. Prints a Markdown table: seconds (median of
# RUNS), peak memory, and each peer's time over gen's.
#
# Usage: bash Benchmarks/compare-verbs.sh [ROWS] [RUNS]
#   Peers are used when installed: pip install duckdb polars; apt-get install miller.
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-10000000}
runs=${2:-3}

swift build -c release --product gen >/dev/null
gen=$PWD/.build/release/gen
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$gen" demo --rows "$rows" --keep "$work/sales.csv" >/dev/null
"$gen" convert "$work/sales.csv" --to jsonl --output "$work/sales.jsonl"

GEN="$gen" WORK="$work" RUNS="$runs" python3 - <<'PY'
import csv, json, os, shutil, statistics, subprocess, sys, time

gen, work, runs = os.environ["GEN"], os.environ["WORK"], int(os.environ["RUNS"])
sales, jsonl = f"{work}/sales.csv", f"{work}/sales.jsonl"
out = f"{work}/out"

def run(command, env=None):
    """Seconds and peak RSS (MiB) of one run of `command` (a list), output to `out`.
    (Through /usr/bin/time: a child forked from this Python would report
    Python's own peak, which survives exec on Linux.)"""
    memory = f"{work}/rss"
    start = time.perf_counter()
    with open(out, "wb") as sink:
        status = subprocess.call(["/usr/bin/time", "-f", "%M", "-o", memory] + command, stdout=sink,
                                 stderr=subprocess.DEVNULL, env={**os.environ, **(env or {})})
    seconds = time.perf_counter() - start
    if status != 0:
        raise RuntimeError(f"{command[:3]} failed ({status})")
    with open(memory) as f:
        return seconds, int(f.read().split()[-1]) / 1024

def timed(command, env=None):
    samples = [run(command, env) for _ in range(runs)]
    return statistics.median(s for s, _ in samples), max(m for _, m in samples)

def output(tool="gen", task=""):
    path = f"{work}/duck.out" if tool.startswith("DuckDB") and task in ("filter", "filter-expr", "derive", "select", "convert") else out
    with open(path, encoding="utf-8") as f:
        return f.read()

# The answers every tool must give: from gen, checked against Python's csv module below.
def lines(text): return [l for l in text.splitlines() if l]

py = sys.executable
duck = f"""
import duckdb, sys
con = duckdb.connect(); con.execute(f"SET threads TO {{sys.argv[1]}}")
src = "read_csv('{sales}', header=true, columns={{'name':'VARCHAR','country':'VARCHAR','qty':'BIGINT','price':'DOUBLE'}})"
task = sys.argv[2]
if task == "count": print(con.execute(f"select count(*) from {{src}}").fetchone()[0])
elif task == "stats":
    for r in con.execute(f"select country, count(qty), sum(qty), avg(qty), min(qty), max(qty), count(price), sum(price), avg(price), min(price), max(price) from {{src}} group by 1 order by 1").fetchall(): print(*r, sep=",")
# (COPY to a file: to /dev/stdout, DuckDB's parallel JSON writer loses lines.)
elif task == "filter": con.execute(f"copy (select * from {{src}} where country <> 'US' and qty >= 10) to '{work}/duck.out' (header, delimiter ',')")
elif task == "select": con.execute(f"copy (select name, qty from {{src}}) to '{work}/duck.out' (header, delimiter ',')")
elif task == "filter-expr": con.execute(f"copy (select * from {{src}} where qty * price > 1000 or lower(country) = 'de') to '{work}/duck.out' (header, delimiter ',')")
elif task == "derive": con.execute(f"copy (select *, qty * price as total from {{src}}) to '{work}/duck.out' (header, delimiter ',')")
elif task == "convert": con.execute(f"copy (select * from read_csv('{sales}', header=true, all_varchar=true)) to '{work}/duck.out' (format json)")
elif task == "count-jsonl": print(con.execute("select count(*) from read_json('{jsonl}', format='newline_delimited')").fetchone()[0])
"""
pol = f"""
import polars as pl, sys
task = sys.argv[2]
lf = pl.scan_csv('{sales}', schema={{'name': pl.Utf8, 'country': pl.Utf8, 'qty': pl.Int64, 'price': pl.Float64}})
if task == "count": print(lf.select(pl.len()).collect(engine="streaming").item())
elif task == "stats":
    df = lf.group_by("country").agg([f(c).alias(f"{{f.__name__}}_{{c}}") for c in ("qty", "price") for f in (pl.count, pl.sum, pl.mean, pl.min, pl.max)]).sort("country").collect(engine="streaming")
    for r in df.iter_rows(): print(*r, sep=",")
elif task == "filter": lf.filter((pl.col("country") != "US") & (pl.col("qty") >= 10)).sink_csv("/dev/stdout")
elif task == "select": lf.select("name", "qty").sink_csv("/dev/stdout")
elif task == "filter-expr": lf.filter((pl.col("qty") * pl.col("price") > 1000) | (pl.col("country").str.to_lowercase() == "de")).sink_csv("/dev/stdout")
elif task == "derive": lf.with_columns(total=pl.col("qty") * pl.col("price")).sink_csv("/dev/stdout")
elif task == "convert": pl.scan_csv('{sales}', infer_schema=False).sink_ndjson("/dev/stdout")
elif task == "count-jsonl": print(pl.scan_ndjson('{jsonl}').select(pl.len()).collect(engine="streaming").item())
"""
pycsv = f"""
import csv, json, sys
task = sys.argv[1]
with open('{sales}', newline='') as f:
    reader = csv.DictReader(f)
    if task == "count": print(sum(1 for _ in reader))
    elif task == "filter":
        w = csv.DictWriter(sys.stdout, fieldnames=reader.fieldnames, lineterminator="\\n"); w.writeheader()
        for r in reader:
            if r["country"] != "US" and int(r["qty"]) >= 10: w.writerow(r)
    elif task == "filter-expr":
        w = csv.DictWriter(sys.stdout, fieldnames=reader.fieldnames, lineterminator="\\n"); w.writeheader()
        for r in reader:
            if int(r["qty"]) * float(r["price"]) > 1000 or r["country"].lower() == "de": w.writerow(r)
    elif task == "derive":
        w = csv.DictWriter(sys.stdout, fieldnames=reader.fieldnames + ["total"], lineterminator="\\n"); w.writeheader()
        for r in reader:
            r["total"] = int(r["qty"]) * float(r["price"]); w.writerow(r)
    elif task == "convert":
        for r in reader: sys.stdout.write(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\\n")
    elif task == "stats":
        g = {{}}
        for r in reader:
            s = g.setdefault(r["country"], [0, 0, 0.0])
            s[0] += 1; s[1] += int(r["qty"]); s[2] += float(r["price"])
        for k in sorted(g): print(k, *g[k], sep=",")
"""

tasks = [
    ("count rows", "count", [gen, "count", sales]),
    ("stats --group-by country", "stats", [gen, "stats", sales, "--group-by", "country", "--threads", "1"]),
    ("stats --group-by country, gen --threads 2", "stats", [gen, "stats", sales, "--group-by", "country", "--threads", "2"]),
    ("filter country!=US, qty>=10, to CSV", "filter", [gen, "filter", sales, "--where", "country!=US", "--where", "qty>=10"]),
    ("filter qty * price > 1000 or lower(country) == 'de'", "filter-expr",
     [gen, "filter", sales, "--where", "qty * price > 1000 or lower(country) == 'de'"]),
    ("derive total = qty * price, to CSV", "derive", [gen, "derive", sales, "total=qty * price"]),
    ("select name,qty", "select", [gen, "select", "name,qty", sales]),
    ("convert to JSON Lines", "convert", [gen, "convert", sales, "--to", "jsonl"]),
    ("count JSON Lines records", "count-jsonl", [gen, "count", jsonl]),
]
peers = []
try:
    import duckdb  # noqa
    peers += [("DuckDB 1t", lambda t: [py, "-c", duck, "1", t]), ("DuckDB 2t", lambda t: [py, "-c", duck, "2", t])]
except ImportError:
    print("(DuckDB not installed: pip install duckdb)", file=sys.stderr)
try:
    import polars  # noqa
    peers += [("polars 1t", lambda t: ([py, "-c", pol, "1", t], {"POLARS_MAX_THREADS": "1"})),
              ("polars 2t", lambda t: ([py, "-c", pol, "2", t], {"POLARS_MAX_THREADS": "2"}))]
except ImportError:
    print("(polars not installed: pip install polars)", file=sys.stderr)
mlr = shutil.which("mlr")
if mlr:
    mlr_tasks = {"count": [mlr, "--icsv", "--ojson", "count", sales],
                 "filter": [mlr, "--csv", "filter", '$country != "US" && $qty >= 10', sales],
                 "filter-expr": [mlr, "--csv", "filter", '$qty * $price > 1000 || tolower($country) == "de"', sales],
                 "derive": [mlr, "--csv", "put", '$total = $qty * $price', sales],
                 "select": [mlr, "--csv", "cut", "-o", "-f", "name,qty", sales],
                 "convert": [mlr, "--icsv", "--ojsonl", "cat", sales],
                 "stats": [mlr, "--icsv", "--ocsv", "stats1", "-a", "count,sum,mean,min,max", "-f", "qty,price", "-g", "country", sales]}
    peers.append(("miller", lambda t: mlr_tasks.get(t)))
else:
    print("(miller not installed: apt-get install miller)", file=sys.stderr)
peers.append(("Python csv", lambda t: [py, "-c", pycsv, t] if t in ("count", "filter", "filter-expr", "derive", "convert", "stats") else None))

def answer(task, text, tool):
    """What must agree: counts, the filtered rows' count, per-country qty totals, the derived column's sum."""
    rows = lines(text)
    if task in ("count", "count-jsonl"):
        digits = "".join(ch for ch in text if ch.isdigit())
        return int(digits) if tool != "miller" else json.loads(text)[0]["count"]
    if task in ("filter", "filter-expr", "select"): return len(rows) - 1
    if task == "derive":
        return len(rows) - 1, round(sum(float(r["total"]) for r in csv.DictReader(rows)))
    if task == "convert": return len(rows)
    if task == "stats":
        totals = {}
        if tool == "gen":
            for r in rows[2:]:
                cells = [c.strip() for c in r.strip("|").split("|")]
                if cells[1] == "qty": totals[cells[0]] = round(float(cells[3]))
        elif tool == "miller":
            for r in list(csv.DictReader(rows)): totals[r["country"]] = round(float(r["qty_sum"]))
        else:
            for r in rows:
                cells = r.split(",")
                totals[cells[0]] = round(float(cells[2])) if tool != "Python csv" else int(cells[2])
        return totals

results = []
for title, task, command in tasks:
    seconds, mib = timed(command)
    expected = answer(task, output(), "gen")
    row = [title, f"{seconds:.2f} s ({mib:.0f} MiB)"]
    for name, make in peers:
        made = make(task)
        if made is None:
            row.append("")
            continue
        command, env = made if isinstance(made, tuple) else (made, None)
        try:
            s, m = timed(command, env)
            got = answer(task, output(name, task), name)
            if got != expected:
                row.append(f"DIFFERS ({got!r:.40} vs {expected!r:.40})")
            else:
                row.append(f"{s:.2f} s ({m:.0f} MiB) {s / seconds:.1f}×")
        except Exception as error:  # a peer that cannot do the task
            row.append(f"failed: {str(error)[:40]}")
    results.append(row)

size = os.path.getsize(sales) / 1e6
print(f"{size:.0f} MB sales.csv, {runs} runs each (median), gen on one thread but where the task says; × = peer's time / gen's\n")
header = ["task", "gen"] + [name for name, _ in peers]
print("| " + " | ".join(header) + " |")
print("|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|")
for row in results: print("| " + " | ".join(row) + " |")
PY
