"""Reading and writing files from outside RuralWatch (no Qt, no database)."""
