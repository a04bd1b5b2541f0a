// GenCommand in process: every verb, bad data, exit codes, help text.
import Foundation
@testable import GenCommand
import StreamIO
import Testing

@Suite struct GenVerbTests {
  @Test func countsEachFormat() throws {
    let dir = try TemporaryDirectory()
    let csv = try dir.file("sales.csv", salesCSV)
    #expect(try gen(["count", csv]).stdout == "5\n")
    let jsonl = try dir.file("e.jsonl", "{\"a\":1}\n\n{\"a\":2}\n")
    #expect(try gen(["count", jsonl]).stdout == "2\n")
    let log = try dir.file("server.log", "one\ntwo\nthree")
    #expect(try gen(["count", log]).stdout == "3\n")
    #expect(try gen(["count"], stdin: "a\nb\n").stdout == "2\n")
    #expect(try gen(["count", "-", "--format", "csv"], stdin: salesCSV).stdout == "5\n")
  }

  @Test func countsGzip() throws {
    let dir = try TemporaryDirectory()
    let csv = try dir.file("sales.csv", salesCSV)
    #expect(try shell("gzip -k '\(csv)'").status == 0)
    #expect(try gen(["count", csv + ".gz"]).stdout == "5\n")
    // Recognised by its first bytes: on standard input, and in a file not named .gz.
    let compressed = Array(try Data(contentsOf: URL(fileURLWithPath: csv + ".gz")))
    #expect(try gen(["count", "-", "--format", "csv"], stdinBytes: compressed).stdout == "5\n")
    #expect(try gen(["count", "-"], stdinBytes: compressed).stdout == "5\n")  // sniffed: CSV, 5 rows
    let renamed = try dir.file("sales-copy.csv", "")
    try Data(compressed).write(to: URL(fileURLWithPath: renamed))
    #expect(try gen(["count", renamed]).stdout == "5\n")
  }

  @Test func headKeepsTheHeaderAndTheFormat() throws {
    let dir = try TemporaryDirectory()
    let csv = try dir.file("sales.csv", salesCSV)
    #expect(try gen(["head", "-n", "2", csv]).stdout == "name,country,qty,price\nAlice,US,3,2.50\n\"Smith, Bob\",DE,12,1.25\n")
    let jsonl = try dir.file("e.jsonl", "{\"b\": 1, \"a\": [true]}\n{\"b\":2}\n")
    #expect(try gen(["head", "-n", "1", jsonl]).stdout == "{\"b\": 1, \"a\": [true]}\n")
    #expect(try gen(["head", "-n", "2"], stdin: "x\ny\nz\n").stdout == "x\ny\n")
    // Without a header, rows pass through as they are: no header is invented.
    let bare = try dir.file("bare.csv", "a,1\nb,2\n")
    #expect(try gen(["head", "-n", "1", "--no-header", bare]).stdout == "a,1\n")
    #expect(try gen(["filter", "--no-header", bare, "--where", "2>1"]).stdout == "b,2\n")
  }

  @Test func selectReordersColumns() throws {
    let dir = try TemporaryDirectory()
    let csv = try dir.file("sales.csv", salesCSV)
    let run = try gen(["select", "qty,name", csv])
    #expect(run.status == 0)
    #expect(run.stdout.split(separator: "\n").prefix(3) == ["qty,name", "3,Alice", "12,\"Smith, Bob\""])
    let jsonl = try dir.file("e.jsonl", "{\"b\":1,\"a\":\"x\"}\n{\"a\":\"y\"}\n")
    #expect(try gen(["select", "a,b", jsonl]).stdout == "{\"a\":\"x\",\"b\":1}\n{\"a\":\"y\",\"b\":null}\n")
  }

  @Test func selectOfAnUnknownColumnIsABadArgument() throws {
    let dir = try TemporaryDirectory()
    let csv = try dir.file("sales.csv", salesCSV)
    let run = try gen(["select", "name,colour", csv])
    #expect(run.status == 64)
    #expect(run.stderr.contains("no column \"colour\" (columns: \"name\", \"country\", \"qty\", \"price\")"))
    #expect(try gen(["select", "line"], stdin: "x\n").status == 64)
  }

