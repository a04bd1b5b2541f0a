import Foundation
import PostgresNIO
import StreamDatabases
import StreamIO
import Testing

/// The PostgreSQL sink and source against a real server: the one the PG*
/// variables name (.ci/run starts one), or one the tests start themselves.
@Suite(.enabled(if: TestPostgres.available, "no PostgreSQL server could be reached or started"))
struct PostgresTests {
  @Test func settingsResolveAsPsqlDoes() async throws {
    let environment = ["PGHOST": "/run/pg", "PGPORT": "6543", "PGUSER": "ann", "PGPASSWORD": "pw", "PGDATABASE": "shop"]
    let fromEnvironment = try PostgresSettings(url: "postgres:", environment: environment)
    #expect(fromEnvironment.unixSocketPath == "/run/pg/.s.PGSQL.6543")
    #expect(fromEnvironment.user == "ann" && fromEnvironment.password == "pw" && fromEnvironment.database == "shop")
    let url = try PostgresSettings(url: "postgresql://bob:s%40cret@db.example:5433/sales?sslmode=disable", environment: environment)
    #expect(url.host == "db.example" && url.port == 5433 && url.user == "bob" && url.password == "s@cret" && url.database == "sales")
    #expect(url.sslMode == "disable")
    let partial = try PostgresSettings(url: "postgres://localhost", environment: environment)
    #expect(partial.host == "localhost" && partial.port == 6543 && partial.user == "ann" && partial.database == "shop")
    #expect(PostgresSettings.redacting("postgres://bob:secret@h/db") == "postgres://bob:***@h/db")
    #expect(throws: PostgresSettingsError.self) { try PostgresSettings(url: "postgres://h:99999/db", environment: [:]) }
  }

