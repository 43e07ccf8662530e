"""Domain types, catalogues and validation. Pure Python: no Qt, no I/O."""
