"""The window follows the system palette: hints, errors and tinted cells read on a light and on a dark palette."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QWidget

from ruralwatch.services.container import Services
from ruralwatch.ui import theme

ROLES = QPalette.ColorRole
STYLE_COLOUR = re.compile(r"(?<![-\w])color:\s*(#[0-9a-fA-F]{6}|#[0-9a-fA-F]{3})\b")
STYLE_BACKGROUND = re.compile(r"(?<![-\w])background(?:-color)?:\s*(#[0-9a-fA-F]{6}|#[0-9a-fA-F]{3})\b")


def dark_palette() -> QPalette:
    """The dark palette RuralWatch itself applies (Settings ▸ Colours ▸ Dark, or a dark desktop)."""
    return theme.dark_palette()


def light_palette() -> QPalette:
    palette = QPalette()
    for role, colour in ((ROLES.Window, "#efefef"), (ROLES.WindowText, "#000000"), (ROLES.Base, "#ffffff"),
                         (ROLES.Text, "#000000"), (ROLES.Button, "#efefef"), (ROLES.ButtonText, "#000000")):
        palette.setColor(role, QColor(colour))
    return palette


PALETTES = {"light": light_palette, "dark": dark_palette}


@pytest.fixture
def dark(qapp) -> Iterator[QPalette]:
    """The application on a dark palette for one test, then back to what it was."""
    before = QPalette(qapp.palette())
    palette = dark_palette()
    qapp.setPalette(palette)
    yield palette
    qapp.setPalette(before)


@pytest.mark.parametrize("name", PALETTES)
def test_text_colours_contrast_with_the_window_and_the_base(name: str) -> None:
    palette = PALETTES[name]()
    assert theme.is_dark(palette) == (name == "dark")
    for pick in (theme.error_colour, theme.ok_colour, theme.warning_colour, theme.hint_colour):
        colour = pick(palette)
        for ground in (palette.color(ROLES.Window), palette.color(ROLES.Base)):
            assert theme.contrast_ratio(colour, ground) >= 4.5, (pick.__name__, colour.name(), ground.name())


@pytest.mark.parametrize("name", PALETTES)
def test_error_red_stays_red_on_both(name: str) -> None:
    colour = theme.error_colour(PALETTES[name]())
    assert colour.red() > colour.green() + 60 and colour.red() > colour.blue() + 60


@pytest.mark.parametrize("name", PALETTES)
def test_tinted_cells_and_banners_read_on_both(name: str) -> None:
    palette = PALETTES[name]()
    for tone_name in ("notice", "gap", "problem", "planned", "done", "date_row", "today", "ok_panel",
                      "error_panel"):
        shade = theme.tone(tone_name, palette)
        assert theme.contrast_ratio(shade.text, shade.background) >= 4.5, tone_name
        # A tint is a tint: on a dark palette it must not be a light patch (and the other way round).
        assert (shade.background.lightness() < 128) == theme.is_dark(palette), tone_name
    for step in range(11):
        heat = theme.heat_tone(step / 10, palette)
        assert theme.contrast_ratio(heat.text, heat.background) >= 4.5, step


def test_the_ratio_matches_the_wcag_examples() -> None:
    assert theme.contrast_ratio(QColor("#000000"), QColor("#ffffff")) == pytest.approx(21)
    assert theme.contrast_ratio(QColor("#777777"), QColor("#ffffff")) == pytest.approx(4.48, abs=0.01)


def _style_problems(root: QWidget, palette: QPalette) -> list[str]:
    """Style sheets whose text colour does not read on their own background, or on the window's."""
    problems = []
    for widget in [root, *root.findChildren(QWidget)]:
        sheet = widget.styleSheet()
        if not sheet:
            continue
        background = STYLE_BACKGROUND.search(sheet)
        ground = QColor(background.group(1)) if background else palette.color(ROLES.Window)
        for found in STYLE_COLOUR.finditer(sheet):
            ratio = theme.contrast_ratio(QColor(found.group(1)), ground)
            if ratio < 4.5:
                problems.append(f"{type(widget).__name__} {widget.objectName()!r}: {found.group(1)} on "
                                f"{ground.name()} ({ratio:.1f}:1) in {sheet!r}")
    return problems


