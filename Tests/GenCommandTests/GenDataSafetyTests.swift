// Bad input gets a clear error or an exact, reported treatment, never silent
// damage: repeated or empty header names, ragged rows, over-long lines, bad
// --where conditions, control bytes in messages, very wide rows, huge batch
// sizes, and the demo's own peak memory under a parent that used a lot.
import Foundation
@testable import GenCommand
import Testing

@Suite struct GenDataSafetyTests {
  @Test func repeatedAndEmptyHeaderNamesNeverMixValues() throws {
    let csv = "a,a,b\n1,2,3\n"
    #expect(try gen(["head", "--format", "csv"], stdin: csv).stdout == "a,a_2,b\n1,2,3\n")
    for byteLevel in [true, false] {
      let filtered = try gen(["filter", "--format", "csv", "--where", "a_2=2"], stdin: csv, byteLevel: byteLevel)
      #expect(filtered.stdout == "a,a_2,b\n1,2,3\n")
      #expect(filtered.stderr.contains("renamed \"a\" → \"a_2\" (column 2)"))
    }
    #expect(try gen(["convert", "--format", "csv", "--to", "jsonl"], stdin: csv).stdout == "{\"a\":\"1\",\"a_2\":\"2\",\"b\":\"3\"}\n")
    let empty = try gen(["convert", "--format", "csv", "--to", "jsonl"], stdin: ",,\n1,2,3\n")
    #expect(empty.stdout == "{\"column_1\":\"1\",\"column_2\":\"2\",\"column_3\":\"3\"}\n")
    #expect(empty.stderr.components(separatedBy: "renamed").count == 2, "one warning: \(empty.stderr)")
    // A header name that a later rename or a position would take is kept.
    #expect(try gen(["head", "--format", "csv"], stdin: "a,a,a_2\n1,2,3\n").stdout == "a,a_3,a_2\n1,2,3\n")
    // Extra fields are named by position, never merged with a header column of that name.
    let stats = try gen(["stats", "--format", "csv"], stdin: "a,3\n1,2,5\n1,2,7\n")
    let table = cells(stats.stdout)
    #expect(table.contains(["3", "2", "4", "2", "2", "2"]))
    #expect(table.contains(["3_2", "2", "12", "6", "5", "7"]))
  }

  @Test func raggedRowsPassThroughAndAreReported() throws {
    let csv = "a,b\n1,2,3\n4\n5,6\n"
    for byteLevel in [true, false] {
      #expect(try gen(["head", "--format", "csv"], stdin: csv, byteLevel: byteLevel).stdout == csv)
      let filtered = try gen(["filter", "--format", "csv", "--where", "a!=5"], stdin: csv, byteLevel: byteLevel)
      #expect(filtered.stdout == "a,b\n1,2,3\n4\n")
    }
    let converted = try gen(["convert", "--format", "csv", "--to", "jsonl"], stdin: csv)
    #expect(converted.stdout == "{\"a\":\"1\",\"b\":\"2\",\"3\":\"3\"}\n{\"a\":\"4\"}\n{\"a\":\"5\",\"b\":\"6\"}\n")
    #expect(converted.stderr.contains("2 rows of <stdin> had more or fewer fields than the header's 2"))
    let selected = try gen(["select", "b,a", "--format", "csv"], stdin: csv)
    #expect(selected.stdout == "b,a\n2,1\n,4\n6,5\n")
    #expect(selected.stderr.contains("select wrote a missing column as empty"))
    // Blank lines are not records (as for csv.DictReader), before the header too.
    #expect(try gen(["head", "--format", "csv"], stdin: "\n\na,b\n1,2\n\n3,4\n").stdout == "a,b\n1,2\n3,4\n")
    #expect(try gen(["count", "--format", "csv"], stdin: "a,b\n1,2\n\r3,4\n").stdout == "2\n")
  }