  @Test func loadThenQueryOverTheUnixSocketAndTCP() async throws {
    let url = try TestPostgres.url()
    let table = TestPostgres.uniqueTable("sales")
    let directory = try TemporaryDirectory()
    let csv = try directory.file(
      "s.csv", "name,country,qty,price\nAlice,US,3,2.5\n\"Smith, Bob\",DE,12,1.25\n\"Tab\there\\\\ \"\"q\"\"\",FR,10,4.0\n,DE,,\n")
    let load = try await genDB(["load", csv, "--into", url, "--table", table])
    #expect(load.status == 0, "\(load.stderr)")
    #expect(load.stdout.hasPrefix("Loaded 4 rows into \(table) "))
    #expect(try TestPostgres.psql("SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = '\(table)'::regclass AND attnum > 0 ORDER BY attnum")
      == "text\ntext\nbigint\ndouble precision")
    let query = try await genDB(["query", url, "SELECT * FROM \(table)"])
    #expect(query.status == 0, "\(query.stderr)")
    // Values as PostgreSQL writes them, as psql --csv shows them: 4.0 is 4.
    #expect(query.stdout == "name,country,qty,price\nAlice,US,3,2.5\n\"Smith, Bob\",DE,12,1.25\n\"Tab\there\\\\ \"\"q\"\"\",FR,10,4\n,DE,,\n")
    if let port = try TestPostgres.environment()["PGTCPPORT"] {
      let tcp = try await genDB(["query", "postgres://\(try TestPostgres.environment()["PGUSER"]!)@127.0.0.1:\(port)/\(try TestPostgres.environment()["PGDATABASE"]!)", "SELECT sum(qty) AS q FROM \(table)", "--to", "jsonl"])
      #expect(tcp.stdout == "{\"q\":25}\n", "\(tcp.stderr)")
    }
  }

  @Test func theDemosSalesRoundTrip() async throws {
    let url = try TestPostgres.url()
    let table = TestPostgres.uniqueTable("demo")
    let directory = try TemporaryDirectory()
    let csv = try salesFile(rows: 50_000, in: directory)
    #expect(try await genDB(["load", csv, "--into", url, "--table", table]).status == 0)
    let out = try await genDB(["query", url, "SELECT * FROM \(table)"])
    let expected = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
      guard let comma = line.lastIndex(of: ","), let price = Double(line[line.index(after: comma)...]) else { return String(line) }
      // PostgreSQL's shortest form: 93.90 → 93.9, 10.00 → 10.
      return line[...comma] + (price == price.rounded() ? String(Int(price)) : "\(price)")
    }.joined(separator: "\n")
    #expect(out.stdout == expected)
  }

  @Test func aBadRowNamesItsLineAndLoadsNothing() async throws {
    let url = try TestPostgres.url()
    let table = TestPostgres.uniqueTable("bad")
    let directory = try TemporaryDirectory()
    #expect(try await genDB(["load", try directory.file("old.csv", "id,v\n1,old\n"), "--into", url, "--table", table]).status == 0)
    let csv = try directory.file("t.csv", "id,v\n2,a\n3,b\nthree,c\n")
    let run = try await genDB(["load", csv, "--into", url, "--table", table, "--replace", "--infer-rows", "2"])
    #expect(run.status == 65)
    #expect(run.stderr.contains("\(csv):4: column id: \"three\" is not an integer"))
    #expect(try TestPostgres.psql("SELECT id || ':' || v FROM \(table)") == "1:old")
    let skipping = try await genDB(["load", csv, "--into", url, "--table", table, "--replace", "--infer-rows", "2", "--skip-bad"])
    #expect(skipping.status == 0)
    #expect(skipping.stderr.contains("skipped 1 record"))
    #expect(try TestPostgres.psql("SELECT string_agg(id::text, ',' ORDER BY id) FROM \(table)") == "2,3")
  }

  @Test func aServerSideErrorRollsBackAndBatchesSayWhatLanded() async throws {
    let url = try TestPostgres.url()
    let table = TestPostgres.uniqueTable("dup")
    let directory = try TemporaryDirectory()
    var lines = "id\n"
    for index in 1...30 { lines += "\(index == 25 ? 3 : index)\n" }  // a duplicate key at record 25
    let csv = try directory.file("t.csv", lines)
    _ = try TestPostgres.psql("CREATE TABLE \(table) (id bigint PRIMARY KEY)")
    let whole = try await genDB(["load", csv, "--into", url, "--table", table, "--append"])
    #expect(whole.status != 0)
    #expect(whole.stderr.contains("duplicate key"))
    #expect(try TestPostgres.psql("SELECT count(*) FROM \(table)") == "0")
    let batched = try await genDB(["load", csv, "--into", url, "--table", table, "--append", "--batch-size", "10"])
    #expect(batched.stderr.contains("the first 20 records are committed"), "\(batched.stderr)")
    #expect(batched.stderr.contains("--append --skip-records 20"))
    #expect(try TestPostgres.psql("SELECT count(*), max(id) FROM \(table)") == "20|20")
  }

  @Test func appendingToOtherColumnTypesSendsTextTheServerConverts() async throws {
    // A created table (BIGINT, DOUBLE PRECISION, TEXT) is loaded in COPY's
    // binary format; other column types take the text format, converted by the server.
    let url = try TestPostgres.url()
    let table = TestPostgres.uniqueTable("typed")
    _ = try TestPostgres.psql("CREATE TABLE \(table) (id integer, amount numeric(10,2), name varchar(20), day date)")
    let directory = try TemporaryDirectory()
    let csv = try directory.file("t.csv", "id,amount,name,day\n1,2.50,a\\tb,2024-01-02\n2,,,\n")
    let load = try await genDB(["load", csv, "--into", url, "--table", table, "--append"])
    #expect(load.status == 0, "\(load.stderr)")
    #expect(try await genDB(["query", url, "SELECT * FROM \(table) ORDER BY id"]).stdout == "id,amount,name,day\n1,2.50,a\\tb,2024-01-02\n2,,,\n")
    let bad = try await genDB(["load", try directory.file("b.csv", "id,day\n3,2024-13-01\n"), "--into", url, "--table", table, "--append"])
    #expect(bad.status != 0)
    #expect(bad.stderr.contains("date/time field value out of range"), "\(bad.stderr)")
    #expect(try TestPostgres.psql("SELECT count(*) FROM \(table)") == "2")
  }

  @Test func namesWithQuotesAreQuoted() async throws {
    let url = try TestPostgres.url()
    let table = TestPostgres.uniqueTable("q\"t")
    let directory = try TemporaryDirectory()
    let csv = try directory.file("t.csv", "\"a\"\"b\",c\n1,x\n")
    let load = try await genDB(["load", csv, "--into", url, "--table", table])
    #expect(load.status == 0, "\(load.stderr)")
    let quoted = "\"" + table.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    #expect(try await genDB(["query", url, "SELECT * FROM \(quoted)"]).stdout == "\"a\"\"b\",c\n1,x\n")
  }

  @Test func keyUpserts() async throws {
    let url = try TestPostgres.url()
    let table = TestPostgres.uniqueTable("up")
    let directory = try TemporaryDirectory()
    #expect(try await genDB(["load", try directory.file("a.csv", "id,v\n1,a\n2,b\n"), "--into", url, "--table", table, "--key", "id"]).status == 0)
    let second = try await genDB(["load", try directory.file("b.csv", "id,v\n2,B\n3,c\n"), "--into", url, "--table", table, "--append", "--key", "id"])
    #expect(second.status == 0, "\(second.stderr)")
    #expect(try await genDB(["query", url, "SELECT * FROM \(table) ORDER BY id"]).stdout == "id,v\n1,a\n2,B\n3,c\n")
  }

  @Test func queryValuesOfOtherTypes() async throws {
    let url = try TestPostgres.url()
    let run = try await genDB(["query", url, "SELECT 1::smallint AS a, 2.5::real AS b, 1.25::numeric AS c, true AS d, NULL::text AS e, DATE '2024-02-29' AS f, TIMESTAMP '2024-02-29 12:30:00.5' AS g, '{\"k\": [1]}'::jsonb AS h"])
    #expect(run.stdout == "a,b,c,d,e,f,g,h\n1,2.5,1.25,t,,2024-02-29,2024-02-29 12:30:00.5,\"{\"\"k\"\": [1]}\"\n", "\(run.stderr)")
    // CSV comes from the server, which writes every type; JSON Lines are typed here.
    #expect(try await genDB(["query", url, "SELECT interval '1 day' AS i"]).stdout == "i\n1 day\n")
    let unsupported = try await genDB(["query", url, "SELECT interval '1 day' AS i", "--to", "jsonl"])
    #expect(unsupported.status == 65)
    #expect(unsupported.stderr.contains("cast it in the query (i::text)"))
    let bad = try await genDB(["query", url, "SELECT nope"])
    #expect(bad.status == 65)
    #expect(bad.stderr.contains("column \"nope\" does not exist"))
  }

  @Test func csvComesFromCopyWithItsHeaderEvenWithoutRows() async throws {
    let url = try TestPostgres.url()
    let values = try await genDB([
      "query", url,
      "SELECT NULL::text AS a, ''::text AS b, 'q\"x' AS c, E'l1\\nl2' AS d, 4.0::float8 AS e, 1.50::numeric AS f, timestamptz '2024-02-29 12:30:00+02' AS g ;",
    ])
    #expect(values.status == 0, "\(values.stderr)")
    #expect(values.stdout == "a,b,c,d,e,f,g\n,\"\",\"q\"\"x\",\"l1\nl2\",4,1.50,2024-02-29 10:30:00+00\n")
    let empty = try await genDB(["query", url, "SELECT 1 AS a, 2 AS \"b,c\" WHERE false"])
    #expect(empty.status == 0, "\(empty.stderr)")
    #expect(empty.stdout == "a,\"b,c\"\n")
    #expect(try await genDB(["query", url, "SELECT 1 AS a WHERE false", "--no-header"]).stdout == "")
    #expect(try await genDB(["query", url, "SELECT 1 AS a WHERE false", "--to", "jsonl"]).stdout == "")
    // What COPY cannot wrap goes row by row.
    let show = try await genDB(["query", url, "SHOW server_encoding"])
    #expect(show.stdout == "server_encoding\nUTF8\n", "\(show.stderr)")
    // An error after the first rows: the rows written, then the server's message.
    let failing = try await genDB(["query", url, "SELECT 10 / (3 - n) AS q FROM generate_series(1, 5) AS n"])
    #expect(failing.status == 65)
    #expect(failing.stderr.contains("division by zero"), "\(failing.stderr)")
  }

  @Test func theCopyOutputStreamsStopsEarlyAndCounts() async throws {
    let settings = try PostgresSettings(url: try TestPostgres.url())
    let whole = PostgresCopyOut(settings: settings, csvOf: "SELECT n FROM generate_series(1, 100000) AS n").makeAsyncIterator()
    var lines = 0
    while let chunk = try await whole.next() { lines += chunk.readableBytesView.filter { $0 == UInt8(ascii: "\n") }.count }
    #expect(lines == 100_001)
    #expect(whole.rowCount == 100_000)
    var bytes = 0
    for try await chunk in PostgresCopyOut(settings: settings, csvOf: "SELECT n, 'copy' || n AS label FROM generate_series(1, 20000000) AS n") {
      if bytes == 0 { #expect(String(buffer: chunk).hasPrefix("n,label\n1,copy1\n2,copy2\n")) }
      bytes += chunk.readableBytes
      if bytes > 1_000_000 { break }
    }
    try await expectServerLetsGo(of: "generate_series(1, 20000000)")
    // Cancelling the consuming task closes the connection too.
    let task = Task {
      var bytes = 0
      for try await chunk in PostgresCopyOut(settings: settings, csvOf: "SELECT n FROM generate_series(1, 30000000) AS n") {
        bytes += chunk.readableBytes
      }
      return bytes
    }
    try await Task.sleep(for: .milliseconds(300))
    task.cancel()
    await #expect(throws: CancellationError.self) { try await task.value }
    try await expectServerLetsGo(of: "generate_series(1, 30000000)")
  }

  /// Waits until no session runs a query containing `text`: the client closed its connection.
  func expectServerLetsGo(of text: String) async throws {
    var open = "1"
    for _ in 0..<50 {
      open = try TestPostgres.psql("SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%\(text)%' AND pid <> pg_backend_pid()")
      if open == "0" { break }
      try await Task.sleep(for: .milliseconds(100))
    }
    #expect(open == "0", "a session still runs \(text)")
  }

  @Test func theSourceStreamsAndStopsEarly() async throws {
    let settings = try PostgresSettings(url: try TestPostgres.url())
    var count = 0
    for try await row in PostgresQuerySource(settings: settings, sql: "SELECT n, 'r' || n AS label FROM generate_series(1, 1000000) AS n") {
      count += 1
      #expect(row["label"] == .text("r\(count)"))
      if count == 1_000 { break }
    }
    #expect(count == 1_000)
    // The dropped iterator closed its connection: the server lets it go.
    try await expectServerLetsGo(of: "generate_series(1, 1000000)")
  }

  @Test func killingALoadLeavesTheTableAsItWas() async throws {
    let url = try TestPostgres.url()
    let table = TestPostgres.uniqueTable("kill")
    let directory = try TemporaryDirectory()
    #expect(try await genDB(["load", try directory.file("old.csv", "name,country,qty,price\nold,XX,1,1.0\n"), "--into", url, "--table", table]).status == 0)
    let csv = try salesFile(rows: 2_000_000, in: directory)
    // Kill -9 the loader once the server has received COPY data for the new table.
    let script = """
      '\(productsDirectory)/gen-db' load '\(csv)' --into '\(url)' --table \(table) --replace >/dev/null 2>&1 &
      pid=$!
      for i in $(seq 1 600); do
        n=$(psql -X -A -t -c "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'COPY \\"\(table)\\"%'")
        if [ "$n" = 1 ]; then sleep 0.3; kill -9 $pid; wait $pid; echo "killed $?"; exit 0; fi
        sleep 0.05
      done
      echo "the load finished before it could be killed"; wait $pid
      """
    let run = try shell(script, environment: try TestPostgres.environment())
    #expect(run.stdout == "killed 137\n", "\(run.stdout) \(run.stderr)")
    var rows = ""
    for _ in 0..<50 {  // the server notices the closed connection and rolls back
      rows = try TestPostgres.psql("SELECT name || ',' || qty FROM \(table)")
      if rows == "old,1" { break }
      try await Task.sleep(for: .milliseconds(100))
    }
    #expect(rows == "old,1")
  }

  @Test func demoIntoPostgres() async throws {
    let url = try TestPostgres.url()
    let table = TestPostgres.uniqueTable("totals")
    let run = try await genDB(["demo", "--into", url, "--table", table, "--rows", "3000"])
    #expect(run.status == 0, "\(run.stderr)")
    #expect(try TestPostgres.psql("SELECT count(*) FROM \(table)") == "11")
  }
}
