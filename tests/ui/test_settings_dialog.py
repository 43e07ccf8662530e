"""Settings: each section saves through its service, and a role that may not change one sees it read-only."""

from __future__ import annotations

import json

from ruralwatch.core.permissions import Actor
from ruralwatch.ui.settings_dialog import SettingsDialog


def test_settings_save_planning_rostering_and_retention(qtbot, services) -> None:
    dialog = SettingsDialog(services)
    qtbot.addWidget(dialog)
    dialog.dwell.setValue(12)
    dialog.road_factor.setValue(1.3)
    dialog.max_weekly.setValue(20)
    assert dialog.max_reach.currentData() == "anywhere"
    dialog.max_reach.setCurrentIndex(dialog.max_reach.findData("area"))
    dialog.reporter_months.setValue(18)
    assert dialog.track_months.value() == 12  # the default for recorded patrol tracks
    dialog.track_months.setValue(3)
    dialog.idle_minutes.setValue(5)
    assert dialog.save()
    assert services.patrols.default_settings().dwell_minutes == 12
    assert services.patrols.default_settings().road_factor == 1.3
    assert services.roster.rules().max_weekly_hours == 20 and services.roster.rules().max_reach == "area"
    assert services.retention.settings().reporter_months == 18
    assert services.retention.settings().track_months == 3
    entry = services.store.db.execute("SELECT changes FROM audit_log WHERE action = 'settings' AND changes LIKE"
                                      " '%retention.track_months%'").fetchone()
    assert entry is not None and json.loads(entry[0])["retention.track_months"] == [12, 3]  # audited
    again = SettingsDialog(services)
    qtbot.addWidget(again)
    assert again.idle_minutes.value() == 5 and again.dwell.value() == 12
    assert again.max_reach.currentData() == "area"
    assert again.track_months.value() == 3


def test_a_special_sees_team_rules_read_only(qtbot, services) -> None:
    services.store.actor = Actor("sam", "special", "acc-1")
    dialog = SettingsDialog(services)
    qtbot.addWidget(dialog)
    assert not dialog.plan_group.isEnabled()
    assert not dialog.max_weekly.isEnabled() and not dialog.reporter_months.isEnabled()
    assert not dialog.track_months.isEnabled()
    dialog.large_text.setChecked(True)
    assert dialog.save()  # the user's own display options still save
    assert services.roster.rules().max_weekly_hours == 24


def test_settings_and_first_steps_open_from_the_window(qtbot, window) -> None:
    dialog = window.open_settings()
    assert dialog.isVisible() and not dialog.isModal()
    calls: list[str] = []
    window.load_demo_data = lambda: calls.append("demo")
    dialog.setup_button.click()
    steps = window.findChildren(type(window.open_first_steps()))[0]
    assert not dialog.isVisible()
    demo = next(b for label, b in steps.buttons.items() if "demo" in label)
    assert demo.isEnabled()  # the plain test store acts as the system: every step is allowed
    demo.click()
    # The dialog stays for the other steps; the demo's button says it was done and cannot load it twice.
    assert calls == ["demo"] and steps.isVisible()
    assert not demo.isEnabled() and demo.text().endswith("✓")


def test_near_repeat_zone_settings_save_only_when_changed(qtbot, services) -> None:
    dialog = SettingsDialog(services)
    qtbot.addWidget(dialog)
    assert (dialog.zone_metres.value(), dialog.zone_days.value()) == (400, 14)
    assert dialog.zone_source.text().startswith("The default")
    assert dialog.save()
    assert services.near_repeat.zone_settings().source == "default"  # untouched: still follows a Knox result
    again = SettingsDialog(services)
    qtbot.addWidget(again)
    again.zone_metres.setValue(250)
    again.zone_days.setValue(10)
    assert again.save()
    zone = services.near_repeat.zone_settings()
    assert (zone.metres, zone.days, zone.source) == (250.0, 10, "setting")
    services.store.actor = Actor("sam", "special", "acc-1")
    read_only = SettingsDialog(services)
    qtbot.addWidget(read_only)
    assert not read_only.zone_metres.isEnabled()


