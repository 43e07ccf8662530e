"""A damaged database at sign-in offers its latest good backup; the window makes a start-up backup."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import Qt

from ruralwatch.services.accounts import create_database, sign_in
from ruralwatch.services.backups import backup_now, list_with_status
from ruralwatch.services.container import Services
from ruralwatch.services.demo import load_demo
from ruralwatch.store.keyring import TEST_PARAMS
from ruralwatch.ui.signin import SignInDialog
from ruralwatch.ui.tasks import NEVER_MS

PASSWORD = "correct horse battery"


def _database_with_a_backup(path: Path) -> int:
    store = create_database(path, "admin", PASSWORD, TEST_PARAMS)
    try:
        load_demo(Services.build(store).incidents, count=400, now=datetime(2026, 11, 20, tzinfo=UTC))
        backup_now(store)
        return int(store.db.execute("SELECT COUNT(*) FROM incidents").fetchone()[0])
    finally:
        store.close()


def _damage(path: Path) -> None:
    size = path.stat().st_size
    with path.open("r+b") as handle:  # scribble over pages in the middle of the file
        handle.seek(size // 2)
        handle.write(b"\xff" * 8192)


def test_a_damaged_database_offers_its_latest_good_backup(qtbot, tmp_path: Path) -> None:
    path = tmp_path / "rw.db"
    count = _database_with_a_backup(path)
    _damage(path)
    dialog = SignInDialog(path, ("admin",))
    qtbot.addWidget(dialog)
    offered: list[str] = []

    def choose_restore(box):  # noqa: ANN001, ANN202
        offered.append(box.text())
        return next(b for b in box.buttons() if b.text().startswith("Restore"))

    dialog.ask = choose_restore
    dialog.show()
    qtbot.keyClicks(dialog.password, PASSWORD)
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    assert offered and "cannot be used" in offered[0]
    assert dialog.store is not None, dialog.fatal
    try:
        assert dialog.store.db.execute("SELECT COUNT(*) FROM incidents").fetchone()[0] == count
        assert dialog.store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        dialog.store.close()
    assert list(tmp_path.glob("rw.db.before-restore-*")), "the damaged file is kept, so a restore can be undone"


def test_the_window_makes_a_start_up_backup_off_the_ui_thread(qtbot, tmp_path: Path) -> None:
    from ruralwatch.ui.application import start_backups
    from ruralwatch.ui.main_window import MainWindow

    path = tmp_path / "rw.db"
    create_database(path, "admin", PASSWORD, TEST_PARAMS).close()
    store = sign_in(path, "admin", PASSWORD)
    window = MainWindow(Services.build(store), tmp_path / "page")
    try:
        with qtbot.waitSignal(window.map.incidents_shown, timeout=30_000):
            window.show()
        start_backups(window)
        qtbot.waitUntil(lambda: bool(window.tasks), timeout=10_000)
        task = window.tasks[-1]
        # No window-modal progress dialog two seconds after signing in (a walk found it locking the window on a
        # database of published crime): the status bar says it.
        assert task.dialog.minimumDuration() == NEVER_MS
        assert window.statusBar().currentMessage() == "Backing up in the background…"
        with qtbot.waitSignal(task.finished, timeout=30_000):
            pass
        assert window.statusBar().currentMessage() == "Automatic backup made."
        made = list_with_status(store)
        # The first backup of a laptop is its first daily one too (services.backups: one copy per start).
        assert [b.info.reason for b in made] == ["daily"] and made[0].verified
    finally:
        window.dispose()
        store.close()
