"""What every RuralWatch PDF shares: A4 page template, protective marking, styles, tables and the atomic write.

Each page carries the protective marking (default OFFICIAL-SENSITIVE, since briefings hold police information)
centred at its top and bottom, as the Government Security Classifications ask, a header with the document title
and "RuralWatch", and a footer with when it was generated and "Page x of y".

Text is set in an embedded sans font about as wide as Helvetica (Arial on Windows, Liberation Sans or DejaVu Sans
Condensed elsewhere) so names beyond Western European letters print; without one, the base font Helvetica is used.

Pure Python (reportlab), no Qt: the CLI and tests use it too.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    KeepTogether,
    PageTemplate,
    Paragraph,
    Table,
    TableStyle,
)

from ruralwatch import __version__
from ruralwatch.core.times import LOCAL_ZONE
from ruralwatch.io.exports import check_target, replace_atomically
from ruralwatch.paths import resource_path

MARKING = "OFFICIAL-SENSITIVE"
APP_NAME = "RuralWatch"

PAGE_SIZE = A4
MARGIN_X = 16 * mm
MARGIN_TOP = 24 * mm  # room for the marking and the header above the frame
MARGIN_BOTTOM = 22 * mm  # room for the footer and the marking below it
FRAME_WIDTH = PAGE_SIZE[0] - 2 * MARGIN_X

SECTION_MIN_SPACE = 90.0  # points: a heading, a table's header row and two or three rows



def _font_candidates() -> list[tuple[Path, Path, Path]]:
    """(regular, bold, italic) files of Helvetica-width sans fonts that cover more than Western Europe.

    The PDF base fonts print a name like "Łukasz Żółć" as boxes. A bundled resources/fonts/LiberationSans (if the
    build adds it) comes first, then the system's Arial (every Windows laptop has it) or Liberation/DejaVu.
    """
    windows = Path(os.environ.get("WINDIR", r"C:\Windows")) / "Fonts"
    mac = Path("/System/Library/Fonts/Supplemental")
    linux = Path("/usr/share/fonts/truetype")

    def liberation(folder: Path) -> tuple[Path, Path, Path]:
        return (folder / "LiberationSans-Regular.ttf", folder / "LiberationSans-Bold.ttf",
                folder / "LiberationSans-Italic.ttf")

    return [
        liberation(resource_path("fonts")),
        (windows / "arial.ttf", windows / "arialbd.ttf", windows / "ariali.ttf"),
        (mac / "Arial.ttf", mac / "Arial Bold.ttf", mac / "Arial Italic.ttf"),
        *(liberation(linux / folder) for folder in ("liberation", "liberation2")),
        (linux / "dejavu" / "DejaVuSansCondensed.ttf", linux / "dejavu" / "DejaVuSansCondensed-Bold.ttf",
         linux / "dejavu" / "DejaVuSansCondensed-Oblique.ttf"),
    ]


def _register_fonts() -> tuple[str, str, str]:
    """Register the first complete candidate family; the PDF base fonts (Helvetica) when none is usable."""
    for files in _font_candidates():
        if not all(path.is_file() for path in files):
            continue
        names = ("RuralWatchSans", "RuralWatchSans-Bold", "RuralWatchSans-Italic")
        try:
            for name, path in zip(names, files, strict=True):
                pdfmetrics.registerFont(TTFont(name, str(path)))
        except (OSError, TTFError):  # a damaged or unusual font file: try the next family
            continue
        pdfmetrics.registerFontFamily(names[0], normal=names[0], bold=names[1], italic=names[2], boldItalic=names[1])
        return names
    return "Helvetica", "Helvetica-Bold", "Helvetica-Oblique"


FONT, FONT_BOLD, FONT_ITALIC = _register_fonts()

# One restrained palette for both documents: navy headings, pale green-grey table heads as in the HTML report.
INK = colors.HexColor("#222222")
MUTED = colors.HexColor("#5f6368")
ACCENT = colors.HexColor("#1f3b5c")
RULE = colors.HexColor("#b8bfc7")
HEAD_FILL = colors.HexColor("#e4eadb")
ZEBRA_FILL = colors.HexColor("#f6f7f4")
GRID = colors.HexColor("#c9ced3")
WARN_FILL = colors.HexColor("#fbdcdc")  # light red: reads as a mid grey when printed in black and white
WARN_INK = colors.HexColor("#a4161a")


def _style(name: str, **kw: Any) -> ParagraphStyle:
    base: dict[str, Any] = {"fontName": FONT, "fontSize": 9, "leading": 11.5, "textColor": INK}
    base.update(kw)
    return ParagraphStyle(name, **base)


STYLES: dict[str, ParagraphStyle] = {
    "title": _style("title", fontName=FONT_BOLD, fontSize=17, leading=21, textColor=ACCENT, spaceAfter=2),
    "subtitle": _style("subtitle", fontSize=10, leading=13, textColor=MUTED, spaceAfter=6),
    "h2": _style("h2", fontName=FONT_BOLD, fontSize=11.5, leading=14, textColor=ACCENT, spaceBefore=10, spaceAfter=4),
    "body": _style("body", spaceAfter=3),
    "note": _style("note", fontSize=8, leading=10, textColor=MUTED, spaceBefore=3),
    "empty": _style("empty", fontName=FONT_ITALIC, textColor=MUTED, spaceAfter=2),
    "cell": _style("cell", fontSize=8.5, leading=10.5),
    "cell_small": _style("cell_small", fontSize=7.5, leading=9, textColor=MUTED),
    "cell_right": _style("cell_right", fontSize=8.5, leading=10.5, alignment=TA_RIGHT),
    "head": _style("head", fontName=FONT_BOLD, fontSize=8.5, leading=10.5),
    "head_right": _style("head_right", fontName=FONT_BOLD, fontSize=8.5, leading=10.5, alignment=TA_RIGHT),
    "label": _style("label", fontName=FONT_BOLD, fontSize=9, leading=11.5, textColor=MUTED),
}


def text(value: object) -> str:
    """User text made safe for Paragraph markup (which is XML-like: a stray '<' or '&' would break the build)."""
    return escape("" if value is None else str(value)).replace("\n", "<br/>")


def para(value: object, style: str = "cell") -> Paragraph:
    return Paragraph(text(value), STYLES[style])


def markup(markup_text: str, style: str = "cell") -> Paragraph:
    """A Paragraph from markup the caller built (and escaped) itself."""
    return Paragraph(markup_text, STYLES[style])


def heading(title: str) -> Paragraph:
    return Paragraph(text(title), STYLES["h2"])


def empty_note(sentence: str) -> Paragraph:
    """What an empty section says instead of an empty table, so a reader knows it was checked."""
    return Paragraph(text(sentence), STYLES["empty"])


def section(title: str, table: Flowable | None, empty: str) -> list[Flowable]:
    """A headed section: its table, or (table None) the sentence saying the section is empty."""
    head = heading(title)
    if table is None:
        return [KeepTogether([head, empty_note(empty)])]
    # A new page only when the heading and the first rows would not fit: never a heading alone at the foot of a
    # page, yet a long table starts straight away and flows on (keepWithNext would push it whole to a new page).
    return [CondPageBreak(SECTION_MIN_SPACE), head, table]


def local(moment: datetime) -> datetime:
    """UK local time; a naive time is taken as UK local already, as everywhere in RuralWatch."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=LOCAL_ZONE)
    return moment.astimezone(LOCAL_ZONE)


