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


def test_the_guide_finds_text_and_goes_round(qtbot) -> None:
    """A walk: some 1,600 lines and no way to find "accounts" or "sync" in them but scrolling."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    dialog = GuideDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.find_box.setText("Sync with other laptops")
    QTest.keyClick(dialog.find_box, Qt.Key.Key_Return)
    first = dialog.browser.textCursor()
    assert first.selectedText() == "Sync with other laptops" and dialog.isVisible()  # Enter finds, never closes
    positions = {first.position()}
    for _ in range(10):
        assert dialog.find_next()
        positions.add(dialog.browser.textCursor().position())
    assert first.position() in positions and len(positions) > 1  # the next ones, then round to the first again
    dialog.find_box.setText("hovercraft sightings")
    assert not dialog.find_next() and dialog.find_status.text() == "not in the guide"