def test_the_main_window_on_a_dark_palette_has_no_unreadable_styles(dark, window) -> None:
    assert theme.is_dark()
    window.demo_banner.show()
    assert _style_problems(window, dark) == []
    banner = theme.tone("notice", dark)
    assert banner.background.name() in window.demo_banner.styleSheet()


def test_the_dialogs_on_a_dark_palette_have_no_unreadable_styles(qtbot, dark, services: Services) -> None:
    from ruralwatch.core.errors import ValidationError
    from ruralwatch.ui.harm_dialog import HarmWeightsDialog
    from ruralwatch.ui.incident_form import IncidentDialog
    from ruralwatch.ui.roster_duty_dialog import DutyDialog
    from ruralwatch.ui.roster_people import PersonDialog

    incident = IncidentDialog(services.incidents)
    duty = DutyDialog(services.roster)
    dialogs = [incident, HarmWeightsDialog(services.harm), duty, PersonDialog(services.people)]
    for dialog in dialogs:
        qtbot.addWidget(dialog)
    incident.save()  # nothing filled in: the errors show, in the error colour
    duty.marks.show(ValidationError.single("title", "A title is needed"))
    assert incident.error_label.isVisibleTo(incident)
    assert theme.error_colour(dark).name() in incident.error_label.styleSheet()
    for dialog in dialogs:
        assert _style_problems(dialog, dark) == []


@pytest.fixture
def restore_palette(qapp) -> Iterator[None]:
    before = QPalette(qapp.palette())
    yield
    qapp.setPalette(before)


def test_choosing_dark_in_settings_colours_the_whole_application(qtbot, qapp, restore_palette,
                                                                  services: Services) -> None:
    from PySide6.QtCore import QSettings

    from ruralwatch.ui.settings_dialog import SettingsDialog

    dialog = SettingsDialog(services)
    qtbot.addWidget(dialog)
    assert dialog.colours.currentData() == "system" and not theme.is_dark()
    dialog.colours.setCurrentIndex(dialog.colours.findData("dark"))
    assert dialog.save()
    assert theme.is_dark() and QSettings().value(theme.SCHEME_KEY) == "dark"
    again = SettingsDialog(services)
    qtbot.addWidget(again)
    assert again.colours.currentData() == "dark"  # remembered
    again.colours.setCurrentIndex(again.colours.findData("system"))
    assert again.save()
    assert not theme.is_dark()  # this (offscreen) platform's own palette is light


def test_following_the_system_means_dark_when_the_desktop_says_dark(qapp, restore_palette, monkeypatch) -> None:
    monkeypatch.setattr(theme, "system_wants_dark", lambda app: True)
    theme.apply_scheme(qapp, "system")
    assert theme.is_dark()
    theme.apply_scheme(qapp, "light")  # an explicit choice wins over the desktop
    assert not theme.is_dark()
    theme.apply_scheme(qapp, "no such choice")  # an unknown stored value: as "system"
    assert theme.is_dark()


def test_the_dark_palette_reads(qapp) -> None:
    palette = theme.dark_palette()
    for background, text in ((ROLES.Window, ROLES.WindowText), (ROLES.Base, ROLES.Text),
                             (ROLES.Button, ROLES.ButtonText), (ROLES.Highlight, ROLES.HighlightedText),
                             (ROLES.ToolTipBase, ROLES.ToolTipText)):
        assert theme.contrast_ratio(palette.color(background), palette.color(text)) >= theme.MIN_CONTRAST
    assert theme.contrast_ratio(palette.color(ROLES.Base), palette.color(ROLES.Link)) >= theme.MIN_CONTRAST


def test_styled_widgets_follow_a_scheme_chosen_while_the_window_is_open(qapp, restore_palette, window) -> None:
    banner = window.demo_banner
    light = theme.tone("notice").background.name()
    assert light in banner.styleSheet()
    theme.apply_scheme(qapp, "dark")
    dark = theme.tone("notice").background.name()
    assert dark != light and dark in banner.styleSheet()
    theme.apply_scheme(qapp, "light")
    assert light in banner.styleSheet()