def long_date(moment: datetime) -> str:
    """Like "Saturday 24 October 2026" (UK local)."""
    shown = local(moment)
    return f"{shown:%A} {shown.day} {shown:%B %Y}"  # no %-d: it does not exist on Windows


def short_date(moment: datetime) -> str:
    shown = local(moment)
    return f"{shown:%a} {shown.day} {shown:%b}"


def minutes(value: float) -> str:
    """Minutes as "25 min", "2 h" or "1 h 5 min"."""
    total = max(0, round(value))
    hours, rest = divmod(total, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h" if not rest else f"{hours} h {rest} min"


def time_span(start: datetime, end: datetime) -> str:
    """Like "19:00 – 23:00 BST (4 h)"; names both zones and dates when the span crosses midnight or a clock change."""
    s, e = local(start), local(end)
    # In UTC: two times in the same zone subtract as wall-clock times (a clock change would vanish).
    length = minutes((e.astimezone(UTC) - s.astimezone(UTC)).total_seconds() / 60)
    if s.date() == e.date() and s.tzname() == e.tzname():
        return f"{s:%H:%M} – {e:%H:%M} {s.tzname()} ({length})"
    return f"{s:%H:%M} {s.tzname()} {short_date(s)} – {e:%H:%M} {e.tzname()} {short_date(e)} ({length})"


def format_generated(moment: datetime) -> str:
    shown = local(moment)
    return f"{shown.day} {shown:%b %Y %H:%M} {shown.tzname()}"


def data_table(
    header: Sequence[str],
    rows: Sequence[Sequence[Flowable | str]],
    widths: Sequence[float],
    right: Sequence[int] = (),
    extra: Sequence[tuple[Any, ...]] = (),
    zebra: bool = True,
) -> Table:
    """A ruled table whose header row repeats on every page it flows onto. Widths are fractions of the frame.

    `right` lists the columns to right-align (numbers); `extra` adds TableStyle commands (e.g. highlighted rows).
    Plain strings in `rows` are wrapped in Paragraphs so long text wraps instead of overflowing the cell.
    """
    head_row = [Paragraph(text(h), STYLES["head_right" if i in right else "head"]) for i, h in enumerate(header)]
    body = [
        [cell if isinstance(cell, Flowable) else para(cell, "cell_right" if i in right else "cell")
         for i, cell in enumerate(row)]
        for row in rows
    ]
    total = sum(widths)
    table = Table([head_row, *body], colWidths=[FRAME_WIDTH * w / total for w in widths], repeatRows=1)
    commands: list[tuple[Any, ...]] = [
        ("BACKGROUND", (0, 0), (-1, 0), HEAD_FILL),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, ACCENT),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, GRID),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
    ]
    if zebra and len(body) > 3:
        commands.append(("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, ZEBRA_FILL]))
    commands.extend(extra)
    table.setStyle(TableStyle(commands))
    return table


def key_value_table(pairs: Sequence[tuple[str, str]], columns: int = 2, label_width: float = 0.13) -> Table:
    """Label/value pairs laid out `columns` pairs per row: compact details block for the top of page 1."""
    cells: list[list[Flowable | str]] = []
    row: list[Flowable | str] = []
    for key, value in pairs:
        row.extend([Paragraph(text(key), STYLES["label"]), Paragraph(text(value), STYLES["body"])])
        if len(row) == 2 * columns:
            cells.append(row)
            row = []
    if row:
        cells.append(row + [""] * (2 * columns - len(row)))
    label_w = label_width  # share of the frame
    value_w = 1 / columns - label_w
    widths = [FRAME_WIDTH * (label_w if i % 2 == 0 else value_w) for i in range(2 * columns)]
    table = Table(cells, colWidths=widths)
    table.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 6),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
        ("LINEABOVE", (0, 0), (-1, 0), 0.8, ACCENT),
        ("LINEBELOW", (0, -1), (-1, -1), 0.8, ACCENT),
    ]))
    return table


