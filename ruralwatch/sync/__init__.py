"""Sync core: change packages (.rwsync) between laptops and the central store.

- `package`: the file format (build, and verify-before-use reading of untrusted files).
- `crypto`: Ed25519 device signatures, scrypt + AES-GCM payload encryption.
- `merge`: per-field last-writer-wins merge of one row, with conflict detection from `seen` vectors.

Orchestration against a database lives in ruralwatch.services.sync.
"""

from ruralwatch.sync.errors import PackageError

__all__ = ["PackageError"]
