"""First steps after the administrator is created: a basemap, demo data or published crime. Each is optional,
and the same dialog opens again from Settings ("Run the first-start steps again")."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPushButton, QVBoxLayout, QWidget

from ruralwatch.ui import theme


class FirstStepsDialog(QDialog):
    """Buttons for the optional set-up steps; each calls the window's own action (with its progress and cancel)."""

    def __init__(self, steps: list[tuple[str, str, Callable[[], object], bool]], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("First steps")
        layout = QVBoxLayout(self)
        intro = QLabel("RuralWatch is ready. These steps are optional; skip any of them, and come back here from "
                       "File ▸ Settings at any time.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.buttons: dict[str, QPushButton] = {}
        for label, explanation, action, allowed in steps:
            button = QPushButton(label)
            button.setEnabled(allowed)
            button.setToolTip(explanation if allowed else "Not for your role")
            button.clicked.connect(lambda _checked=False, run=action: self._run(run))
            layout.addWidget(button)
            note = QLabel(explanation)
            note.setWordWrap(True)
            note.setStyleSheet(theme.hint_style())
            layout.addWidget(note)
            self.buttons[label] = button
        done = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        done.rejected.connect(self.reject)
        layout.addWidget(done)

    def _run(self, action: Callable[[], object]) -> None:
        self.accept()
        action()


def first_steps(window) -> FirstStepsDialog:  # noqa: ANN001 (MainWindow; imported lazily to avoid a cycle)
    actor = window.services.store.actor
    return FirstStepsDialog([
        ("Add an offline &basemap (MBTiles)…", "A map background that works without signal: an MBTiles file "
         "from your force's GIS team.", window.add_basemap, actor.can("basemap.manage")),
        ("Load &demo data", "Two years of synthetic rural incidents across Essex, with a demo roster and "
         "patrols, clearly marked and removable.", window.load_demo_data, actor.can("data.purge")),
        ("&Import published crime (data.police.uk)…", "Street-level crime CSV files downloaded from "
         "data.police.uk, for hotspots and harm analysis.", window.import_published,
         actor.can("import.published")),
    ], window)
