"""Each account's own key pairs: Ed25519 to sign (its account record when it is an administrator, its audit
entries) and X25519 to receive the database key sealed to it.

The private halves live only in the keyring, encrypted under the account's password (ruralwatch.store.keyring);
the public halves are in the keyring entry and, signed by an administrator, in the account's record. Sealing the
database key to an account's public key is what lets an administrator rotate that key (when an account is
disabled) without knowing anyone else's password.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ruralwatch.core.errors import RuralWatchError

_RAW = serialization.Encoding.Raw
_SEAL_INFO = b"ruralwatch sealed database key v1"


class IdentityError(RuralWatchError):
    """A sealed key or signature that does not open or verify: damaged, or made for someone else."""


def _raw_public(key: Ed25519PublicKey | X25519PublicKey) -> bytes:
    return key.public_bytes(_RAW, serialization.PublicFormat.Raw)


def _raw_private(key: Ed25519PrivateKey | X25519PrivateKey) -> bytes:
    return key.private_bytes(_RAW, serialization.PrivateFormat.Raw, serialization.NoEncryption())


@dataclass(frozen=True)
class AccountKeys:
    signing: Ed25519PrivateKey
    box: X25519PrivateKey

    @classmethod
    def generate(cls) -> AccountKeys:
        return cls(Ed25519PrivateKey.generate(), X25519PrivateKey.generate())

    @classmethod
    def from_private_bytes(cls, data: bytes) -> AccountKeys:
        if len(data) != 64:
            raise IdentityError("an account's private keys are 64 bytes")
        return cls(Ed25519PrivateKey.from_private_bytes(data[:32]), X25519PrivateKey.from_private_bytes(data[32:]))

    def private_bytes(self) -> bytes:
        return _raw_private(self.signing) + _raw_private(self.box)

    @property
    def sign_public(self) -> str:
        return _raw_public(self.signing.public_key()).hex()

    @property
    def box_public(self) -> str:
        return _raw_public(self.box.public_key()).hex()

    def sign(self, data: bytes) -> str:
        return self.signing.sign(data).hex()


def verify_signature(public_key_hex: str, signature_hex: str, data: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key_hex)).verify(bytes.fromhex(signature_hex), data)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def canonical(value: Any) -> bytes:
    """The bytes that are signed: sorted keys, no spaces, so the same record always signs the same."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _seal_key(shared: bytes, ephemeral: bytes, recipient: bytes) -> bytes:
    return HKDF(hashes.SHA256(), 32, salt=ephemeral + recipient, info=_SEAL_INFO).derive(shared)


def seal(secret: bytes, box_public_hex: str, aad: bytes) -> dict[str, str]:
    """`secret` encrypted so that only the holder of the X25519 private key can open it (ephemeral-static
    Diffie-Hellman, HKDF-SHA256, AES-256-GCM; `aad` binds it to its keyring and account)."""
    recipient = bytes.fromhex(box_public_hex)
    ephemeral = X25519PrivateKey.generate()
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(recipient))
    ephemeral_public = _raw_public(ephemeral.public_key())
    nonce = secrets.token_bytes(12)
    sealed = AESGCM(_seal_key(shared, ephemeral_public, recipient)).encrypt(nonce, secret, aad)
    return {"epk": ephemeral_public.hex(), "nonce": nonce.hex(), "ct": sealed.hex()}


def unseal(sealed: dict[str, str], box: X25519PrivateKey, aad: bytes) -> bytes:
    try:
        ephemeral_public = bytes.fromhex(sealed["epk"])
        shared = box.exchange(X25519PublicKey.from_public_bytes(ephemeral_public))
        recipient = _raw_public(box.public_key())
        return AESGCM(_seal_key(shared, ephemeral_public, recipient)).decrypt(
            bytes.fromhex(sealed["nonce"]), bytes.fromhex(sealed["ct"]), aad)
    except (InvalidTag, KeyError, ValueError, TypeError) as exc:
        raise IdentityError(f"a sealed key does not open ({type(exc).__name__})") from None
