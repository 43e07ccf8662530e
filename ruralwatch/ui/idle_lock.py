"""Lock the window after a while without use, and ask for the signed-in account's password again.

Every key press, click, mouse move and wheel turn in any of the application's windows restarts a timer:
an event filter sits on each window the user works in (the QWindow, which sees all of that window's input;
an event filter on QApplication itself crashes PySide 6.12 next to QtWebEngine, so there is none).
When the timer runs out (IDLE_MINUTES), or on Account ▸ Lock now, the window's data is hidden: the central
widget and every dock's contents are hidden, a lock screen covers the whole window, other windows of the
application (incident forms, floating docks) are hidden, modal dialogs are cancelled, and the window's
actions and shortcuts are disabled. Only the account's password brings it all back; it is checked against
the keyring like a sign-in, so wrong passwords count towards the lock-out. A locked-out or forgotten
password leaves "Quit", and "Not jsmith? Sign out" (Alt+N) lets the next person sign in as themselves.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

import shiboken6
from PySide6.QtCore import QByteArray, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QShortcut, QWindow
from PySide6.QtWidgets import (
    QDialog,
    QDockWidget,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QProgressDialog,
    QPushButton,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from ruralwatch.core.errors import RuralWatchError
from ruralwatch.core.permissions import ACCOUNT_ROLE_NAMES
from ruralwatch.core.words import plural
from ruralwatch.services.accounts import confirm_password
from ruralwatch.store.database import Store
from ruralwatch.ui import settings_keys, theme
from ruralwatch.ui.signin import busy_cursor, password_edit, refused_words
from ruralwatch.ui.widgets.widget_lists import top_level_widgets

IDLE_MINUTES = float(settings_keys.IDLE_MINUTES.default)
ACTIVITY_EVENTS = frozenset({
    QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonDblClick, QEvent.Type.MouseMove,
    QEvent.Type.Wheel, QEvent.Type.TouchBegin, QEvent.Type.TouchUpdate, QEvent.Type.TabletPress,
})
# Menus, tooltips and completer pop-ups are closed when the window locks and not shown again.
TRANSIENT_WINDOWS = frozenset({Qt.WindowType.Popup, Qt.WindowType.ToolTip, Qt.WindowType.SplashScreen})


class LockScreen(QFrame):
    """What covers the window while it is locked: who is signed in, a password field, Unlock and Quit."""

    unlock_requested = Signal(str)
    quit_requested = Signal()
    sign_out_requested = Signal()

    def __init__(self, username: str, role: str, minutes: float, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("lockScreen")
        self.setAutoFillBackground(True)
        self.setStyleSheet(
            "#lockScreen { background: #263238; }"
            # The card takes the palette's window colour, so its labels (palette text) read on light and dark.
            "#lockCard { background: palette(window); border-radius: 8px; }"
            "#lockTitle { font-size: 16pt; font-weight: bold; }"
            "#lockWho { font-size: 14pt; }"
            f"#lockError {{ {theme.error_style()} }}"
        )
        card = QFrame()
        card.setObjectName("lockCard")
        card.setMinimumWidth(420)
        card.setMaximumWidth(520)
        title = QLabel("RuralWatch is locked")
        title.setObjectName("lockTitle")
        # As the sign-in shows a remembered account: whose password this asks for, large, and a button for anyone
        # else (Alt+N), so a second person does not type theirs as a wrong password of the first.
        self.username = username
        self.who = QLabel(f"Signed in as <b>{escape(username)}</b> ({ACCOUNT_ROLE_NAMES.get(role, role)})")
        self.who.setObjectName("lockWho")
        self.who.setWordWrap(True)
        self.explanation = QLabel()
        self.explanation.setWordWrap(True)
        self.set_minutes(minutes)
        self.password = password_edit("password")
        self.password.returnPressed.connect(self._submit)
        self.unlock_button = QPushButton("Unlock")
        self.unlock_button.setDefault(True)
        self.unlock_button.clicked.connect(self._submit)
        self.quit_button = QPushButton("Quit RuralWatch")
        self.quit_button.setToolTip("Close the window (forms not saved are lost)")
        self.quit_button.clicked.connect(self.quit_requested)
        # A shared vehicle laptop: the next crew signs the last one out and in as themselves.
        self.sign_out_button = QPushButton(f"&Not {username.replace('&', '&&')}? Sign out")
        self.sign_out_button.setToolTip("Alt+N: sign this account out, so someone else can sign in as themselves "
                                        "(forms not saved are lost)")
        self.sign_out_button.clicked.connect(self.sign_out_requested)
        self.error_label = QLabel()
        self.error_label.setObjectName("lockError")
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        row = QHBoxLayout()
        row.addWidget(self.password, 1)
        row.addWidget(self.unlock_button)
        inner = QVBoxLayout(card)
        inner.setContentsMargins(24, 20, 24, 20)
        inner.setSpacing(10)
        inner.addWidget(title)
        inner.addWidget(self.who)
        inner.addWidget(self.explanation)
        inner.addLayout(row)
        inner.addWidget(self.error_label)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(self.sign_out_button)
        bottom.addWidget(self.quit_button)
        inner.addLayout(bottom)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        middle = QHBoxLayout()
        middle.addStretch(1)
        middle.addWidget(card)
        middle.addStretch(1)
        outer.addLayout(middle)
        outer.addStretch(2)

    def set_minutes(self, minutes: float) -> None:
        """Say the idle time in force now (it was written once, and a changed setting was misreported)."""
        when = f"{minutes:g} {plural(minutes, 'minute')}"
        self.explanation.setText(f"The data is hidden after {when} without use, or when you lock it. Enter your "
                                 f"password to carry on; someone else signs {escape(self.username)} out first.")

    def _submit(self) -> None:
        self.unlock_requested.emit(self.password.text())

    def show_error(self, message: str) -> None:
        self.error_label.setText(message)
        self.error_label.setVisible(bool(message))

    def reset(self) -> None:
        self.password.clear()
        self.show_error("")


class IdleLock(QObject):
    """Locks `window` after `minutes` without keyboard or mouse input; unlocks with the account's password."""

    locked = Signal()
    unlocked = Signal()
    sign_out_requested = Signal()  # from the lock screen: the window signs out without asking

    def __init__(self, window: QMainWindow, store: Store, minutes: float = IDLE_MINUTES) -> None:
        super().__init__(window)
        self.window = window
        self.store = store
        self.db_path: Path = store.path
        self.username = store.actor.username
        self.minutes = minutes
        self.is_locked = False
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(max(1, round(minutes * 60_000)))
        self.timer.timeout.connect(self.on_timeout)
        self.screen = LockScreen(self.username, store.actor.role, minutes, window)
        self.screen.unlock_requested.connect(self.try_unlock)
        self.screen.quit_requested.connect(window.close)
        self.screen.sign_out_requested.connect(self.sign_out_requested)
        self.screen.hide()
        self._hidden: list[QWidget] = []
        self._disabled: list[QObject] = []
        self._layout: QByteArray | None = None  # the window's docks as they were when it locked
        self._watched: list[QWindow] = []
        window.installEventFilter(self)  # the main window widget itself: resizes, so the cover follows
        self.watch(window.windowHandle())
        app = QGuiApplication.instance()
        if isinstance(app, QGuiApplication):
            app.focusWindowChanged.connect(self.watch)
        self.timer.start()

    def set_minutes(self, minutes: float) -> None:
        """A new idle time from Settings; the count starts again."""
        self.minutes = minutes
        self.timer.setInterval(max(1, round(minutes * 60_000)))
        self.screen.set_minutes(minutes)
        if not self.is_locked:
            self.timer.start()

    # --- watching for use ---------------------------------------------------------------------------------

    def watch(self, handle: QWindow | None) -> None:
        """Count input in this window (every window the user works in gets focus first, so it is watched)."""
        if handle is None or any(handle is seen for seen in self._watched):
            return
        self._watched = [seen for seen in self._watched if shiboken6.isValid(seen)]
        handle.installEventFilter(self)
        self._watched.append(handle)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        kind = event.type()
        if watched is self.window:
            if kind == QEvent.Type.Resize and self.is_locked:
                self._cover()
        elif kind in ACTIVITY_EVENTS and not self.is_locked:
            self.timer.start()
        return False

    def on_timeout(self) -> None:
        """No input for the whole interval (tests call this directly)."""
        self.lock()

    # --- locking ------------------------------------------------------------------------------------------

    def lock(self) -> None:
        if self.is_locked:
            return
        self.is_locked = True
        self.timer.stop()
        window = self.window
        # Hiding the panels' contents lets the dock areas shrink to nothing; their sizes come back with this state
        # (a walk-through found a 540 px panel back at 235 px after unlocking, its buttons cut off).
        self._layout = window.saveState()
        self._hidden = []
        for top in top_level_widgets():  # safe from a garbage collection half way (widget_lists)
            if top is window or not top.isVisible() or isinstance(top, QProgressDialog):
                continue  # a progress dialog shows no data, and cancelling it would stop the work
            if isinstance(top, QDialog) and top.isModal():
                top.reject()  # like pressing Cancel: its caller carries on, the window stays usable
                continue
            top.hide()
            if top.windowType() not in TRANSIENT_WINDOWS:
                self._hidden.append(top)  # incident forms, floating docks: shown again, as they were, after unlocking
        for widget in self._data_widgets():
            if not widget.isHidden():
                widget.hide()
                self._hidden.append(widget)
        # No menu, toolbar or shortcut (new incident, open a panel…) while locked.
        self._disabled = [s for s in self._switches() if s.isEnabled()]
        for switch in self._disabled:
            switch.setEnabled(False)
        self.screen.reset()
        self._cover()
        self.screen.show()
        self.screen.raise_()
        self.screen.password.setFocus(Qt.FocusReason.OtherFocusReason)
        self.locked.emit()

    def _data_widgets(self) -> list[QWidget]:
        widgets = [self.window.centralWidget()]
        widgets += [dock.widget() for dock in self.window.findChildren(QDockWidget) if dock.widget() is not None]
        return [w for w in widgets if w is not None]

    def _switches(self) -> list[QObject]:
        """The menu bar, toolbars, the window's and menus' actions and its shortcuts: off while locked."""
        window = self.window
        bar = window.menuBar()
        toolbars = list(window.findChildren(QToolBar))
        actions = list(window.actions())
        for menu in bar.findChildren(QMenu):
            actions += menu.actions()
        for toolbar in toolbars:
            actions += toolbar.actions()
        unique = list({id(action): action for action in actions}.values())
        return [bar, *toolbars, *unique, *window.findChildren(QShortcut)]

    def _cover(self) -> None:
        if self.is_locked:
            self.screen.setGeometry(self.window.rect())
            self.screen.raise_()

    def try_unlock(self, password: str) -> bool:
        """Check the password like a sign-in (failures count towards the lock-out); unlock when it is right."""
        if not self.is_locked:
            return True
        if not password:
            self.screen.show_error("Enter your password.")
            return False
        try:
            with busy_cursor():
                confirm_password(self.store, password)
        except (RuralWatchError, OSError) as exc:
            # Named as the sign-in names it ("Wrong password for jsmith: 4 tries left…"): the account is fixed here.
            self.screen.password.clear()
            self.screen.show_error(refused_words(self.username, exc))
            self.screen.password.setFocus(Qt.FocusReason.OtherFocusReason)
            return False
        self.unlock()
        return True

    def unlock(self) -> None:
        self.is_locked = False
        self.screen.reset()
        self.screen.hide()
        for switch in self._disabled:
            if shiboken6.isValid(switch):
                switch.setEnabled(True)
        for widget in self._hidden:
            if shiboken6.isValid(widget):
                widget.show()
        if self._layout is not None:
            # Once the shown contents are laid out again, or the dock areas keep their shrunken sizes.
            QTimer.singleShot(0, self.window, lambda state=self._layout: self.window.restoreState(state))
        self._hidden, self._disabled, self._layout = [], [], None
        self.timer.start()
        self.unlocked.emit()

    def dispose(self) -> None:
        """Stop watching (the window is closing)."""
        self.timer.stop()
        app = QGuiApplication.instance()
        if isinstance(app, QGuiApplication):
            try:
                app.focusWindowChanged.disconnect(self.watch)
            except (RuntimeError, TypeError):
                pass
        for handle in self._watched:
            if shiboken6.isValid(handle):
                handle.removeEventFilter(self)
        self._watched = []
        self.window.removeEventFilter(self)
