import GenDatabaseCommand

GenDatabaseCommand.runProcess()
