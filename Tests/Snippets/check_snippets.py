#!/usr/bin/env python3
"""Compiles and runs every Swift snippet in README.md, the DocC articles and
the DocC comments of Sources/, as a user would paste them.
A DocC article or comment is read as its module's page, so it imports that
module; README.md imports nothing it does not show.

Each document becomes one executable that sees only the imports its own
snippets show (MemberImportVisibility is on, so an extension member needs its
module imported too). Within a document, declarations at the left margin
(func, struct, ...) are shared by the later snippets, as a reader assumes;
statements run in a function of their own, in order. A DocC comment is a
document of its own that imports its module.

A line ending in `// → expected` is checked when it runs: a line that prints
must print `expected` (whitespace-insensitive); any other line is an
expression whose value (unwrapped if optional) must read `expected`. Such a
check must be a statement at the top level of its snippet (not inside a
declaration, where it would not run, nor inside a loop), and a DocC comment's
example must be a ```swift fence, not an indented block: the checker refuses
both rather than let them pass unchecked.

Names the snippets leave to the reader (`api`, `urls`, `row`, ...) come from
Tests/Snippets/Fixtures.swift; the files they read (sales.csv, server.log,
sales.db, ...) are made in a scratch directory where the programs run. A
program that imports StreamDatabases builds against it; one that uses
PostgreSQL runs only where PGHOST names a server (.ci/run starts one), and is
otherwise built and reported as not run.

Usage: python3 Tests/Snippets/check_snippets.py [--build-only]
"""
import gzip
import json
import os
import re
import shutil
import sqlite3
import csv as csv_module
import subprocess
import sys
import tempfile

REFUSED = []  # snippets written so that they could not be checked
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
WORK = os.path.join(ROOT, ".build-snippets")
DECLARATION = re.compile(r"^(public |private |fileprivate |final |@\w+ )*(func|struct|class|enum|actor|extension|protocol|typealias)\b")
# `// → 1 2 3` checks "1 2 3"; a note after three spaces is not part of it.
EXPECT = re.compile(r"^(?P<code>.*?)\s*// → (?P<expected>.*?)(   .*)?$")


def documents():
    """(name, origin, implied imports, [(first line, code)]) for every document with snippets."""
    found = []
    articles = [os.path.join(ROOT, "README.md")]
    for dirpath, _, files in sorted(os.walk(os.path.join(ROOT, "Sources"))):
        if dirpath.endswith(".docc"):
            articles += [os.path.join(dirpath, f) for f in sorted(files) if f.endswith(".md")]
    for path in articles:
        snippets, current, start = [], None, 0
        for number, line in enumerate(open(path, encoding="utf-8"), 1):
            if current is None and line.strip() == "```swift":
                current, start = [], number + 1
            elif current is not None and line.strip() == "```":
                snippets.append((start, "".join(current)))
                current = None
            elif current is not None:
                current.append(line)
        if snippets:
            # An article in a module's catalogue is read as that module's page.
            implied = [] if path.endswith("README.md") else [os.path.basename(os.path.dirname(path))[:-len(".docc")]]
            found.append((path, implied, snippets))
    for dirpath, _, files in sorted(os.walk(os.path.join(ROOT, "Sources"))):
        module = os.path.relpath(dirpath, os.path.join(ROOT, "Sources")).split(os.sep)[0]
        for name in sorted(files):
            if not name.endswith(".swift"):
                continue
            path = os.path.join(dirpath, name)
            current, start, previous = None, 0, None
            for number, line in enumerate(open(path, encoding="utf-8"), 1):
                text = line.strip()
                if not text.startswith("///"):
                    current, previous = None, None
                    continue
                body = text[3:]
                body = body[1:] if body.startswith(" ") else body
                # An indented code block (after a blank doc line) would be
                # neither compiled nor run: it must be a ```swift fence.
                if current is None and previous == "" and body.startswith("    ") and body.strip():
                    REFUSED.append(f"{os.path.relpath(path, ROOT)}:{number}: an indented code block; "
                                   "write it in a ```swift fence so that it is compiled and run")
                previous = body.strip()
                if current is None and body.strip() == "```swift":
                    current, start = [], number + 1
                elif current is not None and body.strip() == "```":
                    found.append((path, [module], [(start, "".join(current))]))
                    current = None
                elif current is not None:
                    current.append(body + "\n")
    return found


def split(code):
    """Each line of a snippet with whether it belongs to a declaration at the
    left margin (which runs until its braces balance)."""
    marked, depth, inside = [], 0, False
    for line in code.splitlines(keepends=True):
        if not inside and DECLARATION.match(line):
            inside = True
        marked.append((inside, line))
        if inside:
            depth += line.count("{") - line.count("}")
            if depth <= 0 and ("{" in line or "}" in line):
                inside, depth = False, 0
    return marked


