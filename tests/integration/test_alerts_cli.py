"""`ruralwatch alerts`: compose from an incident, list, show, approve and export on an encrypted database; bad
input is one line, exit code 2, and changes nothing; a draft is not exported."""

from __future__ import annotations

from pathlib import Path

from cli_harness import Cli, open_db
from pypdf import PdfReader

from ruralwatch.core.incident import IncidentInput, VehicleInput
from ruralwatch.services.container import Services


def _incident(db: Path) -> str:
    store = open_db(db)
    try:
        return Services.build(store).incidents.record(IncidentInput(
            kind="hare_coursing", occurred_start="2026-03-03 19:42", lat=51.954, lon=0.344,
            place="Brook Farm, near Thaxted", reporter_name="Mary Reporter", reporter_phone="07700 900456",
            vehicles=[VehicleInput("AB12CDE", role="suspect", make="Mitsubishi", model="L200", colour="Silver"),
                      VehicleInput("LN70XYZ", role="suspect", make="Subaru", colour="Blue")])).id
    finally:
        store.close()


def _count(db: Path) -> int:
    store = open_db(db)
    try:
        return int(store.db.execute("SELECT count(*) FROM community_alerts").fetchone()[0])
    finally:
        store.close()


def test_an_alert_is_composed_approved_and_exported(cli: Cli, encrypted_db: Path, tmp_path: Path) -> None:
    incident_id = _incident(encrypted_db)
    composed = cli("alerts", "compose", incident_id[:8], "--area", "district", "--release", "ab12 cde",
                   "--advice", "Lock the gates.", "--json")
    assert composed.code == 0, composed.err
    alert = composed.json()
    assert (alert["status"], alert["area"], alert["area_level"]) == ("draft", "Uttlesford", "district")
    assert alert["warnings"] == [] and "Lock the gates." in alert["text"]
    assert "AB12 CDE" in alert["text"] and "LN70" not in alert["text"] and "Brook Farm" not in alert["text"]
    assert "evening of 3 March 2026" in alert["text"] and "19:42" not in alert["text"]

    refused = cli("alerts", "export", alert["reference"], "--format", "text", "--out", str(tmp_path / "a.txt"))
    assert refused.code == 2 and "draft" in refused.err and refused.err.count("\n") == 1
    assert not (tmp_path / "a.txt").exists()

    listed = cli("alerts", "list", "--json").json()
    assert [a["id"] for a in listed] == [alert["id"]]
    assert cli("alerts", "approve", alert["reference"]).code == 0  # an administrator may approve their own
    for fmt, name in (("text", "a.txt"), ("html", "a.html"), ("pdf", "a.pdf")):
        done = cli("alerts", "export", alert["reference"], "--format", fmt, "--out", str(tmp_path / name))
        assert done.code == 0, done.err
    pdf = " ".join(page.extract_text() or "" for page in PdfReader(tmp_path / "a.pdf").pages)
    for text in ((tmp_path / "a.txt").read_text(encoding="utf-8"), (tmp_path / "a.html").read_text(encoding="utf-8"),
                 pdf):
        assert "Uttlesford" in text and "AB12 CDE" in text
        assert not any(v in text for v in ("LN70", "Brook Farm", "Mary", "07700", "900456"))
    shown = cli("alerts", "show", alert["reference"])
    assert shown.code == 0 and "issued" in shown.out and "Lock the gates." in shown.out
    assert cli("alerts", "show", alert["reference"], "--json").json()["status"] == "issued"
    assert "no watch-scheme members" in cli("alerts", "recipients", alert["reference"]).out


def test_bad_input_is_one_line_and_changes_nothing(cli: Cli, encrypted_db: Path, tmp_path: Path) -> None:
    incident_id = _incident(encrypted_db)
    for argv in (("alerts", "compose", "nope-nope"),
                 ("alerts", "compose", incident_id, "--release", "ZZ99ZZZ"),
                 ("alerts", "compose", incident_id, "--summary", "   "),
                 ("alerts", "approve", "abcdef12"),
                 ("alerts", "export", "abcdef12", "--format", "pdf", "--out", str(tmp_path / "x.pdf"))):
        result = cli(*argv)
        assert result.code == 2, argv
        assert result.err.count("\n") == 1, result.err
    assert cli("alerts", "compose", incident_id, "--area", "parish").code == 2  # the parser's own refusal
    assert _count(encrypted_db) == 0

    # A summary with a registration not released is stored as a draft with a warning, and cannot be approved.
    warned = cli("alerts", "compose", incident_id, "--summary", "Blue Subaru LN70 XYZ seen.", "--json")
    assert warned.code == 0 and "LN70 XYZ" in warned.err
    reference = warned.json()["reference"]
    refused = cli("alerts", "approve", reference)
    assert refused.code == 2 and "warnings" in refused.err
    assert cli("alerts", "show", reference, "--json").json()["status"] == "draft"
