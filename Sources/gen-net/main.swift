// `gen-net`: `gen` for URLs. `gen` runs it (execv, same arguments) when an
// input is an http:// or https:// URL, or the verb is `fetch`; it runs gen's
// own verbs with a URL opener, plus `fetch`.
import Foundation
import GenCommand

if CommandLine.arguments.dropFirst().first == "fetch" {
  exit(Fetch.runProcess(Array(CommandLine.arguments.dropFirst(2))))
}
GenCommand.runProcess { environment in
  environment.openURL = { url in try URLInput.open(url) }
}
