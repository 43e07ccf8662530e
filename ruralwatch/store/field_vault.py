"""Field values sealed under a category's public key, opened only with its private key.

Each category (ruralwatch.core.protected_fields) has an X25519 key pair per version. A writer needs only the public
half: it makes one ephemeral key pair per category for its session, derives an AES-256-GCM key from the
Diffie-Hellman of the two (HKDF-SHA256), and seals every value with a fresh nonce. So a Special Constable who types
a reporter's phone number into a new incident stores it without being able to read it back from the file. The
associated data binds a value to its table, column and row: a value moved to another row does not open.

Stored form: `rwf1:<category>:<version>:<base64url(ephemeral public key | nonce | ciphertext)>`. NULL and the empty
string are stored as they are (a blank field says only that it is blank).
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

PREFIX = "rwf1:"
_NONCE = 12
_KEY = 32


def is_sealed(value: object) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


def associated_data(table: str, column: str, row_id: str) -> bytes:
    return f"{table}.{column}:{row_id}".encode()


def _raw(public: X25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _derive(shared: bytes, category: str, version: int, ephemeral: bytes, recipient: bytes) -> AESGCM:
    info = b"ruralwatch field v1|" + category.encode() + b"|" + str(version).encode() + b"|" + ephemeral + recipient
    return AESGCM(HKDF(algorithm=hashes.SHA256(), length=_KEY, salt=None, info=info).derive(shared))


@dataclass
class _Writer:
    version: int
    ephemeral_public: bytes
    aead: AESGCM


@dataclass
class FieldVault:
    """The public keys of every category (current version) and the private keys this session holds.

    `public`: category -> (version, raw public key). `private`: (category, version) -> private key."""

    public: dict[str, tuple[int, bytes]]
    private: dict[tuple[str, int], X25519PrivateKey] = field(default_factory=dict)
    _writers: dict[str, _Writer] = field(default_factory=dict, repr=False)
    _readers: dict[tuple[str, int, bytes], AESGCM] = field(default_factory=dict, repr=False)

    def holds(self, category: str) -> bool:
        current = self.public.get(category)
        return current is not None and (category, current[0]) in self.private

    def version(self, category: str) -> int | None:
        current = self.public.get(category)
        return current[0] if current else None

    def seal(self, category: str, text: str, aad: bytes) -> str:
        writer = self._writer(category)
        nonce = secrets.token_bytes(_NONCE)
        sealed = writer.aead.encrypt(nonce, text.encode(), aad)
        body = base64.urlsafe_b64encode(writer.ephemeral_public + nonce + sealed).decode()
        return f"{PREFIX}{category}:{writer.version}:{body}"

    def open(self, value: str, aad: bytes) -> str | None:
        """The clear text, or None when this session does not hold the key (or the value was damaged/moved)."""
        try:
            _, category, version_text, body = value.split(":", 3)
            version = int(version_text)
            data = base64.urlsafe_b64decode(body.encode())
        except ValueError:
            return None
        if len(data) < 32 + _NONCE + 16:
            return None
        ephemeral, nonce, sealed = data[:32], data[32:32 + _NONCE], data[32 + _NONCE:]
        aead = self._reader(category, version, ephemeral)
        if aead is None:
            return None
        try:
            return aead.decrypt(nonce, sealed, aad).decode()
        except (InvalidTag, UnicodeDecodeError):
            return None

    def _writer(self, category: str) -> _Writer:
        current = self.public.get(category)
        if current is None:
            raise KeyError(f"no field key for {category}")
        writer = self._writers.get(category)
        if writer is None or writer.version != current[0]:
            version, recipient = current
            ephemeral = X25519PrivateKey.generate()
            shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(recipient))
            ephemeral_public = _raw(ephemeral.public_key())
            writer = _Writer(version, ephemeral_public, _derive(shared, category, version, ephemeral_public, recipient))
            self._writers[category] = writer
        return writer

    def _reader(self, category: str, version: int, ephemeral: bytes) -> AESGCM | None:
        cached = self._readers.get((category, version, ephemeral))
        if cached is not None:
            return cached
        private = self.private.get((category, version))
        if private is None:
            return None
        try:
            shared = private.exchange(X25519PublicKey.from_public_bytes(ephemeral))
        except ValueError:
            return None
        aead = _derive(shared, category, version, ephemeral, _raw(private.public_key()))
        self._readers[(category, version, ephemeral)] = aead
        return aead
