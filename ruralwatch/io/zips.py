"""Words shared by the imports that read a zip without unpacking it."""

from __future__ import annotations

__all__ = ["zipped_again"]


def zipped_again(inner: str, wanted: str, inside: str) -> str:
    """Why a zip holding another zip (an e-mail attachment, a stick's backup) and none of the `wanted` files is
    refused: zips within zips are not opened."""
    return f"the zip holds another zip ({inner}) and no {wanted}: unzip it and import the zip or the {inside} inside"
