"""Thin launcher so `python main.py ...` behaves like the `ruralwatch` command."""

from ruralwatch.app import main

if __name__ == "__main__":
    raise SystemExit(main())
