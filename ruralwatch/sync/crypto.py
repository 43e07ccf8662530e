"""Device signatures (Ed25519) and payload encryption (scrypt key, AES-256-GCM).

The payload is one AES-GCM message (format version 1). It is read without holding it in memory: a first pass
streams it through a GCM decryptor only to check the tag (nothing decrypted is kept), then `GcmPlaintext` gives
random access to the plaintext by decrypting just the blocks asked for in CTR mode, which is exactly how GCM
encrypts (block j of the plaintext under the counter nonce || j + 2). So no plaintext is used before the whole
message is authenticated, and memory stays at one read's worth.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from ruralwatch.sync.errors import PackageError

SCRYPT_N = 2**15
SCRYPT_R = 8
SCRYPT_P = 1
# What a package may ask for, checked before deriving anything: at most twice the memory RuralWatch itself uses
# (128 * n * r bytes: 32 MiB written, 64 MiB accepted) and four times its work (about 0.1 s written, 0.4 s
# accepted). A signer asking for scrypt's largest settings (2 GB, 35 s) is refused, not obeyed.
MAX_SCRYPT_N = 2 * SCRYPT_N
MAX_SCRYPT_R = SCRYPT_R
MAX_SCRYPT_P = 2 * SCRYPT_P
TAG_BYTES = 16
# GCM's counter is 32 bits and starts at 2 for the first block: beyond this the CTR view would differ from GCM.
MAX_GCM_BYTES = (2**32 - 3) * 16


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
        raise PackageError(f"the key must be 64 hex digits (an Ed25519 public key from `sync identity`){_why(text)}"
                           ) from None
    return raw.hex()  # not `text`: bytes.fromhex skips spaces, and a key kept as "ab12 cd34..." never matches a signer


FINGERPRINT_GROUP = 4  # digits per group: read aloud as "9ca5, 5e41, ..."


def fingerprint(public_hex: str) -> str:
    """A public key as two people compare it, by eye or read aloud over the phone: every one of its 64 digits, in
    sixteen groups of four (as SSH and Signal show theirs). Its first and last eight digits alone were all a person
    checked, and a key forged to share those is cheap to find. Trust a device… and `sync trust` take it as it is
    shown, spaces and all."""
    digits = "".join(public_hex.split()).lower()
    return " ".join(digits[i:i + FINGERPRINT_GROUP] for i in range(0, len(digits), FINGERPRINT_GROUP))


def _why(text: str) -> str:
    """What is wrong with a key copied by hand: a character that is no hex digit, or how many digits it has."""
    wrong = next((c for c in text if c not in "0123456789abcdef" and not c.isspace()), None)
    if wrong is not None:
        return f": {wrong!r} is not a hex digit (0-9, a-f)"
    digits = sum(not c.isspace() for c in text)
    if digits == 0:
        return ": none was given"
    if digits == 64:
        return ""
    return f": this one has {digits}" + (", a digit or more lost in copying" if digits < 64 else "")


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


@dataclass(frozen=True)
class Settings:
    """A package's encryption settings, checked: scrypt within the caps, a 12-byte nonce."""

    n: int
    r: int
    p: int
    salt: bytes
    nonce: bytes

    def key(self, passphrase: str) -> bytes:
        return _derive(passphrase, self.salt, self.n, self.r, self.p)


def check_settings(params: Any) -> Settings:
    """The settings a package declares, or a PackageError when they are not ones RuralWatch uses (or costlier)."""
    try:
        kdf = params["kdf"]
        n, r, p = int(kdf["n"]), int(kdf["r"]), int(kdf["p"])
        salt, nonce = bytes.fromhex(kdf["salt"]), bytes.fromhex(params["nonce"])
        valid = (
            params.get("cipher") == "AES-256-GCM" and kdf.get("name") == "scrypt" and 2 <= n <= MAX_SCRYPT_N
            and n & (n - 1) == 0 and 1 <= r <= MAX_SCRYPT_R and 1 <= p <= MAX_SCRYPT_P and len(nonce) == 12
            and len(salt) >= 8
        )
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError):  # int(inf) is an OverflowError
        valid = False
    if not valid:
        raise PackageError("the package's encryption settings are not ones RuralWatch uses (or ask for a costlier "
                           "key derivation than it accepts)")
    return Settings(n, r, p, salt, nonce)


def _wrong_passphrase() -> PackageError:
    return PackageError("wrong passphrase for this package (or the package was altered)")


def decrypt(params: Any, passphrase: str, ciphertext: bytes, associated: bytes) -> bytes:
    """The whole plaintext in memory: for small messages and tests; packages use `authenticate` + `GcmPlaintext`."""
    settings = check_settings(params)
    try:
        return AESGCM(settings.key(passphrase)).decrypt(settings.nonce, ciphertext, associated)
    except InvalidTag:
        raise _wrong_passphrase() from None


def authenticate(key: bytes, nonce: bytes, associated: bytes, ciphertext: Iterable[bytes], tag: bytes) -> None:
    """Check a GCM tag over ciphertext given in chunks, keeping nothing; PackageError when it does not match."""
    decryptor = Cipher(algorithms.AES(key), modes.GCM(nonce, tag)).decryptor()
    decryptor.authenticate_additional_data(associated)
    for chunk in ciphertext:
        decryptor.update(chunk)  # the output is dropped: this pass only authenticates
    try:
        decryptor.finalize()
    except InvalidTag:
        raise _wrong_passphrase() from None


class SeekableReader(io.RawIOBase):
    """A read-only, seekable stream of `size` bytes: subclasses say how `readinto` fills a buffer from `_pos`."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self._size, self._pos = size, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        self._pos = max(0, base + offset)
        return self._pos


class GcmPlaintext(SeekableReader):
    """Seekable read-only plaintext of an authenticated GCM message (call `authenticate` first).

    `source` is the ciphertext without its tag (seekable); a read decrypts only the blocks it covers."""

    def __init__(self, source: Any, size: int, key: bytes, nonce: bytes) -> None:
        super().__init__(size)
        if len(nonce) != 12 or size > MAX_GCM_BYTES:
            raise PackageError("the package's encryption settings are not ones RuralWatch uses")
        self._source, self._key, self._nonce = source, key, nonce

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        count = max(0, min(len(view), self._size - self._pos, 1024 * 1024))  # a short read keeps memory small
        if not count:
            return 0
        block, skip = divmod(self._pos, 16)
        counter = self._nonce + (block + 2).to_bytes(4, "big")  # GCM: J0 = nonce || 1, data from inc32(J0)
        self._source.seek(block * 16)
        data = self._source.read(skip + count)
        if len(data) != skip + count:
            raise PackageError("the package's payload is shorter than it says")
        decryptor = Cipher(algorithms.AES(self._key), modes.CTR(counter)).decryptor()
        plain = decryptor.update(data) + decryptor.finalize()
        view[:count] = memoryview(plain)[skip:]
        self._pos += count
        return count
