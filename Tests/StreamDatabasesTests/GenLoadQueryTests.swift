import Foundation
import StreamDatabases
import Testing

/// `gen load`, `gen query` and `gen demo --into` on SQLite files: in process,
/// and through the built `gen`, which hands them to gen-db.
@Suite struct GenLoadQuerySQLiteTests {
  @Test func loadThenQueryGivesTheRowsBack() async throws {
    let directory = try TemporaryDirectory()
    let csv = try directory.file("sales.csv", "name,country,qty,price\nAlice,US,3,2.5\n\"Smith, Bob\",DE,12,1.25\n\"Quote \"\"q\"\"\",FR,10,4.0\n,DE,,\n")
    let db = directory.path + "/sales.db"
    let load = try await genDB(["load", csv, "--into", "sqlite:\(db)"])
    #expect(load.status == 0, "\(load.stderr)")
    #expect(load.stdout.hasPrefix("Loaded 4 rows into sales (sqlite:\(db)) in "))
    #expect(load.stdout.hasSuffix(" rows/s\n"))
    let query = try await genDB(["query", "sqlite:\(db)", "SELECT * FROM sales"])
    #expect(query.status == 0, "\(query.stderr)")
    #expect(query.stdout == "name,country,qty,price\nAlice,US,3,2.5\n\"Smith, Bob\",DE,12,1.25\n\"Quote \"\"q\"\"\",FR,10,4.0\n,DE,,\n")
    let jsonl = try await genDB(["query", db, "SELECT country, sum(qty) AS qty FROM sales GROUP BY 1 ORDER BY 1", "--to", "jsonl"])
    #expect(jsonl.stdout == "{\"country\":\"DE\",\"qty\":12}\n{\"country\":\"FR\",\"qty\":10}\n{\"country\":\"US\",\"qty\":3}\n")
  }

  /// Column names that Swift's `String ==` finds equal (é precomposed and as
  /// e + U+0301) are two columns, each with its own declared or inferred
  /// type; two --type names of that kind are refused, not merged.
  @Test func namesInTwoUnicodeFormsAreTwoColumns() async throws {
    let directory = try TemporaryDirectory()
    let csv = try directory.file("forms.csv", "\u{E9},e\u{301}\n1,3\n2,4\n")
    let db = directory.path + "/forms.db"
    let load = try await genDB(["load", csv, "--into", "sqlite:\(db)", "--table", "t", "--type", "\u{E9}=TEXT"])
    #expect(load.status == 0, "\(load.stderr)")
    let types = try await genDB(["query", "sqlite:\(db)", "SELECT name, type FROM pragma_table_info('t') ORDER BY cid"])
    #expect(types.stdout == "name,type\n\u{E9},TEXT\ne\u{301},INTEGER\n")
    let typed = try await genDB(["query", "sqlite:\(db)", "SELECT typeof(\"\u{E9}\") AS a, typeof(\"e\u{301}\") AS b FROM t"])
    #expect(typed.stdout == "a,b\ntext,integer\ntext,integer\n")
    // An existing table's columns found by their own names; a key on the second spelling.
    let append = try await genDB(["load", csv, "--into", "sqlite:\(db)", "--table", "t", "--append"])
    #expect(append.status == 0, "\(append.stderr)")
    let keyed = try await genDB(["load", csv, "--into", "sqlite:\(db)", "--table", "v", "--key", "e\u{301}"])
    #expect(keyed.status == 0, "\(keyed.stderr)")
    let rows = try await genDB(["query", "sqlite:\(db)", "SELECT (SELECT count(*) FROM t) AS t, (SELECT count(*) FROM v) AS v"])
    #expect(rows.stdout == "t,v\n4,2\n")
    let both = try await genDB(["load", csv, "--into", "sqlite:\(db)", "--table", "u", "--type", "\u{E9}=INTEGER", "--type", "e\u{301}=TEXT"])
    #expect(both.status == 64)
    #expect(both.stderr.contains("one name written in two Unicode forms"), "\(both.stderr)")
  }

