// The expression language of --where, derive and stats --derive: values
// against Python's own arithmetic, errors that point at the character, and
// the earlier COLUMN OP VALUE form.
import Foundation
@testable import GenCommand
import Testing

@Suite struct ExpressionTests {
  /// Floats are written as Python's repr writes them, whatever their magnitude.
  @Test func floatsAreWrittenAsPythonsRepr() throws {
    var random = SystemRandomNumberGenerator()
    var values: [Double] = [1e-4, 1e-5, 9.999999999999999e-5, 1e16, 9999999999999998, 1e15, 1.5, -0.1, 123456789.125, 5e-324, 1.7976931348623157e308]
    for exponent in -30...30 {
      let power = pow(10.0, Double(exponent))
      values += [power, power.nextUp, power.nextDown, -power * 3.7]
    }
    for _ in 0..<3_000 {
      values.append(Double(bitPattern: random.next()))
      values.append(Double(Int.random(in: -1_000_000...1_000_000, using: &random)) / 100)
      values.append(Double.random(in: -1e20...1e20, using: &random))
      // A quantity times a price (whole hundredths, or just off them), and near 1e13.
      values.append(Double(Int.random(in: -100...100, using: &random)) * (Double(Int.random(in: 1...100_000, using: &random)) / 100))
      values.append(Double(Int.random(in: 999_999_999_000_000...1_000_000_000_999_999, using: &random)) / 100)
    }
    values += [0.01, 0.009999999999999998, 0.1 + 0.2, 9999999999999.99, 10000000000000.01, -0.0, 0.0]
    values = values.filter(\.isFinite)
    let dir = try TemporaryDirectory()
    let input = try dir.file("floats.txt", values.map { String($0.bitPattern) }.joined(separator: "\n") + "\n")
    let python = try shell(
      "python3 -c 'import struct,sys\nfor l in open(sys.argv[1]): print(repr(struct.unpack(\"<d\", struct.pack(\"<Q\", int(l)))[0]))' '\(input)'")
    try #require(python.status == 0, "python3 must be installed to run this test: \(python.stderr)")
    let expected = python.stdout.split(separator: "\n").map(String.init)
    try #require(expected.count == values.count)
    let differing = zip(values, expected).filter { ExpressionValue.format($0) != $1 }
    #expect(differing.isEmpty, "\(differing.prefix(5))")
    // The same text written straight into an output buffer (derive's CSV rows).
    let output = UnsafeMutableRawPointer.allocate(byteCount: 32, alignment: 1)
    defer { output.deallocate() }
    let differingWritten = zip(values, expected).filter { value, text in
      let count = PythonFloatRepr.write(value, to: output)
      return String(decoding: UnsafeRawBufferPointer(start: output, count: count), as: UTF8.self) != text
    }
    #expect(differingWritten.isEmpty, "\(differingWritten.prefix(5))")
  }