  @Test func overLongLinesAreSkippedExactlyWithSkipBad() throws {
    var lines = (1...1005).map { "{\"n\":\($0)}" }
    lines[500] = "{\"n\":\"" + String(repeating: "x", count: 5 << 20) + "\"}"
    let jsonl = lines.joined(separator: "\n") + "\n"
    let failed = try gen(["count", "--format", "jsonl"], stdin: jsonl)
    #expect(failed.status == 65)
    #expect(failed.stderr.contains("<stdin>:501:"))
    #expect(failed.stderr.contains("--max-line-length"))
    for format in ["jsonl", "lines"] {
      let skipped = try gen(["count", "--format", format, "--skip-bad"], stdin: jsonl)
      #expect(skipped.status == 0)
      #expect(skipped.stdout == "1004\n", "\(format)")
      #expect(skipped.stderr.contains("skipped 1 bad record"))
    }
    let converted = try gen(["convert", "--format", "jsonl", "--to", "csv", "--skip-bad"], stdin: jsonl)
    #expect(converted.stdout.split(separator: "\n").count == 1005)  // header + 1004
    #expect(try gen(["count", "--format", "lines", "--max-line-length", "10"], stdin: "short\nmuch too long\nok\n").status == 65)
    #expect(try gen(["count", "--format", "lines", "--max-line-length", "10", "--skip-bad"], stdin: "short\nmuch too long\nok\n").stdout == "2\n")
    #expect(try gen(["count", "--format", "csv", "--max-line-length", "6"], stdin: "a,b\n1,2\n333,444\n5,6\n").status == 65)
  }

  @Test(arguments: ["qty>>3", "qty=>3", "qty>=", "qty>nan", "qty<=inf", "qty~", "=3"])
  func whereRejectsWhatItCannotRead(condition: String) throws {
    let run = try gen(["filter", "--format", "csv", "--where", condition], stdin: "qty\n5\n")
    #expect(run.status == 64, "\(condition): \(run.stderr)")
    #expect(run.stdout == "")
    #expect(run.stderr.contains("^"), "a caret under the place: \(run.stderr)")
  }

  @Test func whereStillReadsWhatItShould() throws {
    let csv = "name,qty\nnan,5\nx,\n"
    #expect(try gen(["filter", "--format", "csv", "--where", "name=nan"], stdin: csv).stdout == "name,qty\nnan,5\n")
    #expect(try gen(["filter", "--format", "csv", "--where", "qty="], stdin: csv).stdout == "name,qty\nx,\n")
    // A field that reads as NaN is not equal to every number.
    #expect(try gen(["filter", "--format", "csv", "--where", "name=5"], stdin: csv).stdout == "name,qty\n")
  }

  @Test func unknownColumnsAreErrorsBeforeAByteIsWritten() throws {
    let jsonl = try gen(["filter", "--format", "jsonl", "--where", "nope=1"], stdin: "{\"a\":1}\n")
    #expect(jsonl.status == 64)
    #expect(jsonl.stdout == "")
    for arguments in [["select", "a,nope"], ["filter", "--where", "nope=1"]] {
      for input in ["a,b\n1,2\n", ""] where !(input.isEmpty && arguments[0] == "filter") {
        let run = try gen(arguments + ["--format", "csv"], stdin: input.isEmpty ? "a,b\n" : input)
        #expect(run.status == 64, "\(arguments)")
        #expect(run.stdout == "", "\(arguments): nothing written")
      }
      let headerless = try gen(arguments + ["--format", "csv", "--no-header"], stdin: "1,2\n")
      #expect(headerless.status == 64)
      #expect(headerless.stdout == "")
    }
  }

  @Test func controlBytesInTheInputAreEscapedInMessages() throws {
    let dir = try TemporaryDirectory()
    let evil = try dir.file("evil.csv", "a,b\n1,x\u{1B}]0;pwned\u{07}\u{1B}[2J\"oops\n")
    let run = try gen(["head", evil])  // the message shows the line, with a caret
    #expect(run.status == 65)
    #expect(!run.stderr.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 })
    #expect(run.stderr.contains("\\x1B]0;pwned\\x07"), "\(run.stderr)")
    let json = try gen(["count", "--format", "jsonl"], stdin: "{\"a\u{9B}2J\": }\n")
    #expect(!json.stderr.unicodeScalars.contains { $0.value == 0x9B })
  }

