"""First steps after the administrator is created: a basemap, demo data or published crime. Each is optional,
and the same dialog opens again from Settings ("Run the first-start steps again")."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QGuiApplication, QWindow
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ruralwatch.ui import theme

# (the 43 forces' names, the chosen one, choose(name), whether the role may change it)
ForceChoice = tuple[list[str], str, Callable[[str], object], bool]


class FirstStepsDialog(QDialog):
    """Buttons for the optional set-up steps; each calls the window's own action (with its progress and cancel)."""

    def __init__(self, steps: list[tuple[str, str, Callable[[], object], bool]], parent: QWidget | None = None,
                 force: ForceChoice | None = None):
        super().__init__(parent)
        self.setWindowTitle("First steps")
        layout = QVBoxLayout(self)
        intro = QLabel("RuralWatch is ready. These steps are optional; skip any of them, and come back here from "
                       "File ▸ Settings at any time.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.force: QComboBox | None = None
        if force is not None:
            names, current, choose, allowed = force
            self.force = QComboBox()
            self.force.addItems(list(names))
            self.force.setCurrentText(current)
            self.force.setEnabled(allowed)
            self.force.setToolTip("The map, hotspots, harm by area, patrol areas and harm weights follow it"
                                  if allowed else "Not for your role")
            self.force.currentTextChanged.connect(lambda name: choose(name))
            row = QFormLayout()
            row.addRow("Police &force", self.force)
            layout.addLayout(row)
        self.buttons: dict[str, QPushButton] = {}
        for label, explanation, action, allowed in steps:
            button = QPushButton(label)
            button.setEnabled(allowed)
            button.setToolTip(explanation if allowed else "Not for your role")
            button.clicked.connect(lambda _checked=False, run=action, pressed=button: self._run(run, pressed))
            layout.addWidget(button)
            note = QLabel(explanation)
            note.setWordWrap(True)
            note.setStyleSheet(theme.hint_style())
            layout.addWidget(note)
            self.buttons[label] = button
        done = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        done.rejected.connect(self.reject)
        layout.addWidget(done)
        # A step's own windows (file chooser, question, progress, result) belong to the main window, so when the
        # last one closed Qt activated the main window: First steps stayed open behind the keyboard and Escape
        # went to the window. Focus comes back here after them, unless the person went to the window themselves.
        self._step_started = False
        self._last_focus: QWindow | None = None
        app = QGuiApplication.instance()
        if isinstance(app, QGuiApplication):
            app.focusWindowChanged.connect(self._focus_moved)  # let go with this dialog (a QObject receiver)

    def _run(self, action: Callable[[], object], button: QPushButton) -> None:
        """Start a step and stay open for the next ones (it runs with its own progress); the step's button says it
        was started, so a second press does not load or import twice."""
        self._step_started = True
        if action() is False:  # the step's own file chooser was cancelled: nothing started
            return
        button.setEnabled(False)
        button.setText(button.text().replace("&", "").rstrip("…") + " ✓")

    def _focus_moved(self, window: QWindow | None) -> None:
        if window is None:  # between two windows
            return
        previous, self._last_focus = self._last_focus, window
        mine, parent = self.windowHandle(), self.parentWidget()
        if not self.isVisible() or parent is None or window is not parent.window().windowHandle():
            return
        if previous is mine:
            self._step_started = False  # the person went to the main window: leave them there
        elif self._step_started and previous is not None:
            self.activateWindow()  # a step's window closed: back to First steps, where Escape closes it


def first_steps(window) -> FirstStepsDialog:  # noqa: ANN001 (MainWindow; imported lazily to avoid a cycle)
    actor = window.services.store.actor
    geography = window.services.geography
    force: ForceChoice = ([f.name for f in geography.forces()], geography.force().name, geography.use_force,
                          actor.can("geography.manage"))
    return FirstStepsDialog([
        ("Add an offline &basemap (MBTiles)…", "A map background that works without signal: an MBTiles file "
         "from your force's GIS team.", window.add_basemap, actor.can("basemap.manage")),
        ("Load &demo data", "Two years of synthetic rural incidents across Essex (the demo force), with a demo "
         "roster and patrols, clearly marked and removable.", window.load_demo_data, actor.can("data.purge")),
        ("&Import published crime (data.police.uk)…", "data.police.uk's download as it comes (its zip) or "
         "its street-level crime CSV files, for hotspots and harm analysis.", window.import_published,
         actor.can("import.published")),
    ], window, force)