  @Test func filterWithSeveralConditions() throws {
    let dir = try TemporaryDirectory()
    let csv = try dir.file("sales.csv", salesCSV)
    let run = try gen(["filter", csv, "--where", "country!=US", "--where", "qty>=10"])
    #expect(run.stdout == "name,country,qty,price\n\"Smith, Bob\",DE,12,1.25\nCarol,FR,10,4\n")
    // 10 > 9 as numbers, although "10" < "9" as text.
    #expect(try gen(["filter", csv, "--where", "qty>9"]).stdout.split(separator: "\n").count == 3)
    #expect(try gen(["filter", csv, "--where", "name~Smith"]).stdout.contains("Smith, Bob"))
    #expect(try gen(["filter", csv, "--where", "country=DE", "--where", "name!~Eve"]).stdout.split(separator: "\n").count == 2)
    let log = try dir.file("server.log", "INFO a\nERROR b\nERROR c\n")
    #expect(try gen(["filter", log, "--where", "line~ERROR"]).stdout == "ERROR b\nERROR c\n")
    let jsonl = try dir.file("e.jsonl", "{\"n\":5}\n{\"n\":15}\n{\"m\":1}\n")
    #expect(try gen(["filter", jsonl, "--where", "n>=10"]).stdout == "{\"n\":15}\n")
  }

  @Test func filterArgumentsAreChecked() throws {
    let dir = try TemporaryDirectory()
    let csv = try dir.file("sales.csv", salesCSV)
    #expect(try gen(["filter", csv]).status == 64)
    let noOperator = try gen(["filter", csv, "--where", "country US"])
    #expect(noOperator.status == 64)
    #expect(noOperator.stderr.contains("US was not expected here"))
    #expect(noOperator.stderr.contains("  country US\n          ^"))
    #expect(try gen(["filter", csv, "--where", "colour=red"]).status == 64)
  }

  @Test func whereClauses() throws {
    #expect(try WhereClause(parsing: "qty>=10") == WhereClause(column: "qty", op: .greaterOrEqual, value: "10"))
    #expect(try WhereClause(parsing: "a == b").op == .equal)
    #expect(try WhereClause(parsing: "x!~y").op == .notContains)
    let ten = JSONValue.number(10, "10")
    let a = JSONValue.string("a")
    let tenIsLess = WhereClause(column: "n", op: .less, value: "9").matches(ten)
    let aIsLess = WhereClause(column: "s", op: .less, value: "b").matches(a)
    #expect(!tenIsLess)
    #expect(aIsLess)
    #expect(WhereClause(column: "s", op: .notEqual, value: "b").matches(nil))
    #expect(!WhereClause(column: "s", op: .equal, value: "b").matches(nil))
  }

  @Test func statsPerColumnAndPerGroup() throws {
    let dir = try TemporaryDirectory()
    let csv = try dir.file("sales.csv", salesCSV)
    let all = try gen(["stats", csv])
    #expect(all.status == 0)
    let table = cells(all.stdout)
    #expect(table[0] == ["column", "count", "sum", "mean", "min", "max"])
    #expect(table.contains(["qty", "5", "33", "6.6", "1", "12"]))
    #expect(table.contains(["price", "5", "108.25", "21.65", "0.5", "100"]))
    #expect(!table.contains { $0.first == "name" })
    let grouped = cells(try gen(["stats", csv, "--group-by", "country"]).stdout)
    #expect(grouped[0] == ["country", "column", "count", "sum", "mean", "min", "max"])
    #expect(grouped.filter { $0.count > 1 && $0[1] == "qty" }.count == 3)
    #expect(grouped.contains(["DE", "qty", "2", "19", "9.5", "7", "12"]))
    #expect(grouped.contains(["US", "price", "2", "102.5", "51.25", "2.5", "100"]))
  }

