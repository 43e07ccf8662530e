"""An approved alert to the community as plain text (messaging groups), HTML (email, web page) and PDF (print).

Each format prints the fields of a `PublicAlert` (ruralwatch.core.alert) and nothing else: what may leave is
decided there, once, from an allow-list. The PDF uses the project's page template (ruralwatch.io.pdf_common) with
the marking OFFICIAL (it is written for release). No Qt.
"""

from __future__ import annotations

from datetime import datetime
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from ruralwatch.core.alert import PublicAlert
from ruralwatch.core.errors import RuralWatchError
from ruralwatch.io.exports import check_target, replace_atomically

if TYPE_CHECKING:
    from reportlab.platypus import Flowable

ALERT_FORMATS: tuple[tuple[str, str], ...] = (("text", "Plain text"), ("html", "HTML"), ("pdf", "PDF"))
SUFFIXES = {"text": ".txt", "html": ".html", "pdf": ".pdf"}
PDF_MARKING = "OFFICIAL"


def alert_text(alert: PublicAlert) -> str:
    return "\n".join(alert.lines) + "\n"


def alert_html(alert: PublicAlert) -> str:
    def section(title: str, body: str) -> str:
        return f"<h2>{escape(title)}</h2>\n<p>{escape(body)}</p>\n" if body else ""

    vehicles = ""
    if alert.vehicles:
        items = "".join(
            f"<li>{escape(v.description)}"
            + (f", registration <strong>{escape(v.registration)}</strong>" if v.registration else "") + "</li>"
            for v in alert.vehicles)
        vehicles = f"<h2>Vehicles seen</h2>\n<ul>{items}</ul>\n"
    return (
        "<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<title>{escape(alert.title)}</title>\n"
        "<style>body{font-family:Arial,Helvetica,sans-serif;max-width:42em;margin:2em auto;color:#222}"
        "h1{color:#1f3b5c;font-size:1.5em}h2{color:#1f3b5c;font-size:1.1em;margin-bottom:.2em}"
        "dt{font-weight:bold;float:left;width:4em}dd{margin-left:4.5em}footer{color:#5f6368;font-size:.9em}"
        "</style>\n</head>\n<body>\n"
        f"<h1>{escape(alert.title)}</h1>\n"
        f"<dl><dt>What</dt><dd>{escape(alert.what)}</dd><dt>Where</dt><dd>{escape(alert.area)}</dd>"
        f"<dt>When</dt><dd>{escape(alert.when)}</dd></dl>\n"
        f"<p>{escape(alert.summary)}</p>\n"
        + vehicles
        + section("Advice", alert.advice)
        + section("How to report", alert.how_to_report)
        + f"<footer>Issued by {escape(alert.issued_by)} on {escape(alert.issued_on)} "
          f"(alert {escape(alert.reference)}).</footer>\n</body>\n</html>\n"
    )


def alert_story(alert: PublicAlert) -> list[Flowable]:
    # reportlab (and Pillow with it) only when a PDF is made: the window's alerts dialog and the alerts commands
    # show text, and importing it cost every window about 20 MB (issue 21).
    from reportlab.platypus import KeepTogether

    from ruralwatch.io import pdf_common as pdf

    story: list[Flowable] = [
        pdf.para(alert.title, "title"),
        pdf.para(f"Issued by {alert.issued_by} on {alert.issued_on} (alert {alert.reference})", "subtitle"),
        pdf.key_value_table([("What", alert.what), ("Where", alert.area), ("When", alert.when)], columns=1),
        pdf.para(alert.summary, "body"),
    ]
    if alert.vehicles:
        story.append(KeepTogether([
            pdf.heading("Vehicles seen"),
            pdf.data_table(("Vehicle", "Registration"),
                           [(v.description, v.registration or "not released") for v in alert.vehicles], (3, 1)),
        ]))
    for title, body in (("Advice", alert.advice), ("How to report", alert.how_to_report)):
        if body:
            story.append(KeepTogether([pdf.heading(title), pdf.para(body, "body")]))
    return story


def write_alert(alert: PublicAlert, fmt: str, path: Path | str, generated_at: datetime) -> Path:
    """Write the alert in `fmt` ("text", "html" or "pdf") to `path`, all or nothing."""
    if fmt not in SUFFIXES:
        raise RuralWatchError(f"{fmt!r} is not an alert format: text, html or pdf")
    target = check_target(path)
    if fmt == "pdf":
        from ruralwatch.io import pdf_common as pdf

        pdf.build_pdf(target, alert.title, generated_at, alert_story(alert), subject="Community alert",
                      marking=PDF_MARKING)
        return target
    content = alert_text(alert) if fmt == "text" else alert_html(alert)
    replace_atomically(target, lambda part: part.write_text(content, encoding="utf-8"))
    return target
