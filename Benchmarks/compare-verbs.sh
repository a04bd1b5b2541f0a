#!/usr/bin/env bash
# gen's verbs (1 and 2 threads) beside DuckDB and polars (1 and 2 threads),
# miller and Python's csv and json modules, on the same generated sales.csv
# and its JSON Lines form, in one run. Each tool's answer is checked against
# gen's (row counts, totals per country) before its time counts. Prints a
# Markdown table: seconds (median of RUNS, run in rounds: each tool once a
# round), peak memory, and each peer's time
# over gen's with as many threads (miller and Python: over gen's one thread).
#
# Usage: bash Benchmarks/compare-verbs.sh [ROWS] [RUNS]
#   Peers are used when installed: pip install duckdb polars; apt-get install miller.
#   TASKS=count-jsonl,derive (the task names below) runs only those rows;
#   PEERS=DuckDB,polars only the peers whose names start so.
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-10000000}
runs=${2:-3}

source Benchmarks/sales-files.sh  # (sets gen and work)

GEN="$gen" WORK="$work" RUNS="$runs" ROWS="$rows" python3 - <<'PY'
import csv, json, os, shutil, statistics, subprocess, sys, time

gen, work, runs = os.environ["GEN"], os.environ["WORK"], int(os.environ["RUNS"])
half = int(os.environ["ROWS"]) // 2  # `head`'s rows
sales, jsonl = f"{work}/sales.csv", f"{work}/sales.jsonl"
out = f"{work}/out"

def run(command, env=None):
    """Seconds and peak RSS (MiB) of one run of `command` (a list), output to `out`.
    (Through /usr/bin/time: a child forked from this Python would report
    Python's own peak, which survives exec on Linux.)"""
    memory = f"{work}/rss"
    # The last run's output removed and every write flushed before the clock
    # starts: truncating hundreds of MB, and writing back the last run's
    # pages, would otherwise land in this run's time (0.5 s of system time
    # seen in a 1.1 s run).
    for stale in (out, f"{work}/duck.out"):
        if os.path.exists(stale): os.remove(stale)
    os.sync()
    start = time.perf_counter()
    with open(out, "wb") as sink:
        status = subprocess.call(["/usr/bin/time", "-f", "%M", "-o", memory] + command, stdout=sink,
                                 stderr=subprocess.DEVNULL, env={**os.environ, **(env or {})})
    seconds = time.perf_counter() - start
    if status != 0:
        raise RuntimeError(f"{command[:3]} failed ({status})")
    with open(memory) as f:
        return seconds, int(f.read().split()[-1]) / 1024

def output(tool="gen", task=""):
    path = f"{work}/duck.out" if tool.startswith("DuckDB") and task in (
        "filter", "filter-expr", "derive", "select", "convert", "head", "filter-jsonl", "convert-jsonl", "derive-jsonl") else out
    with open(path, encoding="utf-8") as f:
        return f.read()

# The answers every tool must give: from gen, checked against Python's csv module below.
def lines(text): return [l for l in text.splitlines() if l]

