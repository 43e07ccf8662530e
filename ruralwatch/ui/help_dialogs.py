"""Help that works without a network: the user guide shipped with the app, and the list of keyboard shortcuts.

The guide is docs/user-guide.md (bundled beside the resources by build/ruralwatch.spec), shown as Markdown with
its screenshots; links to other local documents open in the same viewer, links off the machine are not followed.
The shortcuts are read from the window's own action declarations (ruralwatch.ui.window_actions), so the list is
always the keys that work.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer, QUrl
from PySide6.QtGui import QKeySequence, QResizeEvent, QShortcut, QTextCursor, QTextDocument
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ruralwatch.paths import docs_path
from ruralwatch.ui.window_actions import ACTIONS, DOCK_TOGGLES


class _LocalBrowser(QTextBrowser):
    """Follows links to files of the guide's folder; anything off the machine stays unopened."""

    def setSource(self, name: QUrl, type=QTextDocument.ResourceType.UnknownResource) -> None:  # noqa: A002, N802
        if name.toString().startswith("#"):
            self.scrollToAnchor(name.fragment())
        elif name.scheme() in ("", "file"):
            super().setSource(name, type)


def _fit_pictures(document: QTextDocument, width: int) -> None:
    """Screenshots are taken at a laptop's full width: shown no wider than the guide's page, aspect kept."""
    block = document.begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            fragment = it.fragment()
            fmt = fragment.charFormat()
            if fmt.isImageFormat():
                image_format = fmt.toImageFormat()
                picture = document.resource(QTextDocument.ResourceType.ImageResource, QUrl(image_format.name()))
                natural = picture.width() if picture is not None and hasattr(picture, "width") else 0
                if natural > 0:
                    shown = min(natural, width)
                    image_format.setWidth(shown)
                    image_format.setHeight(picture.height() * shown / natural)
                    cursor = QTextCursor(document)
                    cursor.setPosition(fragment.position())
                    cursor.setPosition(fragment.position() + fragment.length(), QTextCursor.MoveMode.KeepAnchor)
                    cursor.setCharFormat(image_format)
            it += 1
        block = block.next()


class GuideDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("RuralWatch user guide")
        self.resize(900, 700)
        self.browser = _LocalBrowser()
        self.browser.setOpenExternalLinks(False)
        self.browser.setOpenLinks(True)
        self._fitted_width: int | None = None  # the width pictures were fitted to; None: no guide, no pictures
        guide = docs_path("user-guide.md")
        if guide.is_file():
            self.browser.setSearchPaths([str(guide.parent)])
            self.browser.setMarkdown(guide.read_text(encoding="utf-8"))
            self._fitted_width = 0
            self._fit()
        else:
            self.browser.setPlainText(f"The user guide is missing from this installation ({guide}).")
        # Find in the guide: some 1,600 lines, and a walk looked in vain for how to sync or add an account.
        self.find_box = QLineEdit()
        self.find_box.setPlaceholderText("Find in the guide, e.g. sync, password, grid reference (Ctrl+F)")
        self.find_box.setClearButtonEnabled(True)
        self.find_box.returnPressed.connect(self.find_next)
        self.find_box.textEdited.connect(lambda _text: self.find_status.clear())
        find_label = QLabel("&Find:")
        find_label.setBuddy(self.find_box)
        next_button = QPushButton("&Next")
        next_button.setAutoDefault(False)
        next_button.clicked.connect(self.find_next)
        self.find_status = QLabel()
        QShortcut(QKeySequence(QKeySequence.StandardKey.Find), self, self._focus_find)
        QShortcut(QKeySequence(QKeySequence.StandardKey.FindNext), self, self.find_next)
        find_row = QHBoxLayout()
        find_row.addWidget(find_label)
        find_row.addWidget(self.find_box, 1)
        find_row.addWidget(next_button)
        find_row.addWidget(self.find_status)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setAutoDefault(False)  # Enter finds, never closes
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(find_row)
        layout.addWidget(self.browser)
        layout.addWidget(buttons)

    def _focus_find(self) -> None:
        self.find_box.setFocus()
        self.find_box.selectAll()

    def find_next(self) -> bool:
        """The next place the text is, from the last one found, going round to the top once at the end."""
        text = self.find_box.text().strip()
        if not text:
            return False
        found = self.browser.find(text)
        if not found:
            self.browser.moveCursor(QTextCursor.MoveOperation.Start)
            found = self.browser.find(text)
        self.find_status.setText("" if found else "not in the guide")
        return found

    def _fit(self) -> None:
        """Pictures as wide as the page at most (a small dialog on a laptop screen scrolled sideways for them)."""
        width = max(200, self.browser.viewport().width() - 2 * int(self.browser.document().documentMargin()) - 8)
        if self._fitted_width not in (None, width):
            _fit_pictures(self.browser.document(), width)
            self._fitted_width = width

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        QTimer.singleShot(0, self, self._fit)  # once the browser inside has its new width


def shortcut_rows() -> list[tuple[str, str]]:
    """(what, keys) for every window action and panel that has a keyboard shortcut, as this platform writes them."""
    rows = []
    for spec in (*ACTIONS, *DOCK_TOGGLES):
        if spec.shortcut is None:
            continue
        keys = QKeySequence(spec.shortcut).toString(QKeySequence.SequenceFormat.NativeText)
        if keys:
            rows.append((spec.text.replace("&", "").rstrip("…"), keys))
    return rows


class ShortcutsDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.resize(520, 560)
        self.browser = QTextBrowser()
        rows = "".join(f"<tr><td>{what}</td><td>&nbsp;&nbsp;<b>{keys}</b></td></tr>" for what, keys in shortcut_rows())
        self.browser.setHtml(f"<h3>Keyboard shortcuts</h3><table>{rows}</table>"
                             "<p>Every menu entry also has an underlined letter: Alt and that letter opens it.</p>")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser)
        layout.addWidget(buttons)
