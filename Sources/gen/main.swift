// The `gen` command: everything is in GenCommand, which the tests call directly.
import GenCommand

GenCommand.runProcess()
