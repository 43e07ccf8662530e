"""Device signatures (Ed25519) and payload encryption (scrypt key, AES-256-GCM)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from ruralwatch.sync.errors import PackageError

SCRYPT_N = 2**15
SCRYPT_R = 8
SCRYPT_P = 1
# Refuse parameters from a package that would make key derivation a denial of service.
_MAX_SCRYPT_N = 2**20
_MAX_SCRYPT_R = 16
_MAX_SCRYPT_P = 4


@dataclass(frozen=True)
class KeyPair:
    private: Ed25519PrivateKey

    @classmethod
    def generate(cls) -> KeyPair:
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_hex(cls, private_hex: str) -> KeyPair:
        return cls(Ed25519PrivateKey.from_private_bytes(bytes.fromhex(private_hex)))

    def private_hex(self) -> str:
        raw = self.private.private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        )
        return raw.hex()

    def public_hex(self) -> str:
        return self.private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()

    def sign(self, data: bytes) -> str:
        return self.private.sign(data).hex()


def check_public_key(text: str) -> str:
    """The normalised (lower-case hex) form of an Ed25519 public key, or a clear error."""
    text = text.strip().lower()
    try:
        raw = bytes.fromhex(text)
        Ed25519PublicKey.from_public_bytes(raw)
    except ValueError:
        raise PackageError("the key must be 64 hex digits (an Ed25519 public key from `sync identity`)") from None
    return raw.hex()  # not `text`: bytes.fromhex skips spaces, and a key kept as "ab12 cd34..." never matches a signer


def verify(public_hex: str, signature_hex: str, data: bytes) -> bool:
    try:
        key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_hex))
        key.verify(bytes.fromhex(signature_hex), data)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _derive(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase.encode("utf-8"))


def new_encryption() -> dict[str, Any]:
    """Fresh parameters (random salt and nonce) for one package, as written into its manifest."""
    return {
        "cipher": "AES-256-GCM",
        "kdf": {"name": "scrypt", "n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P, "salt": os.urandom(16).hex()},
        "nonce": os.urandom(12).hex(),
    }


def encrypt(params: dict[str, Any], passphrase: str, plaintext: bytes, associated: bytes) -> bytes:
    kdf = params["kdf"]
    key = _derive(passphrase, bytes.fromhex(kdf["salt"]), kdf["n"], kdf["r"], kdf["p"])
    return AESGCM(key).encrypt(bytes.fromhex(params["nonce"]), plaintext, associated)


def decrypt(params: Any, passphrase: str, ciphertext: bytes, associated: bytes) -> bytes:
    try:
        kdf = params["kdf"]
        n, r, p = int(kdf["n"]), int(kdf["r"]), int(kdf["p"])
        salt, nonce = bytes.fromhex(kdf["salt"]), bytes.fromhex(params["nonce"])
        valid = (
            params.get("cipher") == "AES-256-GCM" and kdf.get("name") == "scrypt" and 2 <= n <= _MAX_SCRYPT_N
            and n & (n - 1) == 0 and 1 <= r <= _MAX_SCRYPT_R and 1 <= p <= _MAX_SCRYPT_P and len(nonce) == 12
            and len(salt) >= 8
        )
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError):  # int(inf) is an OverflowError
        valid = False
    if not valid:
        raise PackageError("the package's encryption settings are not ones RuralWatch uses")
    key = _derive(passphrase, salt, n, r, p)
    try:
        return AESGCM(key).decrypt(nonce, ciphertext, associated)
    except InvalidTag:
        raise PackageError("wrong passphrase for this package (or the package was altered)") from None
