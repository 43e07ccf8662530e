"""Errors the user can act on. Each names the field it concerns so a form can point at it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


class RuralWatchError(Exception):
    """Base class for errors that are shown to the user as one clear line (CLI exit code 2)."""


class CancelledError(Exception):
    """The user cancelled a long operation; it changed nothing."""


# A long operation's progress(done, total) callback; it returns False once the user has cancelled, and the
# operation then raises CancelledError.
ProgressCallback = Callable[[int, int], bool]


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


class ValidationError(RuralWatchError):
    """One or more fields failed validation; nothing was written."""

    def __init__(self, errors: list[FieldError] | FieldError) -> None:
        self.errors = [errors] if isinstance(errors, FieldError) else list(errors)
        super().__init__("; ".join(str(e) for e in self.errors))

    @classmethod
    def single(cls, field: str, message: str) -> ValidationError:
        return cls(FieldError(field, message))


class NotFoundError(RuralWatchError):
    pass
