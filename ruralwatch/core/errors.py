"""Errors the user can act on. Each names the field it concerns so a form can point at it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class RuralWatchError(Exception):
    """Base class for errors that are shown to the user as one clear line (CLI exit code 2)."""


class CancelledError(Exception):
    """The user cancelled a long operation; it changed nothing."""


class ProgressCallback(Protocol):
    """A long operation's `progress(done, total, note="")`, the one shape every long task reports through. It returns
    False once the user has cancelled, and the operation then raises CancelledError (so it is also where the operation
    looks for Cancel: call it a few times a second, never per row). `total` 0: not known (yet); `done` is then a count
    so far. `note`: what is being done now, in the words the window's progress dialog and the command line both show
    as they are ("Reading file 3 of 12, 2018-03-essex-street.csv: 34,512 rows read so far"); "" when the numbers
    say enough."""

    def __call__(self, done: int, total: int, note: str = "", /) -> bool: ...


def noted(progress: ProgressCallback | None, note: str) -> ProgressCallback | None:
    """`progress` with `note` said for every step that brings none of its own: lower layers report bare numbers
    (pages copied, entries checked), the service knows what they mean to the user."""
    if progress is None:
        return None
    inner = progress

    def with_note(done: int, total: int, own_note: str = "", /) -> bool:
        return inner(done, total, own_note or note)

    return with_note


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