def test_repeat_window_and_premises_contacts_retention_save_through_their_services(qtbot, services) -> None:
    dialog = SettingsDialog(services)
    qtbot.addWidget(dialog)
    assert dialog.repeat_days.value() == 365 and dialog.premises_months.value() == 12  # the defaults
    assert dialog.save()
    assert services.store.db.execute("SELECT count(*) FROM audit_log WHERE changes LIKE "
                                     "'%premises.repeat_window_days%'").fetchone()[0] == 0  # unchanged: not written
    again = SettingsDialog(services)
    qtbot.addWidget(again)
    again.repeat_days.setValue(180)
    again.premises_months.setValue(24)
    assert again.save()
    assert services.premises.repeat_window() == 180 and services.retention.settings().premises_months == 24
    entries = [json.loads(row[0]) for row in services.store.db.execute(
        "SELECT changes FROM audit_log WHERE action = 'settings'")]
    assert any(e.get("premises.repeat_window_days") == [365, 180] for e in entries)  # audited
    assert any(e.get("retention.premises_months") == [12, 24] for e in entries)
    shown = SettingsDialog(services)
    qtbot.addWidget(shown)
    assert (shown.repeat_days.value(), shown.premises_months.value()) == (180, 24)

    # An analyst may change neither the register's rules nor retention: both read-only, nothing saved.
    services.store.actor = Actor("ann", "analyst", "acc-2")
    read_only = SettingsDialog(services)
    qtbot.addWidget(read_only)
    assert not read_only.repeat_days.isEnabled() and not read_only.premises_months.isEnabled()
    assert read_only.save() and services.premises.repeat_window() == 180


def test_review_asks_to_save_periods_typed_but_not_saved_and_reviews_with_them(qtbot, services) -> None:
    # A walk typed 1 month for reporters' contacts, pressed Review and anonymise…, and read "Nothing is due" worked
    # out with the 12 months still saved; the line above the button said the same and did not change.
    from datetime import UTC, datetime

    from ruralwatch.core.clock import HybridLogicalClock
    from ruralwatch.core.incident import IncidentInput

    services.retention.set_settings(reporter_months=60)
    store, real_clock = services.store, services.store.clock
    then = int(datetime(2024, 6, 1, 12, tzinfo=UTC).timestamp() * 1000)
    store.clock = HybridLogicalClock(store.device_id, wall_millis=lambda: then)
    try:  # closed in June 2024: due after 12 months, not after the 60 saved
        services.incidents.record(IncidentInput(kind="hare_coursing", occurred_start="2024-05-31 07:00", lat=51.9,
                                                lon=0.35, status="closed", reporter_name="Ann Farmer"))
    finally:
        store.clock = real_clock
    dialog = SettingsDialog(services)
    qtbot.addWidget(dialog)
    assert dialog.retention_due.text() == "Nothing is due for anonymising now."
    dialog.reporter_months.setValue(12)
    assert dialog.retention_due.text().startswith("Periods changed here")

    asked: list[str] = []
    dialog.confirm = lambda title, question: asked.append(question) or False
    assert dialog.open_retention() is None
    assert "Reporters' contacts: 12 months (saved: 60 months)" in asked[0]
    assert services.retention.settings().reporter_months == 60  # No: nothing saved, no review

    dialog.confirm = lambda title, question: True
    review = dialog.open_retention()
    assert review is not None
    with qtbot.waitSignal(review.previewed, timeout=30_000) as previewed:
        pass
    assert previewed.args[0].total == 1
    assert services.retention.settings().reporter_months == 12
    assert dialog.retention_due.text().startswith("1 records are due")


def _settings_entries(services) -> list[dict]:
    rows = services.store.db.execute("SELECT changes FROM audit_log WHERE action = 'settings' ORDER BY seq")
    return [{k: v for k, v in json.loads(row[0]).items() if k != "row_hashes"} for row in rows]


def test_saving_settings_audits_only_what_changed(qtbot, services) -> None:
    # Each save audited every group as changed: "roster.max_reach: anywhere -> anywhere", the planning defaults,
    # every retention period.
    before = len(_settings_entries(services))
    dialog = SettingsDialog(services)
    qtbot.addWidget(dialog)
    assert dialog.save()
    assert len(_settings_entries(services)) == before  # nothing changed: nothing audited
    again = SettingsDialog(services)
    qtbot.addWidget(again)
    again.max_weekly.setValue(20)
    again.reporter_months.setValue(18)
    assert again.save()
    changes = _settings_entries(services)[before:]
    assert [sorted(entry) for entry in changes] == [["retention.reporter_months", "roster.max_weekly_hours"]]
    assert all(old != new for entry in changes for old, new in entry.values())


def _stored(services) -> tuple[dict[str, str], int]:
    meta = dict(services.store.db.execute("SELECT key, value FROM meta WHERE key NOT LIKE 'audit.%'").fetchall())
    return meta, services.store.db.execute("SELECT count(*) FROM audit_log").fetchone()[0]


