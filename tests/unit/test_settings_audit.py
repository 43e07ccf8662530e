"""A setting given again unchanged (Settings saves every section; a script may repeat a command) is neither
written nor audited; of several given at once, only those that change are audited."""

from __future__ import annotations

import json

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
    assert _settings(store) == []

    services.roster.set_rules(rules.min_rest_hours, rules.max_weekly_hours + 1, rules.max_reach)
    services.retention.set_settings(reporter_months=periods.reporter_months + 1, track_months=periods.track_months)
    assert _settings(store) == [
        {"roster.max_weekly_hours": [rules.max_weekly_hours, rules.max_weekly_hours + 1]},
        {"retention.reporter_months": [periods.reporter_months, periods.reporter_months + 1]},
    ]
    assert services.roster.rules().max_weekly_hours == rules.max_weekly_hours + 1