  @Test func convertRoundTrips() throws {
    let dir = try TemporaryDirectory()
    let csv = try dir.file("sales.csv", salesCSV)
    let jsonl = try gen(["convert", csv, "--to", "jsonl"])
    #expect(jsonl.stdout.hasPrefix("{\"name\":\"Alice\",\"country\":\"US\",\"qty\":\"3\",\"price\":\"2.50\"}\n"))
    let jsonlFile = try dir.file("sales.jsonl", jsonl.stdout)
    let back = try gen(["convert", jsonlFile, "--to", "csv"])
    #expect(back.stdout == salesCSV)
    let out = dir.path + "/out.csv"
    #expect(try gen(["convert", jsonlFile, "--to", "csv", "--output", out]).status == 0)
    #expect(try String(contentsOfFile: out, encoding: .utf8) == salesCSV)
    #expect(dir.contents.allSatisfy { !$0.contains(".tmp-") })
    #expect(try gen(["convert", "--to", "jsonl"], stdin: "a \"q\"\n").stdout == "{\"line\":\"a \\\"q\\\"\"}\n")
  }

  @Test func convertReportsFieldsItCannotPlace() throws {
    let dir = try TemporaryDirectory()
    let jsonl = try dir.file("e.jsonl", "{\"a\":1}\n{\"a\":2,\"b\":3}\n")
    let run = try gen(["convert", jsonl, "--to", "csv"])
    #expect(run.stdout == "a\n1\n2\n")
    #expect(run.stderr.contains("1 records had fields that are not among the first record's columns"))
  }

  @Test func batches() throws {
    let dir = try TemporaryDirectory()
    let csv = try dir.file("sales.csv", salesCSV)
    let run = try gen(["batch", "--size", "2", csv])
    let lines = run.stdout.split(separator: "\n")
    #expect(lines.count == 3)
    #expect(lines[0] == "[{\"name\":\"Alice\",\"country\":\"US\",\"qty\":\"3\",\"price\":\"2.50\"},{\"name\":\"Smith, Bob\",\"country\":\"DE\",\"qty\":\"12\",\"price\":\"1.25\"}]")
    #expect(try gen(["batch", "--size", "2"], stdin: "a\nb\nc\n").stdout == "[\"a\",\"b\"]\n[\"c\"]\n")
    #expect(try gen(["batch", "--size", "0"], stdin: "a\n").status == 64)
  }
}

@Suite struct GenBadInputTests {
  @Test func badCSVNamesThePlaceAndShowsACaret() throws {
    let dir = try TemporaryDirectory()
    let csv = try dir.file("bad.csv", "name,qty\nok,1\nBob \"The\" Smith,2\nfine,3\n")
    let run = try gen(["count", csv])
    #expect(run.status == 65)
    let lines = run.stderr.split(separator: "\n", omittingEmptySubsequences: false)
    #expect(lines[0].hasPrefix("gen: \(csv):3:5: "))
    #expect(lines[1] == "  Bob \"The\" Smith,2")
    #expect(lines[2] == "      ^")

    // gzip, whatever the name: offsets count decompressed bytes, so no line is
    // read back from the compressed file (it would be garbage).
    #expect(try shell("gzip -c '\(csv)' > '\(dir.path)/packed.csv'").status == 0)
    let packed = try gen(["count", dir.path + "/packed.csv"])
    #expect(packed.status == 65)
    #expect(packed.stderr.hasPrefix("gen: \(dir.path)/packed.csv:3:5: "))
    #expect(packed.stderr.split(separator: "\n").count == 1)
  }

  @Test func badJSONShowsTheColumn() throws {
    let dir = try TemporaryDirectory()
    let jsonl = try dir.file("e.jsonl", "{\"a\":1}\n{\"a\":tru}\n")
    let run = try gen(["count", jsonl])
    #expect(run.status == 65)
    #expect(run.stderr.contains("e.jsonl:2:6: expected true"))
    #expect(run.stderr.contains("  {\"a\":tru}\n       ^\n"))
  }

  @Test func skipBadGoesOnAndCounts() throws {
    let dir = try TemporaryDirectory()
    let csv = try dir.file("bad.csv", "name,qty\nok,1\nBob \"The\" Smith,2\nfine,3\n")
    let run = try gen(["count", csv, "--skip-bad"])
    #expect(run.status == 0)
    #expect(run.stdout == "2\n")
    #expect(run.stderr.contains("skipped 1 bad record in \(csv)"))
    let jsonl = try dir.file("e.jsonl", "{\"a\":1}\n[1]\nnope\n{\"a\":2}\n")
    let json = try gen(["filter", jsonl, "--where", "a>0", "--skip-bad"])
    #expect(json.stdout == "{\"a\":1}\n{\"a\":2}\n")
    #expect(json.stderr.contains("skipped 2 bad records"))
  }