def test_saving_unchanged_settings_writes_nothing_whatever_the_stored_precision(qtbot, services) -> None:
    # A road factor of 1.355 set through the service showed as 1.35/1.36 in a 2-decimal box, and Save with nothing
    # changed rewrote and audited it; so did a half-minute dwell, a decimal speed or a 10.25 h rest.
    services.patrols.set_default_settings(12.5, 1.355, 42.7)
    services.patrols.set_dose_radius_m(137.5)
    services.roster.set_rules(10.25, 23.75, "area")
    services.retention.set_settings(reporter_months=18, track_months=3, premises_months=24)
    services.near_repeat.set_zone_settings(333.3, 10)
    services.premises.set_repeat_window(200)
    services.geography.use_force("Suffolk")
    services.sync.set_central_dsn("  postgresql://ann@hq-server/ruralwatch ")
    before = _stored(services)
    dialog = SettingsDialog(services)
    qtbot.addWidget(dialog)
    # Each box shows what is stored (the road factor showed 1.35 or 1.36, the dwell 13 min, the radius 138 m).
    shown = [box.text() for box in (dialog.dwell, dialog.road_factor, dialog.speed, dialog.dose_radius,
                                    dialog.min_rest, dialog.max_weekly, dialog.zone_metres)]
    assert shown == ["12.5 min", "1.355", "42.7 km/h", "137.5 m", "10.25 h", "23.75 h", "333.3 m"]
    assert dialog.save()
    assert _stored(services) == before  # nothing written, nothing audited

    # Changing one box saves that one alone: the others keep their stored precision.
    again = SettingsDialog(services)
    qtbot.addWidget(again)
    again.speed.setValue(50)
    again.min_rest.setValue(12)
    assert again.save()
    # Whole values show with the boxes' own decimals again.
    shown = SettingsDialog(services)
    qtbot.addWidget(shown)
    assert (shown.speed.text(), shown.min_rest.text()) == ("50 km/h", "12.0 h")
    plan, rules = services.patrols.default_settings(), services.roster.rules()
    assert (plan.dwell_minutes, plan.road_factor, plan.speed_kmh) == (12.5, 1.355, 50.0)
    assert (rules.min_rest_hours, rules.max_weekly_hours) == (12.0, 23.75)
    changes = _settings_entries(services)[-1:]
    assert changes[0]["patrol.plan_defaults"][1]["road_factor"] == 1.355
    assert [sorted(entry) for entry in changes] == [["patrol.plan_defaults", "roster.min_rest_hours"]]


def test_a_refused_value_in_the_last_section_saves_no_section_and_keeps_everything_typed(qtbot, services) -> None:
    """A walk found a refused value in one section left the sections above it saved. Settings checks every section
    through its service first, then saves all in one transaction (one audit entry), or none."""
    from ruralwatch.ui import theme

    dialog = SettingsDialog(services)
    qtbot.addWidget(dialog)
    meta, entries = _stored(services)
    entries_before = len(_settings_entries(services))
    dialog.dwell.setValue(25)
    dialog.max_weekly.setValue(30)
    dialog.repeat_days.setValue(90)
    dialog.zone_metres.setValue(800)
    dialog.force.setCurrentIndex(dialog.force.findText("Suffolk"))
    dialog.central_dsn.setText("service=hq")
    dialog.premises_months.setMaximum(5000)  # a box that lets through what the service refuses
    dialog.premises_months.setValue(5000)
    assert not dialog.save()
    assert _stored(services) == (meta, entries)  # no section saved, nothing audited
    assert dialog.error.text() == ("Premises' contacts, after they leave the register: months are 0 (keep for ever) "
                                   "to 1200, not 5000")
    assert dialog.premises_months.styleSheet() == theme.invalid_style("QSpinBox")
    assert (dialog.dwell.value(), dialog.max_weekly.value(), dialog.repeat_days.value(), dialog.zone_metres.value(),
            dialog.force.currentText(), dialog.central_dsn.text()) == (25, 30, 90, 800, "Suffolk", "service=hq")

    dialog.premises_months.setValue(24)  # editing the box takes its mark and gives its own tip back
    assert dialog.premises_months.styleSheet() == "" and "register" in dialog.premises_months.toolTip()
    assert dialog.save()
    saved = _settings_entries(services)
    assert len(saved) == entries_before + 1  # one save, one entry
    assert sorted(saved[-1]) == ["geography.force", "near_repeat.zone_days", "near_repeat.zone_metres",
                                 "patrol.plan_defaults", "premises.repeat_window_days", "retention.premises_months",
                                 "roster.max_weekly_hours", "sync.central_dsn"]
    assert services.patrols.default_settings().dwell_minutes == 25 and services.geography.force().name == "Suffolk"


def test_refused_values_in_two_sections_are_both_marked(qtbot, services) -> None:
    from ruralwatch.ui import theme

    dialog = SettingsDialog(services)
    qtbot.addWidget(dialog)
    dialog.central_dsn.setText("postgresql://ret1:secret@hq-server/ruralwatch")
    dialog.max_weekly.setMaximum(500)
    dialog.max_weekly.setValue(500)
    assert not dialog.save()
    lines = dialog.error.text().splitlines()
    assert [line.split(":")[0] for line in lines] == ["Hours per week at most", "Headquarters connection"]
    assert dialog.max_weekly.styleSheet() == theme.invalid_style("QDoubleSpinBox")
    assert dialog.central_dsn.styleSheet() == theme.invalid_style("QLineEdit")
