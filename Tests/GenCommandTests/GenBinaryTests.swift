// The built `gen` executable: pipes, signals, exit codes; and the demo's
// totals against the tutorial's Python pipeline on the same file.
import Foundation
@testable import GenCommand
import Testing

@Suite(.serialized) struct GenBinaryTests {
  @Test func runsAndExitsWithTheRightCodes() throws {
    let dir = try TemporaryDirectory()
    let csv = try dir.file("sales.csv", salesCSV)
    let ok = try shell("'\(genExecutable)' count '\(csv)'")
    #expect(ok.status == 0)
    #expect(ok.stdout == "5\n")
    let bad = try dir.file("bad.csv", "a,b\n\"open,1\n")
    let failed = try shell("'\(genExecutable)' count '\(bad)'")
    #expect(failed.status == 65)
    #expect(failed.stderr.contains("bad.csv:2:1: "))
    #expect(try shell("'\(genExecutable)' count '\(dir.path)/missing.csv'").status == 66)
    #expect(try shell("'\(genExecutable)' count --bogus").status == 64)
    let help = try shell("'\(genExecutable)' --help")
    #expect(help.status == 0)
    #expect(help.stdout.contains("gen demo"))
  }

  /// Bad input late in a file: the records before it are all written, each
  /// whole (the buffered output is flushed, not cut where a buffer ended).
  @Test func outputBeforeAnErrorEndsWithAWholeRecord() throws {
    let dir = try TemporaryDirectory()
    let good = (0..<100_000).map { #"{"name":"Customer \#($0)","qty":"\#($0 % 20)"}"# }
    let jsonl = try dir.file("late.jsonl", good.joined(separator: "\n") + "\n{\"name\": broken\n" + good[0] + "\n")
    let csv = try dir.file("late.csv", "name,qty\n" + (0..<100_000).map { "Customer \($0),\($0 % 20)" }.joined(separator: "\n") + "\n\"open,1\n")
    for (verb, expected) in [
      ("derive '\(jsonl)' z=qty+1 --threads 1", 100_000), ("convert '\(jsonl)' --to csv", 100_001),
      ("convert '\(csv)' --to jsonl", 100_000), ("filter '\(csv)' --where 'qty >= 0' --threads 1", 100_001),
    ] {
      let run = try shell("'\(genExecutable)' \(verb)")
      #expect(run.status == 65, "\(verb)")
      #expect(run.stdout.hasSuffix("\n"), "\(verb)")
      #expect(run.stdout.split(separator: "\n").count == expected, "\(verb)")
    }
  }

  @Test func gzipOnStandardInputIsDecompressed() throws {
    let dir = try TemporaryDirectory()
    let log = try dir.file("server.log", (1...1000).map { "line \($0)" }.joined(separator: "\n") + "\n")
    let run = try shell("gzip -c '\(log)' | '\(genExecutable)' count -")
    #expect(run.status == 0)
    #expect(run.stdout == "1000\n")
    #expect(run.stderr == "")
  }

  @Test func aClosedPipeEndsQuietly() throws {
    let dir = try TemporaryDirectory()
    // Big enough that gen is still writing when head has gone.
    let rows = (0..<200_000).map { "row \($0),x,\($0)" }.joined(separator: "\n")
    let csv = try dir.file("big.csv", "name,country,qty\n" + rows + "\n")
    let run = try shell("'\(genExecutable)' convert '\(csv)' --to jsonl | head -n 1")
    #expect(run.stdout.hasPrefix("{\"name\":\"row 0\",\"country\":\"x\",\"qty\":\"0\"}\n"))
    #expect(run.stderr == "")
    let status = try shell(
      "( '\(genExecutable)' head -n 100000 '\(csv)'; echo $? > '\(dir.path)/status' ) | head -n 2 >/dev/null; "
        + "cat '\(dir.path)/status'")
    #expect(status.stdout == "0\n")
    #expect(status.stderr == "")
  }

  @Test func signalsLeaveNoTemporaryFiles() throws {
    let dir = try TemporaryDirectory()
    for (signal, status) in [("INT", 130), ("TERM", 143), ("HUP", 129)] {
      for keep in [true, false] {
        let keepOption = keep ? "--keep '\(dir.path)/sales.csv'" : ""
        // Far more rows than can be written before the signal arrives.
        let run = try shell(
          """
          TMPDIR='\(dir.path)' '\(genExecutable)' demo --rows 500000000 \(keepOption) >/dev/null 2>&1 &
          pid=$!
          sleep 1
          kill -\(signal) $pid
          wait $pid
          echo $?
          """)
        #expect(run.stdout == "\(status)\n", "SIG\(signal)")
        #expect(dir.contents == [], "SIG\(signal) left behind: \(dir.contents)")
      }
    }
  }

  /// Standard input may be a slow stream: sniffing its format waits for two
  /// lines, not for 64 KiB or the end.
  @Test func sniffingASlowStreamDoesNotWaitForMore() throws {
    let run = try shell("(printf 'a,b\\n1,2\\n3,4\\n'; sleep 6) | timeout 4 '\(genExecutable)' head -n 1; echo \"exit $?\"")
    #expect(run.stdout == "a,b\n1,2\nexit 0\n", "\(run.stderr)")
  }

  @Test func outputsNeverReplaceWhatIsNotARegularFile() throws {
    let dir = try TemporaryDirectory()
    let csv = try dir.file("sales.csv", salesCSV)
    let toNull = try shell("'\(genExecutable)' convert '\(csv)' --to jsonl --output /dev/null; stat -c %F /dev/null")
    #expect(toNull.status == 0)
    #expect(toNull.stdout == "character special file\n")
    let toStdout = try shell("'\(genExecutable)' convert '\(csv)' --to jsonl --output /dev/stdout | wc -l")
    #expect(toStdout.stdout.trimmingCharacters(in: .whitespaces) == "5\n")
    let toDirectory = try shell("'\(genExecutable)' convert '\(csv)' --to jsonl --output '\(dir.path)'")
    #expect(toDirectory.status == 73)
    #expect(toDirectory.stderr.contains("is a directory"))
    let toMissing = try shell("'\(genExecutable)' convert '\(csv)' --to jsonl --output '\(dir.path)/no/such/out.jsonl'")
    #expect(toMissing.status == 73)
    #expect(dir.contents == ["sales.csv"])
    // Through a symbolic link: the link stays, its target is replaced.
    let target = try dir.file("target.jsonl", "old\n")
    let link = dir.path + "/link.jsonl"
    _ = try shell("ln -s target.jsonl '\(link)'")
    #expect(try shell("'\(genExecutable)' convert '\(csv)' --to jsonl --output '\(link)'").status == 0)
    #expect(try shell("test -L '\(link)' && wc -l < '\(target)'").stdout.trimmingCharacters(in: .whitespaces) == "5\n")
  }
}

@Suite struct GenDemoTests {
  @Test func demoTotalsEqualThePythonPipeline() throws {
    let dir = try TemporaryDirectory()
    let path = dir.path + "/sales.csv"
    let run = try gen(["demo", "--rows", "100000", "--keep", path])
    #expect(run.status == 0)
    #expect(FileManager.default.fileExists(atPath: path))
    var swiftTotals: [String: String] = [:]
    for row in cells(run.stdout) where row.count == 3 && row[0] != "country" {
      swiftTotals[row[0] == "all international" ? "all" : row[0]] = row[2]
    }
    #expect(swiftTotals.count == 12)  // 11 countries and the sum

    // The tutorial's pipeline in CPython, as `gen bench` runs it.
    let scriptPath = try dir.file("pipeline.py", Bench.pythonSales)
    let python = try shell("python3 '\(scriptPath)' '\(path)'")
    #expect(python.status == 0, "python3: \(python.stderr)")
    var pythonTotals: [String: String] = [:]
    let lines = python.stdout.split(separator: "\n")
    for line in lines.dropLast() {
      let parts = line.split(separator: " ")
      pythonTotals[String(parts[0])] = String(parts[1])
    }
    // The last line is `seconds megabytes total`.
    let grand = Double(lines.last!.split(separator: " ")[2])!
    pythonTotals["all"] = fixed2(grand)
    #expect(swiftTotals == pythonTotals)
  }

  @Test func demoCompareArrayReportsTheSameTotal() throws {
    let run = try gen(["demo", "--rows", "20000", "--compare-array"])
    #expect(run.status == 0)
    let grand = cells(run.stdout).first { $0.first == "all international" }?[2]
    #expect(grand != nil)
    #expect(run.stdout.contains("total \(grand!) in "))
    #expect(run.stdout.contains("memory grew by"))
  }

  @Test func benchWithoutPythonPrintsBothTables() throws {
    let run = try gen(["bench", "--count", "100000", "--rows", "10000", "--no-python"])
    #expect(run.status == 0)
    let table = cells(run.stdout)
    #expect(table.contains { $0.first == "Generator function / Generator" && $0.count == 3 })
    #expect(table.contains { $0.first == "Swift: three Generator stages + CSVReader" })
  }
}
