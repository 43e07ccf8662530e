"""Help ▸ User guide and Keyboard shortcuts: offline, from what ships with the app."""

from __future__ import annotations

from PySide6.QtCore import QUrl
from PySide6.QtGui import QTextDocument

from ruralwatch.ui.help_dialogs import GuideDialog, ShortcutsDialog, shortcut_rows


def test_the_guide_opens_offline_with_its_pictures(qtbot) -> None:
    dialog = GuideDialog()
    qtbot.addWidget(dialog)
    text = dialog.browser.toPlainText()
    assert text.startswith("RuralWatch user guide") and "Your force" in text
    picture = dialog.browser.document().resource(QTextDocument.ResourceType.ImageResource,
                                                 QUrl("screenshots/main-window.png"))
    assert picture is not None and not picture.isNull()


def _picture_widths(dialog: GuideDialog) -> list[float]:
    widths = [0.0]
    block = dialog.browser.document().begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            fmt = it.fragment().charFormat()
            if fmt.isImageFormat():
                widths.append(fmt.toImageFormat().width())
            it += 1
        block = block.next()
    return widths


def test_the_guide_fits_its_pictures_to_the_dialog(qtbot) -> None:
    """A small dialog on a laptop screen scrolled sideways for every screenshot."""
    dialog = GuideDialog()
    qtbot.addWidget(dialog)
    dialog.resize(640, 600)
    dialog.show()
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(lambda: 0 < max(_picture_widths(dialog)) <= dialog.browser.viewport().width(), timeout=5_000)
    dialog.resize(1000, 600)
    qtbot.waitUntil(lambda: dialog._fitted_width > 820, timeout=5_000)  # wider again as the dialog grows


def test_a_link_off_the_machine_is_not_followed(qtbot) -> None:
    dialog = GuideDialog()
    qtbot.addWidget(dialog)
    before = dialog.browser.toPlainText()
    dialog.browser.setSource(QUrl("https://example.org/"))
    assert dialog.browser.toPlainText() == before


def test_the_shortcuts_are_the_ones_the_window_declares(qtbot) -> None:
    rows = dict(shortcut_rows())
    assert rows["Import published crime (data.police.uk)"] == "Ctrl+I"
    assert rows["Lock now"] == "Ctrl+L" and rows["User guide"] == "F1"
    dialog = ShortcutsDialog()
    qtbot.addWidget(dialog)
    assert "Ctrl+Shift+T" in dialog.browser.toPlainText()  # the Patrols panel's toggle
