"""Hours against commitment PDF: names and hours appear, rows below commitment are marked, totals add up."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from ruralwatch.core.errors import RuralWatchError
from ruralwatch.io.hours_report import (
    HoursLine,
    HoursReport,
    HoursTotal,
    format_hours,
    month_label,
    write_hours_pdf,
)
from ruralwatch.services.hours import month_status

GENERATED = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def _report(lines: tuple[HoursLine, ...] | None = None) -> HoursReport:
    if lines is None:
        lines = (
            HoursLine("Tom Hart", "special", "Saffron Walden", "2026-10", 18, 16, status="over"),
            HoursLine("Jane Doe", "volunteer", "Saffron Walden", "2026-10", 6.5, 8, status="below"),
            HoursLine("Priya Shah", "special", "Braintree", "2026-10", 16, 16),
            HoursLine("Bob Green", "volunteer", "Braintree", "2026-10", 3.25, 0, judged=False),
            HoursLine("Amy Cole", "special", "Great Dunmow", "2026-09", 12, 20, status="below"),
            # November is still running: what is given so far and planned, never a shortfall.
            HoursLine("Amy Cole", "special", "Great Dunmow", "2026-11", 4, 20, planned=6, status="so_far",
                      judged=False),
        )
    return HoursReport(
        title="Volunteer hours against commitment",
        period_label="September to October 2026",
        lines=lines,
        by_station=(HoursTotal("Saffron Walden", 24.5), HoursTotal("Braintree", 19.25),
                    HoursTotal("Great Dunmow", 12)),
        by_kind=(HoursTotal("joint_patrol", 40.5), HoursTotal("training", 15.25)),
        generated_at=GENERATED,
    )


def _text(path: Path) -> str:
    """The PDF's text with all whitespace runs made one space (pypdf puts each table cell on its own line)."""
    pages = PdfReader(io.BytesIO(path.read_bytes())).pages
    return " ".join(" ".join(page.extract_text() or "" for page in pages).split())


def test_names_hours_and_below_markers(tmp_path: Path) -> None:
    out = tmp_path / "hours.pdf"
    write_hours_pdf(_report(), out)
    assert out.read_bytes().startswith(b"%PDF")
    text = _text(out)

    assert "Volunteer hours against commitment" in text
    assert "OFFICIAL-SENSITIVE" in text
    for name in ("Tom Hart", "Jane Doe", "Priya Shah", "Bob Green", "Amy Cole"):
        assert name in text
    assert "Special Constable" in text and "Community volunteer" in text
    assert "Oct 2026" in text and "Sep 2026" in text

    # Each row reads in order: name, role, station, month, given, planned, committed, then difference and status.
    assert "Jane Doe Community volunteer Saffron Walden Oct 2026 6.5 8 -1.5 below" in text
    assert "Amy Cole Special Constable Great Dunmow Sep 2026 12 20 -8 below" in text
    assert "Tom Hart Special Constable Saffron Walden Oct 2026 18 16 +2 over" in text  # above
    assert re.search(r"Priya Shah Special Constable Braintree Oct 2026 16 16 0 (?!below)", text)  # exactly at it
    assert re.search(r"Bob Green Community volunteer Braintree Oct 2026 3\.25 - (?!below)", text)  # none at all
    # The month still running: its planned hours, no difference, "so far" (it read "-16 ... below").
    assert "Amy Cole Special Constable Great Dunmow Nov 2026 4 6 20 so far" in text
    # Out of the finished months with a commitment (it counted every person-month, running ones too).
    assert "Below commitment 2 of 4 finished person-months" in text


def test_totals_by_station_and_kind(tmp_path: Path) -> None:
    out = tmp_path / "hours.pdf"
    write_hours_pdf(_report(), out)
    text = _text(out)
    assert "Totals by station" in text and "Totals by kind of duty" in text
    assert "Station Hours Saffron Walden 24.5 Braintree 19.25 Great Dunmow 12 Total 55.75" in text
    assert "Kind of duty Hours Joint patrol 40.5 Training 15.25 Total 55.75" in text


def test_below_is_strictly_under_a_real_commitment_in_a_finished_month() -> None:
    """The one rule the window, the PDF, the CSV and the CLI print (services.hours.month_status)."""
    def status(month: str, hours: float, commitment: float, planned: float = 0, applies: bool = True) -> str:
        return month_status(month, "2026-12", hours, planned, commitment, applies)

    assert status("2026-10", 7.99, 8) == "below"
    assert status("2026-10", 8 - 1e-9, 8) == "met"  # float noise from summing
    assert status("2026-10", 0, 0) == "met"
    assert status("2026-10", 0, 16, applies=False) == "not_applicable"
    # A month not yet over is never below: the PDF said "-16 below" for December and January in December.
    assert status("2026-12", 0, 16) == "so_far"
    assert status("2027-01", 0, 16) == "to_come"
    assert status("2026-12", 10, 16, planned=8) == "over"


def test_formatting_helpers() -> None:
    assert format_hours(12) == "12"
    assert format_hours(12.5) == "12.5"
    assert format_hours(12.25) == "12.25"
    assert format_hours(1234.5) == "1,234.5"
    assert format_hours(0) == "0"
    assert month_label("2026-10") == "Oct 2026"
    assert month_label("autumn") == "autumn"


def test_empty_report_says_so(tmp_path: Path) -> None:
    empty = HoursReport("Hours", "October 2026", (), (), (), GENERATED)
    out = tmp_path / "hours.pdf"
    write_hours_pdf(empty, out)
    text = " ".join(_text(out).split())
    assert "No hours recorded in this period." in text
    assert "No hours by station in this period." in text


def test_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(RuralWatchError, match="does not exist"):
        write_hours_pdf(_report(), tmp_path / "missing" / "hours.pdf")
    assert list(tmp_path.iterdir()) == []