py = sys.executable
duck = f"""
import duckdb, sys
con = duckdb.connect(); con.execute(f"SET threads TO {{sys.argv[1]}}")
con.execute("SET enable_progress_bar = false")  # (its bar, on a long query, went to stdout with the answer)
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
elif task == "head": con.execute(f"copy (select * from read_csv('{sales}', header=true, all_varchar=true) limit {half}) to '{work}/duck.out' (header, delimiter ',')")
# (No batch: DuckDB cuts a result into fixed-size JSON arrays only with a window and string_agg
# query, which measures its aggregation: 58 s and 4.3 GB for 10M rows here.)
elif task == "count-jsonl": print(con.execute("select count(*) from read_json('{jsonl}', format='newline_delimited')").fetchone()[0])
else:
    # sales.jsonl holds every value as a JSON string (gen convert keeps CSV text): read as text, cast.
    js = "read_json('{jsonl}', format='newline_delimited', columns={{'name':'VARCHAR','country':'VARCHAR','qty':'VARCHAR','price':'VARCHAR'}})"
    typed = f"(select name, country, cast(qty as bigint) as qty, cast(price as double) as price from {{js}})"
    if task == "stats-jsonl":
        for r in con.execute(f"select country, count(qty), sum(qty), avg(qty), min(qty), max(qty), count(price), sum(price), avg(price), min(price), max(price) from {{typed}} group by 1 order by 1").fetchall(): print(*r, sep=",")
    elif task == "filter-jsonl": con.execute(f"copy (select * from {{js}} where country <> 'US' and cast(qty as bigint) >= 10) to '{work}/duck.out' (format json)")
    elif task == "convert-jsonl": con.execute(f"copy (select * from {{js}}) to '{work}/duck.out' (header, delimiter ',')")
    elif task == "derive-jsonl": con.execute(f"copy (select *, cast(qty as bigint) * cast(price as double) as total from {{js}}) to '{work}/duck.out' (format json)")
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
elif task == "head": pl.scan_csv('{sales}', infer_schema=False).head({half}).sink_csv("/dev/stdout")
elif task == "batch":
    for frame in pl.scan_csv('{sales}', infer_schema=False).collect_batches(chunk_size=1000):
        sys.stdout.write(frame.write_json() + "\\n")
elif task == "count-jsonl": print(pl.scan_ndjson('{jsonl}').select(pl.len()).collect(engine="streaming").item())
elif task == "stats-jsonl":
    lj = pl.scan_ndjson('{jsonl}').with_columns(pl.col("qty").cast(pl.Int64), pl.col("price").cast(pl.Float64))
    df = lj.group_by("country").agg([f(c).alias(f"{{f.__name__}}_{{c}}") for c in ("qty", "price") for f in (pl.count, pl.sum, pl.mean, pl.min, pl.max)]).sort("country").collect(engine="streaming")
    for r in df.iter_rows(): print(*r, sep=",")
elif task == "filter-jsonl": pl.scan_ndjson('{jsonl}').filter((pl.col("country") != "US") & (pl.col("qty").cast(pl.Int64) >= 10)).sink_ndjson("/dev/stdout")
elif task == "convert-jsonl": pl.scan_ndjson('{jsonl}').sink_csv("/dev/stdout")
elif task == "derive-jsonl": pl.scan_ndjson('{jsonl}').with_columns(total=pl.col("qty").cast(pl.Int64) * pl.col("price").cast(pl.Float64)).sink_ndjson("/dev/stdout")
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
    elif task == "head":
        w = csv.DictWriter(sys.stdout, fieldnames=reader.fieldnames, lineterminator="\\n"); w.writeheader()
        for _, r in zip(range({half}), reader): w.writerow(r)
    elif task == "batch":
        batch = []
        for r in reader:
            batch.append(r)
            if len(batch) == 1000:
                sys.stdout.write(json.dumps(batch, ensure_ascii=False, separators=(",", ":")) + "\\n"); batch = []
        if batch: sys.stdout.write(json.dumps(batch, ensure_ascii=False, separators=(",", ":")) + "\\n")
    elif task == "stats":
        g = {{}}
        for r in reader:
            s = g.setdefault(r["country"], [0, 0, 0.0])
            s[0] += 1; s[1] += int(r["qty"]); s[2] += float(r["price"])
        for k in sorted(g): print(k, *g[k], sep=",")
with open('{jsonl}', encoding='utf-8') as f:
    records = (json.loads(line) for line in f)
    if task == "stats-jsonl":
        g = {{}}
        for r in records:
            s = g.setdefault(r["country"], [0, 0, 0.0])
            s[0] += 1; s[1] += int(r["qty"]); s[2] += float(r["price"])
        for k in sorted(g): print(k, *g[k], sep=",")
    elif task == "filter-jsonl":
        for r in records:
            if r["country"] != "US" and int(r["qty"]) >= 10: sys.stdout.write(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\\n")
    elif task == "convert-jsonl":
        first = next(records)
        w = csv.DictWriter(sys.stdout, fieldnames=list(first), lineterminator="\\n"); w.writeheader(); w.writerow(first)
        for r in records: w.writerow(r)
    elif task == "derive-jsonl":
        for r in records:
            r["total"] = int(r["qty"]) * float(r["price"])
            sys.stdout.write(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\\n")
"""