# --- page template ---------------------------------------------------------------------------------------------


def _page_canvas(title: str, generated: str, marking: str) -> type[Canvas]:
    """A canvas that holds every page back until the end, so each footer can say "Page x of y"."""

    class _Numbered(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 - reportlab's name
            self._pages.append(dict(self.__dict__))
            # Canvas's own reset for the next page; types-reportlab leaves the private method out.
            self._startPage()  # type: ignore[attr-defined]

        def save(self) -> None:
            total = len(self._pages)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                _decorate(self, title, generated, marking, number, total)
                super().showPage()
            super().save()

    return _Numbered


def _decorate(canvas: Canvas, title: str, generated: str, marking: str, number: int, total: int) -> None:
    width, height = PAGE_SIZE
    canvas.saveState()
    canvas.setFillColor(colors.black)
    canvas.setFont(FONT_BOLD, 10)
    canvas.drawCentredString(width / 2, height - 10 * mm, marking)
    canvas.drawCentredString(width / 2, 7 * mm, marking)

    canvas.setFont(FONT_BOLD, 9)
    canvas.setFillColor(ACCENT)
    canvas.drawString(MARGIN_X, height - 17 * mm, _fit(canvas, title, FONT_BOLD, 9, FRAME_WIDTH * 0.75))
    canvas.drawRightString(width - MARGIN_X, height - 17 * mm, APP_NAME)
    canvas.setStrokeColor(RULE)
    canvas.setLineWidth(0.6)
    canvas.line(MARGIN_X, height - 19 * mm, width - MARGIN_X, height - 19 * mm)

    canvas.line(MARGIN_X, 16 * mm, width - MARGIN_X, 16 * mm)
    canvas.setFont(FONT, 7.5)
    canvas.setFillColor(MUTED)
    canvas.drawString(MARGIN_X, 12.5 * mm, f"Generated {generated} by {APP_NAME} {__version__}")
    canvas.drawRightString(width - MARGIN_X, 12.5 * mm, f"Page {number} of {total}")
    canvas.restoreState()


def _fit(canvas: Canvas, value: str, font: str, size: float, width: float) -> str:
    """Shorten a header title with an ellipsis rather than run it into "RuralWatch"."""
    if canvas.stringWidth(value, font, size) <= width:
        return value
    while value and canvas.stringWidth(value + "...", font, size) > width:
        value = value[:-1]
    return value.rstrip() + "..."


def build_pdf(
    path: Path | str,
    title: str,
    generated_at: datetime,
    story: Sequence[Flowable],
    subject: str = "",
    marking: str = MARKING,
) -> None:
    """Lay out `story` on marked A4 pages and write it to `path` all or nothing.

    The target is checked first (a missing folder is a clear RuralWatchError, and nothing is created); the PDF is
    built in a temporary file beside it that replaces `path` only once complete.
    """
    target = check_target(path)
    generated = format_generated(generated_at)

    def write(part: Path) -> None:
        doc = BaseDocTemplate(
            str(part), pagesize=PAGE_SIZE, leftMargin=MARGIN_X, rightMargin=MARGIN_X,
            topMargin=MARGIN_TOP, bottomMargin=MARGIN_BOTTOM,
            title=title, author=APP_NAME, subject=subject, creator=f"{APP_NAME} {__version__}",
        )
        frame = Frame(MARGIN_X, MARGIN_BOTTOM, FRAME_WIDTH, PAGE_SIZE[1] - MARGIN_TOP - MARGIN_BOTTOM,
                      leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0, id="body")
        doc.addPageTemplates([PageTemplate(id="page", frames=[frame])])
        doc.build(list(story), canvasmaker=_page_canvas(title, generated, marking))

    replace_atomically(target, write)