  /// 300 random expressions, each computed by `gen derive` on 60 rows and by
  /// Python on the same values (python_expression_oracle.py): ints and
  /// floats, `//`, `%`, `**`, `round`, comparisons, text functions, null.
  @Test func deriveComputesWhatPythonComputes() throws {
    let dir = try TemporaryDirectory()
    let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .appendingPathComponent("python_expression_oracle.py")
    let python = try shell("python3 '\(script.path)' '\(dir.path)' 300 20261202")
    try #require(python.status == 0, "python3 must be installed to run this test: \(python.stderr)")
    let expressions = try String(contentsOfFile: dir.path + "/expressions.txt", encoding: .utf8)
      .split(separator: "\n").map(String.init)
    let expected = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir.path + "/expected.json")))
      as! [[String]]
    #expect(expressions.count == 300)
    let assignments = expressions.enumerated().map { "e\($0)=\($1)" }
    for byteLevel in [true, false] {
      let run = try gen(["derive", dir.path + "/data.csv"] + assignments, byteLevel: byteLevel)
      try #require(run.status == 0, "\(run.stderr)")
      let rows = try CSVRows(run.stdout)
      #expect(rows.count == 61)
      var mismatches: [String] = []
      for (index, expression) in expressions.enumerated() {
        let column = rows[0].firstIndex(of: "e\(index)")!
        let got = rows.dropFirst().map { $0[column] }
        if got != expected[index], mismatches.count < 5 {
          let row = got.indices.first { got[$0] != expected[index][$0] } ?? 0
          mismatches.append("\(expression): row \(row + 1) \(rows[row + 1].prefix(3)): gen \(got[row]), Python \(expected[index][row])")
        }
      }
      #expect(mismatches.isEmpty, "\(mismatches.joined(separator: "\n"))")
    }
  }

  /// The same oracle's expressions as `--where` conditions: the rows kept
  /// are those whose Python value is true, on CSV and JSON Lines, on the
  /// byte-level paths (compiled closures) and the general one (the tree),
  /// with the same problems counted on stderr.
  @Test func filterKeepsWhatPythonKeeps() throws {
    let dir = try TemporaryDirectory()
    let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .appendingPathComponent("python_expression_oracle.py")
    let python = try shell("python3 '\(script.path)' '\(dir.path)' 200 20261203")
    try #require(python.status == 0, "python3 must be installed to run this test: \(python.stderr)")
    let expressions = try String(contentsOfFile: dir.path + "/expressions.txt", encoding: .utf8)
      .split(separator: "\n").map(String.init)
    let expected = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir.path + "/expected.json")))
      as! [[String]]
    let csv = dir.path + "/data.csv", jsonl = dir.path + "/data.jsonl"
    try #require(try gen(["convert", csv, "--to", "jsonl", "--output", jsonl]).status == 0)
    let csvLines = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n").map(String.init)
    let jsonLines = try String(contentsOfFile: jsonl, encoding: .utf8).split(separator: "\n").map(String.init)
    var mismatches: [String] = [], tried = 0
    for (index, expression) in expressions.enumerated() {
      // Python's truth of what it computed (no text here reads as a number).
      let keep = expected[index].map { !["", "false", "0", "0.0", "-0.0"].contains($0) }
      for (input, lines, header) in [(csv, csvLines, true), (jsonl, jsonLines, false)] {
        let body = header ? Array(lines.dropFirst()) : lines
        let wanted = (header ? [lines[0]] : []) + zip(body, keep).filter(\.1).map(\.0)
        // (`--where=`: an expression may start with a minus sign.)
        let fast = try gen(["filter", input, "--where=" + expression], byteLevel: true)
        let general = try gen(["filter", input, "--where=" + expression], byteLevel: false)
        if fast.status == 64 && fast.stderr.contains("reads no column") { continue }
        tried += 1
        let got = fast.stdout.split(separator: "\n").map(String.init)
        if fast.status != 0 || got != wanted || general.stdout != fast.stdout || general.stderr != fast.stderr,
          mismatches.count < 5
        {
          mismatches.append(
            "\(expression) on \(header ? "CSV" : "JSON Lines"): status \(fast.status), kept \(got.count) of \(wanted.count) "
              + "\(fast.stderr) | general: \(general.stdout == fast.stdout ? "same rows" : "other rows"), \(general.stderr)")
        }
      }
    }
    #expect(tried > 300)
    #expect(mismatches.isEmpty, "\(mismatches.joined(separator: "\n"))")
  }

  @Test func errorsPointAtTheCharacter() throws {
    let dir = try TemporaryDirectory()
    let csv = try dir.file("sales.csv", salesCSV)
    let cases: [(String, String, Int)] = [
      ("qty * pirce > 3", "no column \"pirce\"", 6),
      ("qty > 3 and", "ends too soon", 11),
      ("(qty > 3", "a ) is missing", 8),
      ("qty >> 3", "> was not expected here", 5),
      ("lower(name, 1) == 'a'", "lower() takes 1 argument, not 2", 0),
      ("nosuch(name)", "no function nosuch()", 0),
      ("name ~ '('", "not a regular expression", 6),
      ("name == 'Ann", "no closing '", 8),
      ("qty < 1 < 2", "comparisons do not chain", 8),
      ("date >= 2024-01-01", "2024-01-01 looks like a date or a code", 8),
      ("zip == 02134", "a number does not start with 0", 7),
      ("qty # 3", "# is not part of an expression", 4),
    ]
    for (expression, message, column) in cases {
      let run = try gen(["filter", csv, "--where", expression])
      #expect(run.status == 64, "\(expression)")
      #expect(run.stderr.contains(message), "\(expression): \(run.stderr)")
      #expect(run.stderr.contains("\n  \(expression)\n  \(String(repeating: " ", count: column))^"), "\(expression): \(run.stderr)")
      #expect(run.stdout.isEmpty, "nothing is written before the expression is known good")
    }
  }

  @Test func theEarlierFormStillReadsAsBefore() throws {
    let dir = try TemporaryDirectory()
    let csv = try dir.file("sales.csv", salesCSV)
    // Bare text values: not columns, so read as text as they always were.
    let earlier = try gen(["filter", csv, "--where", "country!=US", "--where", "qty>=10"])
    let expression = try gen(["filter", csv, "--where", "country != 'US' and qty >= 10"])
    #expect(earlier.status == 0)
    #expect(earlier.stdout == expression.stdout)
    #expect(earlier.stdout.split(separator: "\n").count == 3)
    // ~ is "contains" in the earlier form, a regular expression in the language.
    #expect(try gen(["filter", csv, "--where", "name~Smith"]).stdout == gen(["filter", csv, "--where", "name ~ 'Smith'"]).stdout)
    let dates = try dir.file("dates.csv", "day,n\n2024-01-01,1\n2023-12-31,2\n2024-02-01,3\n")
    #expect(try gen(["filter", dates, "--where", "day>=2024-01-01"]).stdout == "day,n\n2024-01-01,1\n2024-02-01,3\n")
    #expect(try gen(["filter", dates, "--where", "day >= '2024-01-01'"]).stdout == "day,n\n2024-01-01,1\n2024-02-01,3\n")
    // A headerless CSV's columns are numbers: 2>=2 is column 2, not a constant.
    let headerless = try dir.file("h.csv", "a,1\nb,2\nc,3\n")
    #expect(try gen(["filter", "--no-header", headerless, "--where", "2>=2"]).stdout == "b,2\nc,3\n")
    #expect(try gen(["filter", "--no-header", headerless, "--where", "`2` * 10 == 30"]).stdout == "c,3\n")
    #expect(try gen(["filter", dates, "--where", "1 == 1"]).status == 64)  // reads no column
  }

  @Test func nullAndEmptyFields() throws {
    let dir = try TemporaryDirectory()
    let csv = try dir.file("n.csv", "k,x\na,1\nb,\nc,-2\n")
    #expect(try gen(["filter", csv, "--where", "x is null"]).stdout == "k,x\nb,\n")
    #expect(try gen(["filter", csv, "--where", "x < 5"]).stdout == "k,x\na,1\nc,-2\n")
    #expect(try gen(["filter", csv, "--where", "x == ''"]).stdout == "k,x\nb,\n")
    #expect(try gen(["derive", csv, "y=coalesce(x, 0) * 10", "z=x + 1"]).stdout == "k,x,y,z\na,1,10,2\nb,,0,\nc,-2,-20,-1\n")
    let jsonl = try dir.file("n.jsonl", #"{"k":"a","x":null}"# + "\n" + #"{"k":"b"}"# + "\n" + #"{"k":"c","x":3}"# + "\n")
    #expect(try gen(["filter", jsonl, "--where", "x is not null"]).stdout == #"{"k":"c","x":3}"# + "\n")
    #expect(try gen(["filter", jsonl, "--where", "x != 3"]).stdout.split(separator: "\n").count == 2)
    #expect(try gen(["derive", jsonl, "y=x * 1.5"]).stdout.contains(#"{"k":"c","x":3,"y":4.5}"#))
  }

  @Test func problemsAreCountedNotHidden() throws {
    let dir = try TemporaryDirectory()
    let csv = try dir.file("p.csv", "a,b\n6,3\nsix,3\n1,0\n4,0\n")
    let run = try gen(["derive", csv, "q=a / b"])
    #expect(run.status == 0)
    #expect(run.stdout == "a,b,q\n6,3,2.0\nsix,3,\n1,0,\n4,0,\n")
    #expect(run.stderr.contains("1 value was not a number (the first: \"six\")"))
    #expect(run.stderr.contains("2 divisions by zero"))
  }

  @Test func deriveArgumentsAndReplacement() throws {
    let dir = try TemporaryDirectory()
    let csv = try dir.file("sales.csv", salesCSV)
    let after = try gen(["derive", "total=qty * price", csv])
    let before = try gen(["derive", csv, "total=qty * price"])
    #expect(after.status == 0)
    #expect(after.stdout == before.stdout)
    #expect(after.stdout.hasPrefix("name,country,qty,price,total\n"))
    // A later expression reads an earlier one; a known name is replaced in place.
    let chained = try gen(["derive", csv, "total=qty * price", "big=total > 20", "country=lower(country)"])
    let rows = try CSVRows(chained.stdout)
    #expect(rows[0] == ["name", "country", "qty", "price", "total", "big"])
    #expect(rows.dropFirst().allSatisfy { $0[1] == $0[1].lowercased() && ($0[5] == "true") == (Double($0[4])! > 20) })
    // Standard input, and a Hive-style path (year=2024/…) that is a file, not an assignment.
    #expect(try gen(["derive", "total=qty * price"], stdin: salesCSV).stdout == after.stdout)
    try FileManager.default.createDirectory(atPath: dir.path + "/year=2024", withIntermediateDirectories: true)
    let hive = try dir.file("year=2024/part.csv", salesCSV)
    #expect(try gen(["derive", hive, "total=qty * price"]).stdout == after.stdout)
    #expect(try gen(["derive", csv]).status == 64)
    #expect(try gen(["derive", csv, csv, "t=1"]).status == 64)
  }

  /// A name assigned twice: the second expression reads the first's value
  /// (as `df = df.assign(a=…); df = df.assign(a=…)`), on every path.
  @Test func aNameAssignedTwiceReadsItsEarlierValue() throws {
    let dir = try TemporaryDirectory()
    let csv = try dir.file("n.csv", "a,b\n1,\n2,x\n")
    let jsonl = try dir.file("n.jsonl", #"{"a":1,"b":""}"# + "\n" + #"{"a":2,"b":"x"}"# + "\n")
    for byteLevel in [true, false] {
      #expect(try gen(["derive", csv, "a=a+1", "a=a*10"], byteLevel: byteLevel).stdout == "a,b\n20,\n30,x\n")
      #expect(try gen(["derive", csv, "c=a+1", "c=c*10", "d=c"], byteLevel: byteLevel).stdout == "a,b,c,d\n1,,20,20\n2,x,30,30\n")
      #expect(
        try gen(["derive", jsonl, "c=a+1", "c=c*10", "d=c"], byteLevel: byteLevel).stdout
          == #"{"a":1,"b":"","c":20,"d":20}"# + "\n" + #"{"a":2,"b":"x","c":30,"d":30}"# + "\n")
      #expect(try gen(["derive", jsonl, "a=a+1", "a=a*10"], byteLevel: byteLevel).stdout == #"{"a":20,"b":""}"# + "\n" + #"{"a":30,"b":"x"}"# + "\n")
    }
  }

  /// stats --derive with a name assigned twice counts the last value only,
  /// the one derive writes (not both).
  @Test func statsCountsTheLastValueOfANameAssignedTwice() throws {
    let dir = try TemporaryDirectory()
    let csv = try dir.file("q.csv", "qty,g\n1,a\n2,a\n3,b\n")
    let jsonl = try dir.file("q.jsonl", #"{"qty":1,"g":"a"}"# + "\n" + #"{"qty":2,"g":"a"}"# + "\n" + #"{"qty":3,"g":"b"}"# + "\n")
    for input in [csv, jsonl] {
      for byteLevel in [true, false] {
        for group in [[], ["--group-by", "g"]] {
          // A new column, and one that replaces an input column.
          for (twice, once) in [(["q=qty+1", "q=q*10"], ["q=(qty+1)*10"]), (["qty=qty+1", "qty=qty*10"], ["qty=(qty+1)*10"])] {
            let derives = { (assignments: [String]) in assignments.flatMap { ["--derive", $0] } }
            let run = try gen(["stats", input, "--to", "csv"] + derives(twice) + group, byteLevel: byteLevel)
            let expected = try gen(["stats", input, "--to", "csv"] + derives(once) + group, byteLevel: byteLevel)
            #expect(run.status == 0)
            #expect(run.stdout == expected.stdout, "\(input) \(twice) \(group) byteLevel \(byteLevel)")
          }
        }
      }
    }
  }

  /// A NaN is `nan`, as Python writes it, whatever its sign bit (inf - inf
  /// gives one with the bit set, which Swift's own text writes `-nan`).
  @Test func aNaNIsWrittenNan() throws {
    let dir = try TemporaryDirectory()
    let csv = try dir.file("n.csv", "x\ninf\nnan\n")
    for byteLevel in [true, false] {
      #expect(try gen(["derive", csv, "b=x-x", "d=-x"], byteLevel: byteLevel).stdout == "x,b,d\ninf,nan,-inf\nnan,nan,nan\n")
    }
  }

  /// A record whose only field is empty is written `""`, not as a blank
  /// line, which a reader would skip: the record would be lost.
  @Test func aLoneEmptyFieldIsNotABlankLine() throws {
    let dir = try TemporaryDirectory()
    let csv = try dir.file("one.csv", "a\n1\n2\n\"\"\n")
    for byteLevel in [true, false] {
      let run = try gen(["derive", csv, "a=if(a > 1, a, null)"], byteLevel: byteLevel)
      #expect(run.stdout == "a\n\"\"\n2\n\"\"\n")
      #expect(try gen(["derive", csv, "a=a"], byteLevel: byteLevel).stdout == "a\n1\n2\n\"\"\n")
      #expect(try gen(["derive", csv, "a=''"], byteLevel: byteLevel).stdout == "a\n\"\"\n\"\"\n\"\"\n")
    }
  }

  @Test func statsAggregatesAnExpression() throws {
    let dir = try TemporaryDirectory()
    let csv = try dir.file("sales.csv", salesCSV)
    let derived = try gen(["derive", csv, "total=qty * price"])
    let viaFile = try dir.file("derived.csv", derived.stdout)
    let direct = try gen(["stats", csv, "--derive", "total=qty * price", "--group-by", "country"])
    #expect(direct.status == 0)
    #expect(direct.stdout == (try gen(["stats", viaFile, "--group-by", "country"])).stdout)
    let filtered = try gen(["stats", csv, "--where", "country != 'US'", "--derive", "total=qty * price"])
    let viaFilter = try dir.file("filtered.csv", try gen(["filter", viaFile, "--where", "country != 'US'"]).stdout)
    #expect(filtered.stdout == (try gen(["stats", viaFilter])).stdout)
    // Grouped by a computed column.
    let sized = try gen(["stats", csv, "--derive", "size=if(qty >= 10, 'big', 'small')", "--group-by", "size"])
    #expect(sized.stdout.contains("| big ") && sized.stdout.contains("| small "))
  }
}

/// A CSV text read back by Python's csv.reader.
func CSVRows(_ text: String) throws -> [[String]] {
  let dir = try TemporaryDirectory()
  let file = try dir.file("rows.csv", text)
  let result = try shell("python3 -c 'import csv,sys,json; print(json.dumps(list(csv.reader(open(sys.argv[1], newline=\"\")))))' '\(file)'")
  return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [[String]]
}

/// What an outside review found; each stays fixed.
@Suite struct ExpressionReviewTests {
  @Test func tightEarlierFormsReadAsText() throws {
    let dir = try TemporaryDirectory()
    let csv = try dir.file("l.csv", "day,phone,flag,qty\n2024-09-30,555-1234,TRUE,1\n2024-10-15,555-9999,null,\n2025-01-02,x,true,4\n")
    #expect(try gen(["filter", csv, "--where", "day>=2024-10-15"]).stdout == "day,phone,flag,qty\n2024-10-15,555-9999,null,\n2025-01-02,x,true,4\n")
    #expect(try gen(["filter", csv, "--where", "phone=555-1234"]).stdout.hasSuffix("2024-09-30,555-1234,TRUE,1\n"))
    #expect(try gen(["filter", csv, "--where", "flag=TRUE"]).stdout.hasSuffix("2024-09-30,555-1234,TRUE,1\n"))
    #expect(try gen(["filter", csv, "--where", "flag=null"]).stdout.hasSuffix("2024-10-15,555-9999,null,\n"))
    // With spaces it is an expression; an unquoted date there is refused, not computed.
    let spaced = try gen(["filter", csv, "--where", "day >= 2024-10-15"])
    #expect(spaced.status == 64)
    #expect(spaced.stderr.contains("2024-10-15 looks like a date or a code"))
  }

  @Test func integersPast2To53StayApart() throws {
    let dir = try TemporaryDirectory()
    let jsonl = try dir.file("ids.jsonl", "{\"id\": 1500000000000000000}\n{\"id\": 1500000000000000100}\n")
    #expect(try gen(["filter", jsonl, "--where", "id == 1500000000000000001"]).stdout.isEmpty)
    #expect(try gen(["filter", jsonl, "--where", "id > 1500000000000000000"]).stdout == "{\"id\": 1500000000000000100}\n")
    let csv = try dir.file("big.csv", "id\n9007199254740993\n")
    #expect(try gen(["derive", csv, "e=id > 9007199254740992", "d=id - 9007199254740992"]).stdout == "id,e,d\n9007199254740993,true,1\n")
    #expect(try gen(["filter", csv, "--where", "id == 9007199254740992"]).stdout == "id\n")
  }

  @Test func textThatIsNoNumberIsCountedWhenOrderedAgainstANumber() throws {
    let dir = try TemporaryDirectory()
    let csv = try dir.file("na.csv", "qty\n5\nN/A\n20\nabc\n")
    let run = try gen(["filter", csv, "--where", "qty >= 10"])
    #expect(run.stdout == "qty\n20\n")
    #expect(run.stderr.contains("2 values were not a number (the first: \"N/A\")"))
  }

  @Test func conversionsTrimsAndCarets() throws {
    let dir = try TemporaryDirectory()
    let csv = try dir.file("p.csv", "price,code,x,name\n$19.99,00042,\t5,é\n$5,7,5\t,a\n")
    let run = try gen(["derive", csv, "p=float(replace(price, '$', ''))", "d=int(strip(code))", "e=float('5')", "a=x + 0"])
    #expect(try CSVRows(run.stdout).map { Array($0.suffix(4)) } == [["p", "d", "e", "a"], ["19.99", "42", "5.0", "5"], ["5.0", "7", "5.0", "5"]])
    let caret = try gen(["filter", csv, "--where", "name == 'éééé' and pirce > 3"])
    #expect(caret.stderr.contains("\n  name == 'éééé' and pirce > 3\n  " + String(repeating: " ", count: 19) + "^"), "\(caret.stderr)")
    #expect(try gen(["derive", csv, "r=9007199254740994.0", "s=round(1234, -2)"]).stdout.contains(",9007199254740994.0,1200\n"))
  }

  @Test func jsonNullIsAMissingValueInStats() throws {
    let dir = try TemporaryDirectory()
    let jsonl = try dir.file("j.jsonl", "{\"g\":\"a\",\"x\":null}\n{\"g\":\"a\",\"x\":2}\n")
    let run = try gen(["stats", jsonl, "--group-by", "g", "--to", "csv"])
    #expect(try CSVRows(run.stdout)[1] == ["a", "x", "1", "2", "2.0", "2.0", "2.0", "0"])
  }
}