# (title, task, gen's command, whether gen takes --threads for it)
tasks = [
    ("count rows", "count", [gen, "count", sales], True),
    ("stats --group-by country", "stats", [gen, "stats", sales, "--group-by", "country"], True),
    ("filter country!=US, qty>=10, to CSV", "filter", [gen, "filter", sales, "--where", "country!=US", "--where", "qty>=10"], True),
    ("filter qty * price > 1000 or lower(country) == 'de'", "filter-expr",
     [gen, "filter", sales, "--where", "qty * price > 1000 or lower(country) == 'de'"], True),
    ("derive total = qty * price, to CSV", "derive", [gen, "derive", sales, "total=qty * price"], True),
    ("select name,qty", "select", [gen, "select", "name,qty", sales], True),
    ("convert to JSON Lines", "convert", [gen, "convert", sales, "--to", "jsonl"], True),
    ("head: the first half of the rows", "head", [gen, "head", "-n", str(half), sales], False),
    ("batch --size 1000 (JSON arrays)", "batch", [gen, "batch", "--size", "1000", sales], False),
    ("JSON Lines: count records", "count-jsonl", [gen, "count", jsonl], True),
    ("JSON Lines: stats --group-by country", "stats-jsonl", [gen, "stats", jsonl, "--group-by", "country"], True),
    ("JSON Lines: filter country != 'US' and qty >= 10", "filter-jsonl",
     [gen, "filter", jsonl, "--where", "country != 'US' and qty >= 10"], True),
    ("JSON Lines: convert to CSV", "convert-jsonl", [gen, "convert", jsonl, "--to", "csv"], True),
    ("JSON Lines: derive total = qty * price", "derive-jsonl", [gen, "derive", jsonl, "total=qty * price"], True),
]
peers = []
try:
    import duckdb  # noqa
    # (None: no batch, see the DuckDB script.)
    peers += [("DuckDB 1t", lambda t: [py, "-c", duck, "1", t] if t != "batch" else None),
              ("DuckDB 2t", lambda t: [py, "-c", duck, "2", t] if t != "batch" else None)]
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
                 "head": [mlr, "--csv", "head", "-n", str(half), sales],
                 "stats": [mlr, "--icsv", "--ocsv", "stats1", "-a", "count,sum,mean,min,max", "-f", "qty,price", "-g", "country", sales],
                 # (miller reads JSON strings as strings: the numbers are cast, as for DuckDB and polars)
                 "stats-jsonl": [mlr, "--ijsonl", "--ocsv", "put", "$qty = int($qty); $price = float($price)", "then",
                                 "stats1", "-a", "count,sum,mean,min,max", "-f", "qty,price", "-g", "country", jsonl],
                 "filter-jsonl": [mlr, "--ijsonl", "--ojsonl", "filter", '$country != "US" && int($qty) >= 10', jsonl],
                 "convert-jsonl": [mlr, "--ijsonl", "--ocsv", "cat", jsonl],
                 "derive-jsonl": [mlr, "--ijsonl", "--ojsonl", "put", "$total = int($qty) * float($price)", jsonl]}
    peers.append(("miller", lambda t: mlr_tasks.get(t)))
else:
    print("(miller not installed: apt-get install miller)", file=sys.stderr)
python_tasks = ("count", "filter", "filter-expr", "derive", "convert", "head", "batch", "stats", "stats-jsonl", "filter-jsonl", "convert-jsonl",
                "derive-jsonl")
peers.append(("Python csv/json", lambda t: [py, "-c", pycsv, t] if t in python_tasks else None))