  @Test func theDemosSalesRoundTripsByteForByte() async throws {
    // Integers and text come back as written; reals in their shortest form
    // (12.30 → 12.3), as sqlite3, psql and pandas print them: the demo's
    // prices are rewritten that way before comparing.
    let directory = try TemporaryDirectory()
    let csv = try salesFile(rows: 20_000, in: directory)
    let db = directory.path + "/sales.db"
    #expect(try await genDB(["load", csv, "--into", "sqlite:\(db)"]).status == 0)
    let out = try await genDB(["query", "sqlite:\(db)", "SELECT * FROM sales"])
    let original = try String(contentsOfFile: csv, encoding: .utf8)
    let expected = original.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
      guard let comma = line.lastIndex(of: ","), let price = Double(line[line.index(after: comma)...]) else { return String(line) }
      return line[...comma] + "\(price)"
    }.joined(separator: "\n")
    #expect(out.stdout == expected)
  }

  @Test func aBadRowNamesItsFileAndLineAndLoadsNothing() async throws {
    let directory = try TemporaryDirectory()
    let csv = try directory.file("t.csv", "id,v\n1,a\n2,b\nthree,c\n")
    let db = directory.path + "/t.db"
    let run = try await genDB(["load", csv, "--into", db, "--infer-rows", "2"])
    #expect(run.status == 65)
    #expect(run.stderr.contains("gen: \(csv):4: column id: \"three\" is not an integer"))
    #expect(run.stderr.contains("nothing was loaded: the table is as it was"))
    let tables = try SQLiteQuery(path: db, sql: "SELECT count(*) FROM sqlite_master").next()
    #expect(tables?[0] == .integer(0))
    let skipping = try await genDB(["load", csv, "--into", db, "--infer-rows", "2", "--skip-bad"])
    #expect(skipping.status == 0)
    #expect(skipping.stdout.hasPrefix("Loaded 2 rows into t "))
    #expect(skipping.stderr.contains("skipped 1 record that did not fit the table"))
  }

  @Test func modesAndKeysFromTheCommandLine() async throws {
    let directory = try TemporaryDirectory()
    let db = directory.path + "/t.db"
    let first = try directory.file("a.csv", "id,v\n1,a\n2,b\n")
    let second = try directory.file("b.csv", "id,v\n2,B\n3,c\n")
    #expect(try await genDB(["load", first, "--into", db, "--table", "t", "--key", "id"]).status == 0)
    let again = try await genDB(["load", second, "--into", db, "--table", "t"])
    #expect(again.status == 73)
    #expect(again.stderr.contains("exists already; add to it with --append"))
    #expect(try await genDB(["load", second, "--into", db, "--table", "t", "--append", "--key", "id"]).status == 0)
    #expect(try await genDB(["query", db, "SELECT * FROM t ORDER BY id"]).stdout == "id,v\n1,a\n2,B\n3,c\n")
    #expect(try await genDB(["load", second, "--into", db, "--table", "t", "--replace"]).status == 0)
    #expect(try await genDB(["query", db, "SELECT * FROM t ORDER BY id"]).stdout == "id,v\n2,B\n3,c\n")
  }

  @Test func jsonLinesLoad() async throws {
    let directory = try TemporaryDirectory()
    let jsonl = try directory.file("e.jsonl", "{\"id\":1,\"tags\":[\"a\"],\"ok\":true,\"note\":null}\n{\"id\":2,\"tags\":[],\"ok\":false,\"note\":\"x\"}\n")
    let db = directory.path + "/e.db"
    #expect(try await genDB(["load", jsonl, "--into", db]).status == 0)
    #expect(try await genDB(["query", db, "SELECT * FROM e"]).stdout == "id,tags,ok,note\n1,\"[\"\"a\"\"]\",true,\n2,[],false,x\n")
  }

  @Test func jsonLinesLoadErrorsNameTheirLine() async throws {
    // Line numbers count every line of the file, blank ones included, as for CSV.
    let directory = try TemporaryDirectory()
    let jsonl = try directory.file("t.jsonl", "{\"id\":1,\"v\":\"a\"}\n\n{\"id\":2,\"v\":\"b\"}\n{\"id\":\"three\",\"v\":\"c\"}\n")
    let db = directory.path + "/t.db"
    let bad = try await genDB(["load", jsonl, "--into", db, "--infer-rows", "2"])
    #expect(bad.status == 65)
    #expect(bad.stderr.contains("gen: \(jsonl):4: column id: \"three\" is not an integer"), "\(bad.stderr)")
    let extra = try directory.file("x.jsonl", "{\"id\":1}\n{\"id\":2,\"w\":3}\n")
    let unknown = try await genDB(["load", extra, "--into", db])
    #expect(unknown.status == 65)
    #expect(unknown.stderr.contains("gen: \(extra):2: column w: a key the first record does not have"), "\(unknown.stderr)")
    let skipping = try await genDB(["load", jsonl, "--into", db, "--infer-rows", "2", "--skip-bad"])
    #expect(skipping.status == 0)
    #expect(skipping.stderr.contains("\(jsonl):4: column id:"), "\(skipping.stderr)")
  }

  @Test func aQueryWithoutRowsStillWritesItsHeader() async throws {
    let directory = try TemporaryDirectory()
    let db = directory.path + "/t.db"
    #expect(try await genDB(["load", "-", "--format", "csv", "--into", db], stdin: "a,\"b,c\"\n1,2\n").status == 0)
    let empty = try await genDB(["query", db, "SELECT * FROM data WHERE a > 5"])
    #expect(empty.status == 0, "\(empty.stderr)")
    #expect(empty.stdout == "a,\"b,c\"\n")
    #expect(try await genDB(["query", db, "SELECT * FROM data WHERE a > 5", "--no-header"]).stdout == "")
    #expect(try await genDB(["query", db, "SELECT * FROM data WHERE a > 5", "--to", "jsonl"]).stdout == "")
  }

  @Test func standardInputLoadsIntoTableData() async throws {
    let directory = try TemporaryDirectory()
    let db = directory.path + "/s.db"
    let run = try await genDB(["load", "-", "--into", db], stdin: "a,b\n1,2\n")
    #expect(run.status == 0, "\(run.stderr)")
    #expect(try await genDB(["query", db, "SELECT a + b FROM data"]).stdout == "a + b\n3\n")
  }

  @Test func queryErrorsSayWhatIsWrong() async throws {
    let directory = try TemporaryDirectory()
    let missing = try await genDB(["query", directory.path + "/none.db", "SELECT 1"])
    #expect(missing.status == 66)
    #expect(missing.stderr.contains("no such database file"))
    let db = directory.path + "/t.db"
    #expect(try await genDB(["load", "-", "--format", "csv", "--into", db], stdin: "a\n1\n").status == 0)
    let bad = try await genDB(["query", db, "SELECT nope FROM data"])
    #expect(bad.status == 65)
    #expect(bad.stderr.contains("no such column: nope"))
  }

  @Test func demoIntoLoadsTheTotals() async throws {
    let directory = try TemporaryDirectory()
    let db = directory.path + "/demo.db"
    let run = try await genDB(["demo", "--into", "sqlite:\(db)", "--rows", "5000"])
    #expect(run.status == 0, "\(run.stderr)")
    #expect(run.stdout.contains("Loaded the totals (11 countries) into totals (sqlite:\(db))"))
    let rows = try await genDB(["query", db, "SELECT count(*), sum(orders) FROM totals WHERE country != 'US'"])
    // The demo's own table lists the same orders: the international ones.
    let table = run.stdout.split(separator: "\n").first { $0.contains("all international") }!
    let cells = table.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    let orders = cells[cells.firstIndex(of: "all international")! + 1].replacingOccurrences(of: ",", with: "")
    #expect(rows.stdout == "count(*),sum(orders)\n11,\(orders)\n")
  }

  // The built binaries.

  @Test func genHandsLoadAndQueryToGenDB() async throws {
    let directory = try TemporaryDirectory()
    let csv = try directory.file("t.csv", "a,b\n1,x\n")
    let gen = productsDirectory + "/gen"
    let run = try shell("'\(gen)' load '\(csv)' --into '\(directory.path)/t.db' && '\(gen)' query '\(directory.path)/t.db' 'select * from t' | '\(gen)' count -")
    #expect(run.status == 0, "\(run.stderr)")
    #expect(run.stdout.hasSuffix("\n1\n"))
  }

  @Test func genWithoutGenDBSaysHowToBuildIt() async throws {
    let directory = try TemporaryDirectory()
    try FileManager.default.copyItem(atPath: productsDirectory + "/gen", toPath: directory.path + "/gen")
    let run = try shell("'\(directory.path)/gen' query x.db 'select 1'")
    #expect(run.status == 69)
    #expect(run.stderr.contains("needs the gen-db companion"))
    #expect(run.stderr.contains("which is not built next to gen"))
    #expect(run.stderr.hasSuffix("\n  SWIFT_GENERATORS_EXTRAS=1 swift build --product gen-db\n"), "\(run.stderr)")
  }

  @Test func killingALoadLeavesTheTableAsItWas() async throws {
    let directory = try TemporaryDirectory()
    let db = directory.path + "/sales.db"
    let small = try directory.file("small.csv", "name,country,qty,price\nold,XX,1,1.0\n")
    #expect(try await genDB(["load", small, "--into", db, "--table", "sales"]).status == 0)
    let csv = try salesFile(rows: 2_000_000, in: directory)
    // Replace the table, and kill -9 the loader while its transaction is open
    // (its rollback journal exists), after some rows were inserted.
    let script = """
      '\(productsDirectory)/gen-db' load '\(csv)' --into '\(db)' --table sales --replace >/dev/null 2>&1 &
      pid=$!
      for i in $(seq 1 600); do
        if [ -f '\(db)-journal' ] && [ "$(stat -c %s '\(db)')" -gt 2000000 ]; then kill -9 $pid; wait $pid; echo "killed $?"; exit 0; fi
        sleep 0.05
      done
      echo "the load finished before it could be killed"; wait $pid
      """
    let run = try shell(script)
    #expect(run.stdout == "killed 137\n", "\(run.stdout) \(run.stderr)")
    #expect(try await genDB(["query", db, "SELECT * FROM sales"]).stdout == "name,country,qty,price\nold,XX,1,1.0\n")
  }

  @Test func memoryStaysFlat() async throws {
    // Peak RSS of the same load at 50,000 and 1,000,000 rows: the larger
    // input must not raise it by more than a few MiB (no timing is asserted).
    let directory = try TemporaryDirectory()
    let csv = try salesFile(rows: 1_000_000, in: directory)
    let smallCSV = directory.path + "/small.csv"
    _ = try shell("head -n 50001 '\(csv)' > '\(smallCSV)'")
    func peak(_ input: String, _ db: String) throws -> Int {
      let run = try shell("'\(productsDirectory)/gen-db' load '\(input)' --into '\(db)' --table t >/dev/null & pid=$!; max=0; while kill -0 $pid 2>/dev/null; do r=$(awk '/VmHWM/ {print $2}' /proc/$pid/status 2>/dev/null); [ -n \"$r\" ] && max=$r; sleep 0.02; done; wait $pid; echo $? $max")
      let parts = run.stdout.split(separator: " ").compactMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
      #expect(parts.first == 0)
      return parts.last ?? 0
    }
    let small = try peak(smallCSV, directory.path + "/a.db")
    let large = try peak(csv, directory.path + "/b.db")
    #expect(large - small < 8 * 1024, "peak RSS \(small) KiB for 50k rows, \(large) KiB for 1M rows")
  }
}
