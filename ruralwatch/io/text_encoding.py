"""Which encoding a text file someone was handed is in, where its bytes alone can tell.

Excel's "Unicode Text" and some exporters write UTF-16 without a byte order mark. Such a file is full of NUL bytes
(every ASCII letter is one byte and a NUL), so a check for NULs alone called it binary. Text that is mostly ASCII
has its NULs all in the odd positions (little-endian) or all in the even ones (big-endian); a binary file has them
anywhere.
"""

from __future__ import annotations

__all__ = ["utf16_without_bom"]

SAMPLE_BYTES = 4096
# Share of two-byte units whose high byte is NUL: ASCII-heavy text (a CSV of English, digits, commas) is near 1.
_MIN_ASCII_SHARE = 0.6
# Share of units whose low byte is NUL: in UTF-16 text that is only a character like U+0100 or U+2000, rare.
_MAX_OTHER_SHARE = 0.02


def utf16_without_bom(data: bytes) -> str | None:
    """'utf-16-le' or 'utf-16-be' when `data` (without a BOM) reads as such text by the place of its NUL bytes and
    decodes whole, else None."""
    sample = data[:SAMPLE_BYTES]
    sample = sample[: len(sample) - len(sample) % 2]
    units = len(sample) // 2
    if units < 2 or b"\x00" not in sample:
        return None
    even = sum(1 for b in sample[0::2] if b == 0)
    odd = sum(1 for b in sample[1::2] if b == 0)
    for encoding, high, low in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        if high >= _MIN_ASCII_SHARE * units and low <= _MAX_OTHER_SHARE * units:
            if len(data) % 2:
                return None  # cut short mid-character: not whole text
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                return None
            # A NUL character after decoding: zero padding or a binary file with a text-like start.
            return encoding if "\x00" not in text else None
    return None