  @Test func exitCodes() throws {
    #expect(try gen(["count", "/no/such/file.csv"]).status == 66)
    #expect(try gen(["count", "/no/such/file.csv"]).stderr.contains("/no/such/file.csv"))
    #expect(try gen(["count", "--no-such-option"]).status == 64)
    #expect(try gen(["frobnicate"]).status == 64)
    #expect(try gen(["head", "-n", "-1"], stdin: "a\n").status == 64)
    #expect(try gen(["count", "/"]).status == 66 || (try gen(["count", "/"]).status == 74))
  }

  @Test func helpForEveryCommandHasAnExample() throws {
    for verb in ["demo", "bench", "count", "head", "select", "filter", "stats", "convert", "batch"] {
      let run = try gen([verb, "--help"])
      #expect(run.status == 0)
      #expect(run.stdout.contains("Example"), "gen \(verb) --help has no example")
      #expect(run.stdout.contains("USAGE: gen \(verb)"))
    }
    #expect(try gen(["--help"]).stdout.contains("SUBCOMMANDS:"))
  }

  @Test func countHelpIsPinned() throws {
    let expected = """
      OVERVIEW: Count the records (CSV rows without the header, JSON Lines, or
      lines).

      With --partial each partition (a Spark rdd.pipe task, a Hadoop Streaming
      mapper) writes its count as one JSON line; --merge adds them up.
      Examples:
        gen count sales.csv.gz
        gen count --partial --header name,country,qty,price < part-00001
        cat partials/* | gen count --merge

      USAGE: gen count [<options>] [<input>] [<more-partials> ...]

      ARGUMENTS:
        <input>                 A file to read (gzip is decompressed), or - for
                                standard input. (default: -)
        <more-partials>         With --merge: more partial files.

      OPTIONS:
        --partial               Write the count as a partial for --merge:
                                {"gen_count_partial":1,"count":N,…}.
        --merge                 Add up partials (the input and any more files; - or
                                none for standard input).
        --threads <threads>     Threads to read a file with (default: the machine's
                                cores): the file is split into byte ranges at record
                                starts (for CSV, speculative and verified; for JSON
                                Lines, line starts); the output is the same, in the
                                same order (later pieces wait in memory, about 1 MiB
                                of input each). convert is split between CSV and JSON
                                Lines; standard input, URLs, gzip, --skip-bad, files
                                under 8 MB and CSV without a header (except by count)
                                are read on one thread.
        --format <format>       csv, jsonl or lines. Default: from the file name
                                (.csv, .tsv, .jsonl, .ndjson, also .gz), else lines;
                                standard input by its first bytes. (values: csv,
                                jsonl, lines)
        --delimiter <delimiter> The CSV field delimiter, one character (\\t for tab).
                                Default: , (tab for .tsv).
        --no-header             The CSV has no header row: columns are named 1, 2, 3,
                                …
        --header <names>        The CSV's column names, comma-separated, for input
                                without a header line (a partition after the first,
                                in Spark or Hadoop Streaming): every line is data,
                                and CSV output has no header line either. Implies
                                --format csv.
        --header-from <file>    Like --header, with the names from the first line of
                                this CSV file (the whole file's header).
        --skip-bad              Skip records that do not parse, and lines or records
                                over --max-line-length; report how many on stderr.
        --max-line-length <max-line-length>
                                The longest line (JSON Lines, lines) or CSV record
                                accepted, in bytes. (default: 4194304)
        --progress/--no-progress
                                Show a progress bar on stderr when it is a terminal.
                                (default: --progress)
        -h, --help              Show help information.


      """
    let run = try gen(["count", "--help"])
    #expect(run.stdout == expected)
  }
}

/// The cells of a Markdown table, row by row, without the rule line.
func cells(_ table: String) -> [[String]] {
  table.split(separator: "\n").filter { !$0.hasPrefix("|-") }.map { line in
    line.split(separator: "|").map { String($0.trimmingCharacters(in: .whitespaces)) }
  }
}
