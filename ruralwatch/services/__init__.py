"""Use cases shared by the window and the command line. Rules (validation, roles, audit) live here."""
