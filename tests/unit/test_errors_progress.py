"""`noted`: a lower layer's bare numbers reach the user with the service's words."""

from ruralwatch.core.errors import noted


def test_noted_adds_the_note_only_where_the_step_brings_none() -> None:
    heard: list[tuple[int, int, str]] = []
    progress = noted(lambda done, total, note="": heard.append((done, total, note)) or done < 2, "Copying the database")
    assert progress is not None
    assert progress(1, 3) is True and progress(2, 3, "Checking the copy") is False
    assert heard == [(1, 3, "Copying the database"), (2, 3, "Checking the copy")]
    assert noted(None, "anything") is None  # no listener: nothing to wrap