  @Test func aVeryWideRowTakesLinearTime() throws {
    let width = 100_000
    let header = (1...width).map { "c\($0)" }.joined(separator: ",")
    let row = (1...width).map(String.init).joined(separator: ",")
    let csv = header + "\n" + Array(repeating: row, count: 4).joined(separator: "\n") + "\n"
    // Each finishes (in well under a second when linear; minutes when quadratic).
    #expect(try gen(["head", "-n", "1", "--format", "csv"], stdin: csv).stdout == header + "\n" + row + "\n")
    #expect(try gen(["convert", "--to", "csv", "--format", "csv"], stdin: csv).stdout == csv)
    let jsonl = try gen(["convert", "--to", "jsonl", "--format", "csv"], stdin: csv).stdout
    #expect(jsonl.split(separator: "\n").count == 4)
    #expect(try gen(["convert", "--to", "csv", "--format", "jsonl"], stdin: jsonl).stdout == csv)
    #expect(try gen(["select", "c99999,c1", "--format", "csv"], stdin: csv).stdout.hasPrefix("c99999,c1\n99999,1\n"))
    #expect(try gen(["filter", "--where", "c100000=100000", "--format", "csv"], stdin: csv).stdout == csv)
    #expect(try gen(["filter", "--where", "c100000=100000", "--format", "csv"], stdin: csv, byteLevel: false).stdout == csv)
    #expect(try gen(["stats", "--format", "csv"], stdin: csv).status == 0)
    #expect(try gen(["batch", "--size", "2", "--format", "csv"], stdin: csv).stdout.split(separator: "\n").count == 2)
  }

  @Test func aHugeBatchSizeOnASmallFileWorks() throws {
    let run = try gen(["batch", "--size", "1000000000", "--format", "lines"], stdin: "a\nb\n")
    #expect(run.status == 0)
    #expect(run.stdout == "[\"a\",\"b\"]\n")
  }
}

@Suite(.serialized) struct GenPeakMemoryTests {
  /// `swift run` execs gen from a process that used over 100 MiB; the demo
  /// must report gen's own peak, not its parent's.
  @Test func theDemoReportsItsOwnPeakAfterExec() throws {
    let run = try shell(
      """
      python3 -c "import os, sys; ballast = bytearray(300 * 1024 * 1024); ballast[::4096] = b'x' * len(ballast[::4096]); \
      os.execv(sys.argv[1], [sys.argv[1], 'demo', '--rows', '2000'])" '\(genExecutable)'
      """)
    #expect(run.status == 0, "\(run.stderr)")
    let line = try #require(run.stdout.split(separator: "\n").first { $0.hasPrefix("Peak memory:") })
    let mebibytes = try #require(Double(line.dropFirst("Peak memory: ".count).prefix { $0 != " " }))
    #expect(mebibytes < 100, "\(line)")
  }
}

@Suite struct GenStandardInputTests {
  @Test func standardInputIsSniffed() throws {
    #expect(try gen(["count"], stdin: "name,qty\nA,1\n\"B, b\",2\n").stdout == "2\n")  // CSV
    #expect(try gen(["head", "-n", "1"], stdin: "a\tb\n1\t2\n3\t4\n").stdout == "a\tb\n1\t2\n")  // TSV kept as TSV
    #expect(try gen(["convert", "--to", "csv"], stdin: "{\"a\":1}\n{\"a\":2}\n").stdout == "a\n1\n2\n")  // JSON Lines
    #expect(try gen(["count"], stdin: "just words\nmore words, and a comma\n").stdout == "2\n")  // lines
    let array = try gen(["count"], stdin: "[{\"a\":1},{\"a\":2}]\n")
    #expect(array.status == 64)
    #expect(array.stderr.contains("jq -c"))
    #expect(try gen(["count", "--format", "lines"], stdin: "[1,\n2]\n").stdout == "2\n")
  }

  @Test func aJSONDocumentFileIsRefusedWithAHint() throws {
    let dir = try TemporaryDirectory()
    let json = try dir.file("records.json", "[{\"a\":1}]\n")
    let run = try gen(["count", json])
    #expect(run.status == 64)
    #expect(run.stderr.contains("jq -c '.[]'"))
    #expect(try gen(["count", json, "--format", "jsonl"]).status == 65)  // told it is JSON Lines: a bad line
  }
}

/// Defects a new user's try found, each kept fixed.
@Suite struct GenNewUserFindingsTests {
  @Test func aBadHeaderIsAnErrorEvenWithSkipBad() throws {
    for csv in ["a,\"b\n1,2\n3,4\n", "a,b\"x\n1,2\n3,4\n"] {
      let run = try gen(["convert", "--format", "csv", "--to", "jsonl", "--skip-bad"], stdin: csv)
      #expect(run.status == 65, "\(csv.debugDescription): \(run.stdout)")
      #expect(run.stdout == "")
    }
    let long = try gen(["count", "--format", "csv", "--skip-bad", "--max-line-length", "10"], stdin: "name_of_a_column,b\n1,2\n")
    #expect(long.status == 65)
    // A bad data row is still skipped.
    #expect(try gen(["count", "--format", "csv", "--skip-bad"], stdin: "a,b\n1,\"2\nx\"y,3\n4,5\n").stdout == "1\n")
  }

