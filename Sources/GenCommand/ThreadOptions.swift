import ArgumentParser

/// `--threads` for the verbs that read a file in byte ranges.
struct ThreadOptions: ParsableArguments {
  @Option(
    help: """
      Threads to read a file with (default: the machine's cores): the file is split into byte \
      ranges at record starts (for CSV, speculative and verified; for JSON Lines, line starts); \
      the output is the same, in the same order (later pieces wait in memory, about 1 MiB of input \
      each). convert is split between CSV and JSON Lines; standard input, URLs, gzip, --skip-bad, files under \
      8 MB and CSV without a header (except by count) are read on one thread.
      """)
  var threads: Int?

  var count: Int { threads ?? ParallelStats.cores }

  func validate() throws {
    if let threads, threads < 1 || threads > 256 { throw ValidationError("--threads must be from 1 to 256, not \(threads)") }
  }
}
