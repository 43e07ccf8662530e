"""The central store from the window: its connection string in Settings (checked as the command line checks it),
and the Sync panel's one-step sync with it at the station, against a real PostgreSQL server."""

from __future__ import annotations

from ruralwatch.central.postgres import PgCentral
from ruralwatch.central.target import PgTarget
from ruralwatch.core.incident import IncidentInput
from ruralwatch.core.permissions import Actor
from ruralwatch.ui.settings_dialog import SettingsDialog


def test_settings_remember_the_central_store_and_refuse_a_password_keeping_what_was_typed(qtbot, services) -> None:
    dialog = SettingsDialog(services)
    qtbot.addWidget(dialog)
    assert dialog.central_dsn.text() == ""
    dialog.central_dsn.setText("postgresql://hq:secret@db.example/rw")
    assert not dialog.save()
    assert "password" in dialog.error.text() and dialog.central_dsn.text() == "postgresql://hq:secret@db.example/rw"
    assert "central_dsn" not in dialog.error.text()  # the person reads what the field is, not an internal name
    assert services.sync.central_dsn() == ""
    dialog.central_dsn.setText("  postgresql://ret1@hq-server/ruralwatch ")
    assert dialog.save()
    assert services.sync.central_dsn() == "postgresql://ret1@hq-server/ruralwatch"
    audited = [row[0] for row in services.store.db.execute(
        "SELECT changes FROM audit_log WHERE action = 'settings' AND changes LIKE '%sync.central_dsn%'")]
    assert len(audited) == 1 and "ret1@hq-server/ruralwatch" in audited[0]


def test_a_refused_connection_string_is_marked_said_in_the_windows_words_and_nothing_is_saved(qtbot,
                                                                                               services) -> None:
    """A walk typed a password into the string: the message read 'central store connection string: … (it would show
    in the shell history …)', the box was not outlined, and the patrol settings above it had been saved already."""
    from ruralwatch.ui import theme

    dialog = SettingsDialog(services)
    qtbot.addWidget(dialog)
    dwell = services.patrols.default_settings().dwell_minutes
    dialog.dwell.setValue(dwell + 5)
    dialog.central_dsn.setText("postgresql://ret1:secret@hq-server/ruralwatch")
    assert not dialog.save()
    assert dialog.error.text().startswith("Headquarters connection: a password in the connection string is refused")
    assert "shell history" in dialog.error.text() and "this laptop's settings" in dialog.error.text()
    assert dialog.central_dsn.styleSheet() == theme.invalid_style("QLineEdit")
    assert services.patrols.default_settings().dwell_minutes == dwell  # nothing saved
    dialog.central_dsn.setText("postgresql://ret1@hq-server/ruralwatch")
    dialog.central_dsn.textEdited.emit(dialog.central_dsn.text())
    assert dialog.central_dsn.styleSheet() == "" and "Sync with the central store" in dialog.central_dsn.toolTip()
    assert dialog.save()
    assert services.patrols.default_settings().dwell_minutes == dwell + 5


def test_a_special_cannot_point_the_laptop_elsewhere(qtbot, services) -> None:
    services.sync.set_central_dsn("service=hq")
    services.store.actor = Actor("sam", "special", "acc-1")
    dialog = SettingsDialog(services)
    qtbot.addWidget(dialog)
    assert not dialog.central_dsn.isEnabled() and dialog.central_dsn.text() == "service=hq"
    assert dialog.save()
    assert services.sync.central_dsn() == "service=hq"


def test_the_sync_panel_syncs_with_the_central_store_in_one_step(qtbot, window, services, pg_dsn) -> None:
    panel = window.sync_panel
    window.sync_dock.show()
    assert not panel.central_button.isEnabled() and "Settings" in panel.central_where.text()
    central, _ = PgCentral.init(PgTarget(pg_dsn))
    try:
        own = services.sync.identity()
        central.trust(own.device_id, own.public_key, "RET laptop")
        services.sync.trust(central.device_id, central.keys.public_hex(), "HQ")
    finally:
        central.close()
    services.incidents.record(IncidentInput(kind="hare_coursing", occurred_start="2026-11-20 07:00", lat=51.95,
                                            lon=0.34, place="Stubble field"))
    services.sync.set_central_dsn(pg_dsn)  # as Settings saves it: the panel shows it without a reload
    assert panel.central_button.isEnabled() and "Headquarters" in panel.central_where.text()
    with qtbot.waitSignal(panel.imported, timeout=60_000):
        panel.central_button.click()
    assert "sent" in panel.central_status.text() and not panel.problems
    central = PgCentral.open(PgTarget(pg_dsn))
    try:
        places = [row[0] for row in central.conn.execute("SELECT place FROM incidents")]
    finally:
        central.close()
    assert places == ["Stubble field"]


def test_an_unreachable_central_store_is_one_message_and_changes_nothing(qtbot, window, services, tmp_path) -> None:
    panel = window.sync_panel
    # A Unix socket folder with no server in it: libpq fails at once (no network wait).
    services.sync.set_central_dsn(f"host={tmp_path} dbname=ruralwatch")
    panel.reload()
    before = services.store.db.execute("SELECT count(*) FROM sync_peers").fetchone()[0]
    panel.central_button.click()
    qtbot.waitUntil(lambda: bool(panel.problems), timeout=30_000)
    assert panel.problems[-1].startswith("Not synced with the central store: cannot connect")
    assert panel.central_status.text() == panel.problems[-1]  # said beside the button, not further down
    assert services.store.db.execute("SELECT count(*) FROM sync_peers").fetchone()[0] == before


def test_trust_missing_on_either_side_is_said_in_the_panels_words_and_fits_it(qtbot, window, services,
                                                                             pg_dsn) -> None:
    """A walk pressed Sync with the central store before trusting it: the panel gave a `ruralwatch sync trust`
    command whose 64-digit key, one word, widened the dock past the screen (the message cut off at the right)."""
    from ruralwatch.ui.sync_panel import TrustDialog

    panel = window.sync_panel
    window.sync_dock.show()
    central, _ = PgCentral.init(PgTarget(pg_dsn))
    key = central.keys.public_hex()
    central.close()
    services.sync.set_central_dsn(pg_dsn)
    panel.central_button.click()
    qtbot.waitUntil(lambda: bool(panel.problems), timeout=30_000)
    said = panel.problems[-1]
    grouped = " ".join(key[i:i + 4] for i in range(0, 64, 4))  # the whole fingerprint
    assert "Trust a device…" in said and grouped in said and "ruralwatch" not in said
    assert panel.central_status.minimumSizeHint().width() < 400  # no word wider than a narrow dock
    # The key as the message groups it is taken by Trust a device….
    dialog = TrustDialog(services.sync, panel)
    qtbot.addWidget(dialog)
    dialog.device.setText(said.split("device ")[-1].split(",")[0])
    dialog.key.setText(grouped)
    dialog.submit()
    assert dialog.peer is not None and dialog.peer.public_key == key
    panel.central_button.click()
    qtbot.waitUntil(lambda: len(panel.problems) == 2, timeout=30_000)
    own = services.sync.identity()
    assert "does not trust this laptop yet: give your administrator" in panel.problems[-1]
    assert own.device_id in panel.problems[-1] and "ruralwatch" not in panel.problems[-1]
