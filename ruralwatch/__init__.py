"""RuralWatch: offline-first rural crime and volunteer coordination."""

__version__ = "0.1.0"