def checked(line, origin, number):
    """The line, with a `// → expected` comment turned into a check."""
    match = EXPECT.match(line.rstrip("\n"))
    if not match:
        return line
    code, expected = match.group("code"), match.group("expected").strip()
    where = json.dumps(f"{os.path.relpath(origin, ROOT)}:{number}")
    if "print(" in code:
        return f"__startCapture(); {code}; __expectPrinted({json.dumps(expected)}, at: {where})\n"
    code = code.strip()
    if code.startswith("_ = "):
        code = code[4:]
    return f"do {{ let __value = {code}; __expect(__value, {json.dumps(expected)}, at: {where}) }}\n"


def program(origin, implied, snippets):
    imports = [f"import {m}\n" for m in implied]
    declarations, bodies = [], []
    for start, code in snippets:
        decl, body, depth = [], [], 0
        for offset, (is_declaration, line) in enumerate(split(code)):
            line = line.replace("{ … }", "{}").replace("{ ... }", "{}")
            code_part = line.split("//")[0]
            if EXPECT.match(line.rstrip("\n")) and (is_declaration or depth > 0):
                # Inside a declaration it would never run; inside a loop, once per pass.
                REFUSED.append(f"{os.path.relpath(origin, ROOT)}:{start + offset}: a `// →` check inside "
                               "a declaration or a block; put it on a statement of its own")
            if line.startswith("import "):
                imports.append(line)  # file scope, as written
            elif is_declaration:
                decl.append(line)
            else:
                body.append(checked(line, origin, start + offset) if depth == 0 else line)
                depth += code_part.count("{") - code_part.count("}")
        declarations.append(f"// {os.path.relpath(origin, ROOT)}:{start}\n" + "".join(decl))
        bodies.append((start, "".join(body)))
    text = "".join(dict.fromkeys(imports))
    text += "\n".join(declarations) + "\n"
    for start, body in bodies:
        text += f"\nfunc __snippet_{start}() async throws {{\n{body}}}\n"
    text += "\ntry await __run([\n" + "".join(
        f"  ({json.dumps(os.path.relpath(origin, ROOT) + ':' + str(start))}, __snippet_{start}),\n" for start, _ in bodies
    ) + "])\n"
    return text


def target_name(origin, index):
    base = re.sub(r"[^A-Za-z0-9]", "_", os.path.relpath(origin, ROOT))
    return f"S{index:03d}_{base}"[:80]


def make_inputs(directory):
    """The files the snippets read, small but of the documented shapes."""
    rows = ["name,country,qty,price"]
    countries = ["US", "FR", "DE", "JP", "AU"]
    for i in range(200):
        name = f'"Doe, J{i}"' if i % 50 == 0 else f"Name{i}"
        rows.append(f"{name},{countries[i % 5]},{i % 17 + 1},{(i % 97) + 0.5}")
    csv = "\n".join(rows) + "\n"
    for name in ["sales.csv"]:
        open(os.path.join(directory, name), "w").write(csv)
    with gzip.open(os.path.join(directory, "sales.csv.gz"), "wt") as f:
        f.write(csv)
    log = "".join(f"{'ERROR' if i % 7 == 0 else 'INFO'} request {i}\n" for i in range(300))
    open(os.path.join(directory, "server.log"), "w").write(log)
    open(os.path.join(directory, "huge.log"), "w").write(log * 10)
    open(os.path.join(directory, "events.jsonl"), "w").write(
        "".join(json.dumps({"user": f"u{i}", "ms": i}) + "\n" for i in range(50)))
    open(os.path.join(directory, "big.bin"), "wb").write(bytes(range(256)) * 64)
    # sales.db: the sales rows in an SQLite table, for the database examples.
    with sqlite3.connect(os.path.join(directory, "sales.db")) as db:
        db.execute("CREATE TABLE sales (name TEXT, country TEXT, qty INTEGER, price REAL)")
        db.executemany("INSERT INTO sales VALUES (?, ?, ?, ?)", csv_module.reader(rows[1:]))
    # One page of a JSON API (no Link header: the only page), for StreamNetworking's snippets.
    open(os.path.join(directory, "issues.json"), "w").write(
        json.dumps({"data": [{"id": i, "title": f"issue {i}"} for i in range(40)]}))


