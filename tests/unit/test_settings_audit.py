"""A setting given again unchanged (Settings saves every section; a script may repeat a command) is neither
written nor audited; of several given at once, only those that change are audited."""

from __future__ import annotations

import json

from ruralwatch.core.patrol_plan import settings_to_dict
from ruralwatch.services.container import Services


def _settings(store) -> list[dict]:
    rows = store.db.execute("SELECT changes FROM audit_log WHERE action = 'settings' ORDER BY seq")
    # Without the covered rows' hashes the audit log adds: what changed, from what to what.
    return [{k: v for k, v in json.loads(row[0]).items() if k != "row_hashes"} for row in rows]


def test_unchanged_settings_are_not_audited(store) -> None:
    services = Services.build(store)
    rules = services.roster.rules()
    plan = services.patrols.default_settings()
    periods = services.retention.settings()
    services.roster.set_rules(rules.min_rest_hours, rules.max_weekly_hours, rules.max_reach)
    services.patrols.set_default_settings(plan.dwell_minutes, plan.road_factor, plan.speed_kmh)
    services.retention.set_settings(reporter_months=periods.reporter_months, track_months=periods.track_months)
    services.patrols.set_dose_radius_m(services.patrols.dose_radius_m())
    services.premises.set_repeat_window(services.premises.repeat_window())
    services.near_repeat.set_zone_settings(None, None)  # the zone is not set: clearing it changes nothing
    services.sync.set_central_dsn("")  # none set: forgetting it changes nothing
    assert _settings(store) == []

    services.roster.set_rules(rules.min_rest_hours, rules.max_weekly_hours + 1, rules.max_reach)
    services.retention.set_settings(reporter_months=periods.reporter_months + 1, track_months=periods.track_months)
    assert _settings(store) == [
        {"roster.max_weekly_hours": [rules.max_weekly_hours, rules.max_weekly_hours + 1]},
        {"retention.reporter_months": [periods.reporter_months, periods.reporter_months + 1]},
    ]
    assert services.roster.rules().max_weekly_hours == rules.max_weekly_hours + 1


def test_every_setter_audits_only_the_keys_that_changed_old_to_new(store) -> None:
    # One shape for every setter (policies.write_changed): {key: [old, new]} for each key that changed, no other key.
    services = Services.build(store)
    plan = services.patrols.default_settings()
    services.roster.set_rules(10, 24.0, "area")
    services.retention.set_settings(reporter_months=12, volunteer_months=9)
    services.patrols.set_dose_radius_m("150")
    services.premises.set_repeat_window(180)
    services.patrols.set_default_settings(plan.dwell_minutes, 1.355, plan.speed_kmh)
    services.near_repeat.set_zone_settings(500, 21)
    services.near_repeat.set_zone_settings(500, 30)  # recorded both keys, metres 500 -> 500 too
    services.near_repeat.set_zone_settings(None, 30)
    assert _settings(store) == [
        {"roster.min_rest_hours": [11.0, 10], "roster.max_reach": ["anywhere", "area"]},
        {"retention.volunteer_months": [6, 9]},
        {"patrol.dose_radius_m": [200.0, 150.0]},
        {"premises.repeat_window_days": [365, 180]},
        # As the policy writes them (settings_to_dict: no month split key for defaults, as before it was kept).
        {"patrol.plan_defaults": [settings_to_dict(plan), {**settings_to_dict(plan), "road_factor": 1.355}]},
        {"near_repeat.zone_metres": [None, 500.0], "near_repeat.zone_days": [None, 21]},
        {"near_repeat.zone_days": [21, 30]},
        {"near_repeat.zone_metres": [500.0, None]},
    ]
    assert services.patrols.default_settings().road_factor == 1.355
    assert services.near_repeat.zone_settings().days == 30


def test_choosing_the_force_audits_the_first_choice_and_not_the_same_force_again(store) -> None:
    services = Services.build(store)
    essex, suffolk = services.geography.force().code, "E23000025"
    assert not services.geography.chosen()
    services.geography.use_force("Essex")  # the default, but chosen now: the window stops asking at first start
    assert services.geography.chosen()
    services.geography.use_force("essex")  # the same force again (a script repeating itself)
    services.geography.use_force("Suffolk")
    services.geography.use_force("SUFFOLK")
    assert _settings(store) == [{"geography.force": [None, essex]}, {"geography.force": [essex, suffolk]}]


def test_the_central_store_is_audited_as_where_it_points_and_only_when_it_changes(store) -> None:
    services = Services.build(store)
    services.sync.set_central_dsn("postgresql://ret1@hq-server/ruralwatch")
    services.sync.set_central_dsn("  postgresql://ret1@hq-server/ruralwatch ")  # the same, typed again
    services.sync.set_central_dsn("service=hq")
    services.sync.set_central_dsn("")
    services.sync.set_central_dsn("")
    assert _settings(store) == [
        {"sync.central_dsn": [None, "ret1@hq-server/ruralwatch"]},
        {"sync.central_dsn": ["ret1@hq-server/ruralwatch", "service hq"]},
        {"sync.central_dsn": ["service hq", None]},
    ]


def _stored_settings(store) -> dict[str, str]:
    return dict(store.db.execute("SELECT key, value FROM meta WHERE key NOT LIKE 'audit.%'").fetchall())


def test_settings_saved_together_write_nothing_when_the_last_section_is_refused(store) -> None:
    """Settings saved section by section: a refused value in a later section left the earlier ones saved. Every
    service checks its values first (its rules), then one transaction writes them with one audit entry."""
    from ruralwatch.core.errors import ValidationError
    from ruralwatch.services.policies import save_all

    services = Services.build(store)
    before, audited = _stored_settings(store), len(_settings(store))
    checks = [lambda: services.patrols.default_settings_change(20, 1.4, 50),
              lambda: services.patrols.dose_radius_change(300),
              lambda: services.roster.rules_change(12, 30, "area"),
              lambda: services.premises.repeat_window_change(90),
              lambda: services.geography.force_change("Suffolk"),
              lambda: services.sync.central_dsn_change("service=hq"),
              lambda: services.retention.settings_change(reporter_months=5000, track_months="soon")]
    try:
        save_all(store, checks)
    except ValidationError as exc:
        assert [e.field for e in exc.errors] == ["reporter_months", "track_months"]
    else:
        raise AssertionError("a refused period was saved")
    assert _stored_settings(store) == before and len(_settings(store)) == audited

    # Two sections refused at once: both are named (Settings marks both boxes).
    checks[-1] = lambda: services.retention.settings_change(reporter_months=6)
    checks[2] = lambda: services.roster.rules_change(99, 500, "area")
    try:
        save_all(store, checks)
    except ValidationError as exc:
        assert [e.field for e in exc.errors] == ["min_rest_hours", "max_weekly_hours"]
    else:
        raise AssertionError("refused rostering rules were saved")
    assert _stored_settings(store) == before

    checks[2] = lambda: services.roster.rules_change(12, 30, "area")
    save_all(store, checks)
    entries = _settings(store)[audited:]
    assert len(entries) == 1  # one save, one entry naming every key it changed
    assert set(entries[0]) == {"patrol.plan_defaults", "patrol.dose_radius_m", "roster.min_rest_hours",
                               "roster.max_weekly_hours", "roster.max_reach", "premises.repeat_window_days",
                               "geography.force", "sync.central_dsn", "retention.reporter_months"}
    assert services.geography.force().name == "Suffolk" and services.retention.settings().reporter_months == 6