def answer(task, text, tool):
    """What must agree: counts, the filtered rows' count, per-country qty totals, the derived column's sum."""
    rows = lines(text)
    if task in ("count", "count-jsonl"):
        digits = "".join(ch for ch in text if ch.isdigit())
        return int(digits) if tool != "miller" else json.loads(text)[0]["count"]
    if task in ("filter", "filter-expr", "select", "convert-jsonl", "head"): return len(rows) - 1
    if task == "batch": return len(rows), sum(len(json.loads(r)) for r in rows)
    if task == "derive":
        return len(rows) - 1, round(sum(float(r["total"]) for r in csv.DictReader(rows)))
    if task == "derive-jsonl":
        return len(rows), round(sum(float(json.loads(r)["total"]) for r in rows))
    if task in ("convert", "filter-jsonl"): return len(rows)
    if task in ("stats", "stats-jsonl"):
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
                totals[cells[0]] = round(float(cells[2])) if tool != "Python csv/json" else int(cells[2])
        return totals

if os.environ.get("TASKS"):
    wanted = os.environ["TASKS"].split(",")
    tasks = [t for t in tasks if t[1] in wanted]
if os.environ.get("PEERS"):
    prefixes = tuple(os.environ["PEERS"].split(","))
    peers = [p for p in peers if p[0].startswith(prefixes)]

def warm(path):
    """Read the input once, untimed: each tool then starts with it in the page cache
    (else the first task after a switch of input pays for the disk)."""
    with open(path, "rb") as f:
        while f.read(1 << 24): pass

results = []
for title, task, command, threaded in tasks:
    warm(jsonl if task.endswith("-jsonl") else sales)
    entries = [("gen 1t", command + (["--threads", "1"] if threaded else []), None)]
    if threaded: entries.append(("gen 2t", command + ["--threads", "2"], None))
    for name, make in peers:
        made = make(task)
        if made is not None:
            entries.append((name,) + (made if isinstance(made, tuple) else (made, None)))
    # In rounds, each tool once a round: a slow minute on this shared
    # machine (the same command moves 2x within an hour) then falls on
    # every tool of the row, not on one tool's runs.
    samples, wrong, failed, expected = {name: [] for name, _, _ in entries}, {}, {}, None
    for _ in range(runs):
        for name, tool_command, env in entries:
            if name in failed or name in wrong: continue
            if name.startswith("gen"):  # (gen failing stops the run)
                samples[name].append(run(tool_command, env))
                got = answer(task, output("gen", task), "gen")
            else:
                try:
                    samples[name].append(run(tool_command, env))
                    got = answer(task, output(name, task), name)
                except Exception as error:  # a peer that cannot do the task
                    failed[name] = f"failed: {str(error)[:40]}"
                    continue
            if name == "gen 1t" and expected is None: expected = got  # (each round runs gen's one thread first)
            if got != expected: wrong[name] = f"DIFFERS ({got!r:.40} vs {expected!r:.40})"
    def cell(name):
        if name in failed: return failed[name]
        if name in wrong: return wrong[name]
        return statistics.median(s for s, _ in samples[name]), max(m for _, m in samples[name])
    one = cell("gen 1t")
    row = [title, f"{one[0]:.2f} s ({one[1]:.0f} MiB)" if isinstance(one, tuple) else one]  # (a run unlike the first: DIFFERS)
    two = cell("gen 2t") if threaded else one
    if not threaded: row.append("(one thread)")
    else: row.append(f"{two[0]:.2f} s ({two[1]:.0f} MiB)" if isinstance(two, tuple) else two)
    for name, make in peers:
        if name not in samples:
            row.append("")
            continue
        got = cell(name)
        versus = two if name.endswith("2t") else one
        if isinstance(got, tuple) and isinstance(versus, tuple):
            row.append(f"{got[0]:.2f} s ({got[1]:.0f} MiB) {got[0] / versus[0]:.1f}×")
        else:
            row.append(got if not isinstance(got, tuple) else f"{got[0]:.2f} s ({got[1]:.0f} MiB)")
    results.append(row)

size = os.path.getsize(sales) / 1e6
jsize = os.path.getsize(jsonl) / 1e6
print(f"{size:.0f} MB sales.csv, {jsize:.0f} MB sales.jsonl, {runs} runs each in rounds (median); "
      "× = peer's time / gen's with as many threads (miller, Python: gen's one)\n")
header = ["task", "gen 1t", "gen 2t"] + [name for name, _ in peers]
print("| " + " | ".join(header) + " |")
print("|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|")
for row in results: print("| " + " | ".join(row) + " |")
PY
