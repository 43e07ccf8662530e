"""Colours that follow the system palette (light or dark), and a keyboard mnemonic helper.

Nothing in the window hard-codes a text or background colour that only reads on a light palette: hints, errors,
warnings and the tinted cells of tables and calendars come from here, picked by the lightness of the palette's
window colour, and each pair of text and background colours is chosen together so it reads on either palette.
Every colour returned for text has a contrast ratio (WCAG 2.x) of at least 4.5 against the palette's window
and base colours; `contrast_ratio` is what the tests use to check that.

Colours are read when a widget is styled. A widget that should restyle itself if the palette changes while the
window is open (the desktop switched to dark) can use `follow_palette(widget, apply)`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt
from PySide6.QtGui import QColor, QFont, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QHeaderView, QTableWidget, QWidget

from ruralwatch.ui.settings_keys import COLOUR_SCHEME
from ruralwatch.ui.widgets.widget_lists import all_widgets

MIN_CONTRAST = 4.5  # WCAG AA for normal text

# (on a light palette, on a dark palette)
_ERROR = ("#b71c1c", "#ff8a80")
_OK = ("#1b5e20", "#81c784")
_WARNING = ("#7a4f00", "#ffcc80")
_INVALID_BORDER = ("#c62828", "#ff5252")


@dataclass(frozen=True)
class Tone:
    """A background with the text colour that reads on it."""

    background: QColor
    text: QColor

    def style(self) -> str:
        """As a style sheet fragment: `background: …; color: …;`."""
        return f"background: {self.background.name()}; color: {self.text.name()};"


# name: ((light background, light text or None), (dark background, dark text or None)); None: the palette's
# text colour when it reads on the background, else black or white.
_TONES: dict[str, tuple[tuple[str, str | None], tuple[str, str | None]]] = {
    "notice": (("#fff3c4", "#5d4300"), ("#4a3b00", "#ffe9a6")),    # the demo-data banner and note
    "gap": (("#ffe0b2", "#7a3300"), ("#5a3300", "#ffd8a8")),       # amber: a duty with open places
    "problem": (("#ffcdd2", "#7f0000"), ("#5c1f24", "#ffcdd2")),   # below commitment, an invalid cell
    "planned": (("#e3eefa", None), ("#1d3550", None)),             # a planned duty
    "done": (("#eeeeee", "#5f5f5f"), ("#2f2f2f", "#b0b0b0")),      # a completed duty, muted
    "date_row": (("#f3f3f3", None), ("#2b2b2b", None)),            # the day headings of the month view
    "today": (("#cfe3ff", None), ("#264a78", None)),               # today's heading
    "ok_panel": (("#e8f5e9", "#1b5e20"), ("#1b3a1e", "#a5d6a7")),  # audit chain intact
    "error_panel": (("#ffebee", "#b71c1c"), ("#4a1c1c", "#ff8a80")),  # audit chain broken
}


def palette_of(palette: QPalette | None = None) -> QPalette:
    return palette if palette is not None else QGuiApplication.palette()


def is_dark(palette: QPalette | None = None) -> bool:
    """True when the window colour is dark (the desktop's dark mode, or a dark palette set on the app)."""
    return palette_of(palette).color(QPalette.ColorRole.Window).lightness() < 128


def _pick(pair: tuple[str, str], palette: QPalette | None) -> QColor:
    return QColor(pair[1] if is_dark(palette) else pair[0])


def _luminance(colour: QColor) -> float:
    def channel(value: float) -> float:
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(colour.redF()) + 0.7152 * channel(colour.greenF()) + 0.0722 * channel(colour.blueF())


def contrast_ratio(first: QColor, second: QColor) -> float:
    """WCAG contrast ratio of two opaque colours, 1 (none) to 21 (black on white)."""
    a, b = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def _mix(first: QColor, second: QColor, amount: float) -> QColor:
    """`amount` of the way from first to second."""
    return QColor.fromRgbF(*(a + (b - a) * amount for a, b in zip(
        (first.redF(), first.greenF(), first.blueF()), (second.redF(), second.greenF(), second.blueF()),
        strict=True)))


def readable_on(background: QColor, preferred: QColor | None = None) -> QColor:
    """`preferred` if it reads on `background`, otherwise black or white, whichever contrasts more."""
    if preferred is not None and contrast_ratio(preferred, background) >= MIN_CONTRAST:
        return QColor(preferred)
    black, white = QColor("#000000"), QColor("#ffffff")
    return black if contrast_ratio(black, background) >= contrast_ratio(white, background) else white


def _backgrounds(palette: QPalette) -> tuple[QColor, QColor]:
    return palette.color(QPalette.ColorRole.Window), palette.color(QPalette.ColorRole.Base)


def _ensure_contrast(colour: QColor, palette: QPalette) -> QColor:
    """Move `colour` towards the palette's text colour until it reads on both the window and the base colour."""
    text = palette.color(QPalette.ColorRole.WindowText)
    for step in range(11):
        candidate = _mix(colour, text, step / 10)
        if all(contrast_ratio(candidate, ground) >= MIN_CONTRAST for ground in _backgrounds(palette)):
            return candidate
    return text


def error_colour(palette: QPalette | None = None) -> QColor:
    """Error text: deep red on a light palette, a light red on a dark one."""
    palette = palette_of(palette)
    return _ensure_contrast(_pick(_ERROR, palette), palette)


def ok_colour(palette: QPalette | None = None) -> QColor:
    palette = palette_of(palette)
    return _ensure_contrast(_pick(_OK, palette), palette)


def warning_colour(palette: QPalette | None = None) -> QColor:
    palette = palette_of(palette)
    return _ensure_contrast(_pick(_WARNING, palette), palette)


def hint_colour(palette: QPalette | None = None) -> QColor:
    """Secondary text (hints, legends, muted rows): between the text and the window colour, still readable."""
    palette = palette_of(palette)
    text = palette.color(QPalette.ColorRole.WindowText)
    window = palette.color(QPalette.ColorRole.Window)
    return _ensure_contrast(_mix(text, window, 0.45), palette)


def invalid_border_colour(palette: QPalette | None = None) -> QColor:
    """The border of a field with a mistake in it (a UI part, not text: visible on light and dark)."""
    return _pick(_INVALID_BORDER, palette)


def tone(name: str, palette: QPalette | None = None) -> Tone:
    """A tinted background and its text colour: notice, gap, problem, planned, done, date_row, today,
    ok_panel, error_panel."""
    palette = palette_of(palette)
    background, text = _TONES[name][1 if is_dark(palette) else 0]
    ground = QColor(background)
    preferred = QColor(text) if text else palette.color(QPalette.ColorRole.Text)
    return Tone(ground, readable_on(ground, preferred))


def heat_tone(fraction: float, palette: QPalette | None = None) -> Tone:
    """A cell of a heat table: from the base colour (0) to a strong red (1), with readable text."""
    palette = palette_of(palette)
    base = palette.color(QPalette.ColorRole.Base)
    hot = QColor("#c62828") if is_dark(palette) else QColor("#ff3838")
    ground = _mix(base, hot, max(0.0, min(1.0, fraction)) * 0.8)
    return Tone(ground, readable_on(ground, palette.color(QPalette.ColorRole.Text)))


# --- style sheet fragments ----------------------------------------------------------------------------------


def error_style(bold: bool = True, palette: QPalette | None = None) -> str:
    return f"color: {error_colour(palette).name()};" + (" font-weight: bold;" if bold else "")


def ok_style(bold: bool = True, palette: QPalette | None = None) -> str:
    return f"color: {ok_colour(palette).name()};" + (" font-weight: bold;" if bold else "")


def warning_style(palette: QPalette | None = None) -> str:
    return f"color: {warning_colour(palette).name()};"


def hint_style(palette: QPalette | None = None) -> str:
    return f"color: {hint_colour(palette).name()};"


def invalid_style(selector: str | None = None, palette: QPalette | None = None) -> str:
    """A 2-pixel border in the error colour; with a selector (a class name), scoped to it."""
    rule = f"border: 2px solid {invalid_border_colour(palette).name()};"
    return f"{selector} {{ {rule} }}" if selector else rule


def tone_style(name: str, palette: QPalette | None = None) -> str:
    return tone(name, palette).style()


# --- following a palette change ----------------------------------------------------------------------------


_PALETTE_EVENTS = (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange)


class _PaletteWatcher(QObject):
    def __init__(self, widget: QWidget, apply: Callable[[], None]) -> None:
        super().__init__(widget)
        self._apply = apply
        self._busy = False

    def eventFilter(self, _watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() in _PALETTE_EVENTS:
            self.reapply()
        return False

    def reapply(self) -> None:
        if not self._busy:
            self._busy = True  # restyling can itself post a palette change
            try:
                self._apply()
            finally:
                self._busy = False


# Every live watcher, so a scheme chosen in Settings restyles them at once: a widget with a style sheet of its own
# is not always sent a palette change event when the application's palette changes.
_WATCHERS: dict[int, _PaletteWatcher] = {}


def follow_palette(widget: QWidget, apply: Callable[[], None]) -> None:
    """Call `apply` now and whenever the widget's palette changes (apply should set style sheets or colours)."""
    apply()
    watcher = _PaletteWatcher(widget, apply)
    key = id(watcher)
    _WATCHERS[key] = watcher
    watcher.destroyed.connect(lambda *_: _WATCHERS.pop(key, None))
    widget.installEventFilter(watcher)


def set_style(widget: QWidget, style: str) -> None:
    """setStyleSheet, skipped when nothing changes (so restyling on a palette change cannot loop)."""
    if widget.styleSheet() != style:
        widget.setStyleSheet(style)


# --- the colour scheme: follow the system, or light or dark by choice ------------------------------------

SCHEME_KEY = COLOUR_SCHEME.key
# (stored value, what the user sees)
SCHEMES = (
    ("system", "Follow the system"),
    ("light", "Light"),
    ("dark", "Dark (at night, in a vehicle)"),
)

# Fusion's roles for a dark palette: (role, active colour, disabled colour or None)
_DARK_ROLES: tuple[tuple[QPalette.ColorRole, str, str | None], ...] = (
    (QPalette.ColorRole.Window, "#2b2b2b", None),
    (QPalette.ColorRole.WindowText, "#e6e6e6", "#7f7f7f"),
    (QPalette.ColorRole.Base, "#1f1f1f", "#2b2b2b"),
    (QPalette.ColorRole.AlternateBase, "#292929", None),
    (QPalette.ColorRole.Text, "#e6e6e6", "#7f7f7f"),
    (QPalette.ColorRole.PlaceholderText, "#9e9e9e", None),
    (QPalette.ColorRole.Button, "#353535", None),
    (QPalette.ColorRole.ButtonText, "#e6e6e6", "#7f7f7f"),
    (QPalette.ColorRole.BrightText, "#ff8a80", None),
    (QPalette.ColorRole.Light, "#4a4a4a", None),
    (QPalette.ColorRole.Midlight, "#3c3c3c", None),
    (QPalette.ColorRole.Mid, "#6e6e6e", None),
    (QPalette.ColorRole.Dark, "#1a1a1a", None),
    (QPalette.ColorRole.Shadow, "#0d0d0d", None),
    (QPalette.ColorRole.Highlight, "#2f6fb3", "#404040"),
    (QPalette.ColorRole.HighlightedText, "#ffffff", "#9e9e9e"),
    (QPalette.ColorRole.Link, "#7cb8ff", None),
    (QPalette.ColorRole.LinkVisited, "#c5a3ff", None),
    (QPalette.ColorRole.ToolTipBase, "#3a3a3a", None),
    (QPalette.ColorRole.ToolTipText, "#e6e6e6", None),
)


def dark_palette() -> QPalette:
    palette = QPalette()
    for role, colour, disabled in _DARK_ROLES:
        palette.setColor(QPalette.ColorGroup.All, role, QColor(colour))
        if disabled is not None:
            palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(disabled))
    return palette


def system_wants_dark(app: QApplication) -> bool:
    return app.styleHints().colorScheme() == Qt.ColorScheme.Dark


def apply_scheme(app: QApplication, scheme: str) -> None:
    """Colour the whole application: "light", "dark", or "system" (the desktop's choice, dark when the desktop
    says dark even where the platform gives Qt no dark palette of its own). Unknown values count as "system"."""
    if scheme == "dark" or (scheme not in ("light", "dark") and system_wants_dark(app)):
        app.setPalette(dark_palette())
    elif scheme == "light":
        app.setPalette(app.style().standardPalette())
    else:
        app.setPalette(QPalette())  # the platform's own palette again
    for key, watcher in list(_WATCHERS.items()):
        try:
            watcher.reapply()
        except RuntimeError:  # its widget is gone (deleted while the signal was pending)
            _WATCHERS.pop(key, None)


def follow_system_scheme(app: QApplication, current: Callable[[], str]) -> None:
    """Re-colour when the desktop switches between light and dark, if the user's choice is to follow it."""
    app.styleHints().colorSchemeChanged.connect(
        lambda _scheme: apply_scheme(app, "system") if current() == "system" else None)


# --- text size: everything follows the application's font -------------------------------------------------

_FONT_SCALE = "rwFontScale"  # widget property: the font is this many times the application's, bold
_FIT_COLUMNS = "rwFitColumns"  # widget property: a table whose columns are sized to their contents


def emphasise(widget: QWidget, scale: float = 1.0) -> None:
    """A bold heading or big button, `scale` times the application's text size, kept so when the text size changes
    (refresh_fonts). Use this, not a style sheet's font-size or font-weight: those pin the size of the moment."""
    widget.setProperty(_FONT_SCALE, float(scale))
    _apply_scale(widget)


def _apply_scale(widget: QWidget) -> None:
    font = QFont()  # nothing resolved but what is set here: the rest comes from the parent, so it follows
    font.setBold(True)
    scale = float(widget.property(_FONT_SCALE))
    if scale != 1.0:
        font.setPointSizeF(QApplication.font().pointSizeF() * scale)
    widget.setFont(font)


def fit_columns_to_font(table: QTableWidget) -> None:
    """Size the columns to their contents now and again whenever the text size changes (refresh_fonts), so a
    time or a date is never cut off."""
    table.setProperty(_FIT_COLUMNS, True)
    _fit_columns(table)


def _fit_columns(table: QTableWidget) -> None:
    """Each column to its contents, but a stretched one (ui.widgets.tables.fit_to_width): sized to its contents it
    could keep that width, and a docked panel's table then scrolled sideways (the Dose page's stops, in some runs)."""
    header = table.horizontalHeader()
    for column in range(table.columnCount()):
        if header.sectionResizeMode(column) != QHeaderView.ResizeMode.Stretch:
            table.resizeColumnToContents(column)


def refresh_fonts(app: QApplication) -> None:
    """Call after QApplication.setFont. Qt gives a widget with a style sheet of its own (even one that only sets
    a colour or a padding) the font it had when the sheet was set, and never updates it: the patrol log's buttons,
    its vehicle box and headings stayed small under Larger text. Setting each sheet again picks up the new font;
    emphasised widgets and tables sized to their contents are redone too."""
    # setFont only posts the change to the widgets: deliver it first, so what follows measures the new font.
    QCoreApplication.sendPostedEvents(None, QEvent.Type.ApplicationFontChange)
    widgets = all_widgets()  # not app.allWidgets(): a garbage collection inside it crashed (widget_lists)
    for widget in widgets:
        sheet = widget.styleSheet()
        if sheet:
            widget.setStyleSheet("")
            widget.setStyleSheet(sheet)
    for widget in widgets:
        if widget.property(_FONT_SCALE) is not None:
            _apply_scale(widget)
    for widget in widgets:
        if isinstance(widget, QTableWidget) and widget.property(_FIT_COLUMNS):
            _fit_columns(widget)


# --- keyboard ---------------------------------------------------------------------------------------------

_MNEMONIC = re.compile(r"&([^&\s])")


def mnemonic_of(text: str) -> str | None:
    """The Alt+letter of a label or action text ('&&' is a literal ampersand), lower case, or None."""
    found = _MNEMONIC.search(text.replace("&&", ""))
    return found.group(1).lower() if found else None


def with_mnemonic(text: str, taken: set[str], avoid: Iterable[str] = ()) -> str:
    """`text` with an '&' before the first letter not in `taken` (or `avoid`), preferring word starts; the
    letter is added to `taken`. Text that already has a mnemonic keeps it; with no letter free, unchanged."""
    existing = mnemonic_of(text)
    if existing:
        taken.add(existing)
        return text
    blocked = taken | {a.lower() for a in avoid}
    plain = text.replace("&", "&&")  # an ampersand in the text is a literal one
    starts = [i for i, ch in enumerate(plain) if ch.isalnum() and (i == 0 or not plain[i - 1].isalnum())]
    others = [i for i, ch in enumerate(plain) if ch.isalnum() and i not in starts]
    for i in (*starts, *others):
        if plain[i].isascii() and plain[i].lower() not in blocked:
            taken.add(plain[i].lower())
            return f"{plain[:i]}&{plain[i:]}"
    return plain