  @Test func manyRepeatedNamesTakeLinearTime() throws {
    let width = 100_000
    let csv = Array(repeating: "a", count: width).joined(separator: ",") + "\n" + Array(repeating: "1", count: width).joined(separator: ",") + "\n"
    let run = try gen(["count", "--format", "csv"], stdin: csv)
    #expect(run.stdout == "1\n")
    #expect(run.stderr.contains("(\(width - 1) in all)"))
    #expect(run.stderr.utf8.count < 1000)
  }

  @Test func argumentsThatWouldCrashAreRefused() throws {
    #expect(try gen(["count", "--format", "csv", "--max-line-length", "2147483648"], stdin: "a\n").status == 64)
    #expect(try gen(["count", "--format", "csv", "--delimiter", "\n"], stdin: "a\n").status == 64)
    #expect(try gen(["count", "--format", "csv", "--delimiter", "\r"], stdin: "a\n").status == 64)
  }

  @Test func warningsEscapeControlCharacters() throws {
    let renamed = try gen(["count", "--format", "csv"], stdin: "a,a\u{1B}[2J,a\u{1B}[2J,b\u{202E}c,b\u{202E}c\n1,2,3,4,5\n")
    #expect(!renamed.stderr.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x202E })
    let dir = try TemporaryDirectory()
    let name = try dir.file("e\u{1B}[2J.csv", "a,b\n1,\"2\n")
    let skipped = try gen(["count", name, "--skip-bad"])
    #expect(skipped.stderr.contains("skipped 1 bad record"))
    #expect(!skipped.stderr.unicodeScalars.contains { $0.value == 0x1B })
  }

  @Test func smallerFindings() throws {
    // A byte-order mark before JSON Lines.
    #expect(try gen(["count", "--format", "jsonl"], stdin: "\u{FEFF}{\"a\":1}\n{\"a\":2}\n").stdout == "2\n")
    #expect(try gen(["count"], stdin: "\u{FEFF}{\"a\":1}\n").stdout == "1\n")
    // Error messages name at most 20 columns.
    let wide = (1...5000).map { "c\($0)" }.joined(separator: ",") + "\n" + (1...5000).map(String.init).joined(separator: ",") + "\n"
    let unknown = try gen(["select", "zz", "--format", "csv"], stdin: wide)
    #expect(unknown.status == 64)
    #expect(unknown.stderr.utf8.count < 1000)
    #expect(unknown.stderr.contains("(5000 in all)"))
    // Hexadecimal is text, as for Python's float().
    let stats = cells(try gen(["stats", "--format", "csv"], stdin: "v\n0x10\n2\n").stdout)
    #expect(stats.contains { $0.first == "v" && $0.count > 2 && $0[1] == "1" && $0[2] == "2" }, "\(stats)")
    #expect(try gen(["filter", "--format", "csv", "--where", "v=16"], stdin: "v\n0x10\n16\n").stdout == "v\n16\n")
    // An upper-case extension names the format too.
    let dir = try TemporaryDirectory()
    #expect(try gen(["count", try dir.file("UP.CSV", "a,b\n1,2\n3,4\n")]).stdout == "2\n")
    #expect(try gen(["count", try dir.file("UP.JSON", "[1]\n")]).status == 64)
    // stats --group-by an unknown JSON Lines column, as select and filter.
    #expect(try gen(["stats", "--format", "jsonl", "--group-by", "zz"], stdin: "{\"a\":1}\n").status == 64)
    // --output - is standard output.
    #expect(try gen(["convert", "--format", "csv", "--to", "jsonl", "--output", "-"], stdin: "a\n1\n").stdout == "{\"a\":\"1\"}\n")
    #expect(!FileManager.default.fileExists(atPath: "-"))
  }

  @Test func standardInputNamedAsAPathIsSniffed() throws {
    let dir = try TemporaryDirectory()
    let csv = try dir.file("g", "a,b\n1,2\n3,4\n")
    #expect(try shell("'\(genExecutable)' count /dev/stdin < '\(csv)'").stdout == "2\n")
  }
}