def main():
    build_only = "--build-only" in sys.argv
    docs = documents()
    if os.path.isdir(os.path.join(WORK, "Sources")):
        shutil.rmtree(os.path.join(WORK, "Sources"))
    targets = []
    databases, postgres = set(), set()  # programs that import StreamDatabases; that use PostgreSQL
    for index, (origin, implied, snippets) in enumerate(docs):
        name = target_name(origin, index)
        directory = os.path.join(WORK, "Sources", name)
        os.makedirs(directory)
        text = program(origin, implied, snippets)
        open(os.path.join(directory, "main.swift"), "w").write(text)
        shutil.copy(os.path.join(ROOT, "Tests", "Snippets", "Fixtures.swift"), directory)
        networking = "StreamNetworking" in implied or any("import StreamNetworking" in code for _, code in snippets)
        targets.append((name, origin, len(snippets), networking))
        if "import StreamDatabases" in text:
            databases.add(name)
        if "Postgres" in text:
            postgres.add(name)
    manifest = """// swift-tools-version: 6.1
// Generated by Tests/Snippets/check_snippets.py: one program per document.
import PackageDescription

let strict: [SwiftSetting] = [.enableUpcomingFeature("MemberImportVisibility")]
let package = Package(
  name: "Snippets",
  platforms: [.macOS(.v15)],
  dependencies: [.package(name: "swift-generators", path: %s)],
  targets: [
%s
  ],
  swiftLanguageModes: [.v6]
)
""" % (json.dumps(ROOT), "\n".join(
        f'    .executableTarget(name: "{name}", dependencies: [.product(name: "Generators", package: "swift-generators"), '
        f'.product(name: "StreamIO", package: "swift-generators")'
        + (', .product(name: "StreamDatabases", package: "swift-generators")' if name in databases else '')
        + (', .product(name: "StreamNetworking", package: "swift-generators")' if networking else '')
        + '], swiftSettings: strict),'
        for name, _, _, networking in targets))
    open(os.path.join(WORK, "Package.swift"), "w").write(manifest)
    print(f"{sum(n for _, _, n, _ in targets)} snippets in {len(targets)} documents")
    if REFUSED:
        print("\n".join(REFUSED), file=sys.stderr)
        return 1
    # (Unused values are the norm in examples: their warnings are noise here.)
    build = subprocess.run(["swift", "build", "--package-path", WORK, "-Xswiftc", "-suppress-warnings"], cwd=WORK)
    if build.returncode != 0:
        print("snippets do not compile (the generated programs are in .build-snippets/Sources)", file=sys.stderr)
        return 1
    if build_only:
        return 0
    binaries = subprocess.run(["swift", "build", "--package-path", WORK, "--show-bin-path"],
                              cwd=WORK, capture_output=True, text=True, check=True).stdout.strip()
    failures = 0
    with tempfile.TemporaryDirectory() as scratch:
        make_inputs(scratch)
        # The network snippets read the same files from Python's http.server on
        # loopback (Fixtures.swift's `url`, `csvURL`, `apiURL`); stopped on every path.
        # The WebSocket and Server-Sent Events snippets talk to Python's
        # `websockets` and `aiohttp` servers (Fixtures.swift's `webSocketURL`, `eventsURL`).
        peers = os.path.join(ROOT, "Tests", "StreamNetworkingTests")
        server = subprocess.Popen([sys.executable, os.path.join(peers, "python_peers.py"), scratch],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        streams = subprocess.Popen([sys.executable, os.path.join(peers, "python_stream_peers.py")],
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            ws_port, sse_port = streams.stdout.readline().split()
            environment = dict(os.environ, SNIPPET_BASE_URL=f"http://127.0.0.1:{server.stdout.readline().strip()}",
                               SNIPPET_WEBSOCKET_BASE=f"ws://127.0.0.1:{ws_port}",
                               SNIPPET_EVENTS_BASE=f"http://127.0.0.1:{sse_port}")
            failures = run_all(binaries, targets, scratch, environment, postgres)
        finally:
            for process in (server, streams):
                process.stdin.close()
                process.wait(timeout=30)
    return 1 if failures else 0


def run_all(binaries, targets, scratch, environment, postgres):
    """Runs each document's program; returns how many failed."""
    failures = 0
    for name, origin, count, _ in targets:
        # PostgreSQL examples need a server: .ci/run starts one and sets PGHOST.
        if name in postgres and "PGHOST" not in os.environ:
            print(f"built, not run: {os.path.relpath(origin, ROOT)} (PostgreSQL: no server, PGHOST is not set)")
            continue
        run = subprocess.run([os.path.join(binaries, name)], cwd=scratch, capture_output=True, text=True, timeout=120,
                             stdin=subprocess.DEVNULL, env=environment)
        if run.returncode != 0:
            failures += 1
            print(f"FAIL {os.path.relpath(origin, ROOT)}:\n{run.stdout[-2000:]}{run.stderr[-2000:]}", file=sys.stderr)
        else:
            print(f"ok   {os.path.relpath(origin, ROOT)} ({count} snippet{'s' if count > 1 else ''})")
    return failures


if __name__ == "__main__":
    sys.exit(main())
