"""Alerts to the community in the window: composed from the selected incident (menu and context menu), warnings
shown as typed, a refused save keeping the form, approved and exported from the alerts list; sized for 1366x768."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import QDate
from PySide6.QtWidgets import QMenu

from ruralwatch.core.incident import IncidentInput, VehicleInput
from ruralwatch.core.permissions import Actor
from ruralwatch.services.container import Services
from ruralwatch.ui.alert_dialog import AlertComposeDialog, AlertsDialog

NOW = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)  # the time is injected, never today's


def _incident(services: Services) -> str:
    return services.incidents.record(IncidentInput(
        kind="hare_coursing", occurred_start="2026-11-20 19:42", lat=51.954, lon=0.344,
        place="Brook Farm, near Thaxted", reporter_name="Mary Reporter", reporter_phone="07700 900456",
        vehicles=[VehicleInput("AB12CDE", role="suspect", make="Mitsubishi", model="L200", colour="Silver")])).id


def _services(services: Services) -> Services:
    return Services.build(services.store, services.hub, clock=lambda: NOW)


def test_the_compose_dialog_previews_warns_and_keeps_what_was_typed(qtbot, services: Services) -> None:
    services = _services(services)
    incident_id = _incident(services)
    dialog = AlertComposeDialog(services, services.alerts.draft_for_incident(incident_id))
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.width() <= 1366 and dialog.height() <= 700
    preview = dialog.preview.toPlainText()
    assert "Uttlesford" in preview and "evening of 20 november 2026" in preview.lower(), preview
    assert "Brook Farm" not in preview and "AB12" not in preview and "19:42" not in preview
    assert dialog.warnings.isHidden()

    dialog.summary.setPlainText("Silver L200 AB12 CDE seen at TL 5400 3000.")
    qtbot.waitUntil(lambda: "AB12 CDE" in dialog.warnings.text() and "grid reference" in dialog.warnings.text())
    assert not dialog.warnings.isHidden()
    tick = next(iter(dialog.release.values()))
    tick.setChecked(True)  # released: the registration is no longer a warning, and the preview shows it
    qtbot.waitUntil(lambda: "AB12 CDE" not in dialog.warnings.text())
    assert "registration AB12 CDE" in dialog.preview.toPlainText()

    dialog.last.setDate(QDate(2026, 11, 1))  # before the first day: refused, the form keeps everything
    dialog.save()
    assert "window" in dialog.error.text() or "ends before" in dialog.error.text()
    assert dialog.isVisible() and "TL 5400 3000" in dialog.summary.toPlainText() and tick.isChecked()
    assert services.alerts.list() == []

    dialog.last.setDate(QDate(2026, 11, 20))
    dialog.summary.setPlainText("Coursers with lurchers, silver L200 AB12 CDE.")
    with qtbot.waitSignal(dialog.saved) as saved:
        dialog.save()
    alert = services.alerts.get(saved.args[0])
    assert alert.status == "draft" and alert.released_vehicles == {tick_id for tick_id in dialog.release}


def test_the_alerts_list_approves_and_exports(qtbot, services: Services, tmp_path: Path) -> None:
    services = _services(services)
    store = services.store
    store.actor = Actor("sc1", "special")
    draft = services.alerts.compose(services.alerts.draft_for_incident(_incident(services)))
    store.actor = Actor("pc1", "ret_officer")
    dialog = AlertsDialog(services)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.width() <= 1366 and dialog.height() <= 700
    assert dialog.selected_id() == draft.id and "Draft" in dialog.detail.toPlainText()
    assert dialog.approve_button.isEnabled() and not dialog.export_button.isEnabled()
    assert dialog.approve_selected()
    qtbot.waitUntil(lambda: dialog.export_button.isEnabled())

    dialog.format.setCurrentIndex(dialog.format.findData("html"))
    dialog.choose_target = lambda alert, fmt: tmp_path / f"alert.{fmt}"
    with qtbot.waitSignal(dialog.exported):
        written = dialog.export_selected()
    assert written is not None and written.name == "alert.html"
    text = written.read_text(encoding="utf-8")
    assert "Uttlesford" in text and "Brook Farm" not in text and "Mary" not in text and "AB12" not in text
    assert services.alerts.get(draft.id).status == "issued"
    qtbot.waitUntil(lambda: "Issued" in dialog.detail.toPlainText())
    assert not dialog.edit_button.isEnabled() and not dialog.approve_button.isEnabled()


def test_the_window_offers_alert_the_community_on_the_incident(qtbot, window, services: Services) -> None:
    incident_id = _incident(services)
    window.refresh()
    qtbot.waitUntil(lambda: window.select_incident(incident_id, focus_map=False))
    texts = [a.text() for a in window.menuBar().actions()]
    incidents_menu = window.menuBar().actions()[texts.index("&Incidents")].menu()
    assert window.alert_action in incidents_menu.actions() and window.alerts_list_action in incidents_menu.actions()
    window._incident_context_menu(window.table.rect().center())
    menus = [m for m in window.table.findChildren(QMenu) if window.alert_action in m.actions()]
    assert menus
    for menu in menus:
        menu.close()
    dialog = window.alert_selected()
    assert dialog is not None
    with qtbot.waitSignal(dialog.saved):
        dialog.save()
    alerts = window.open_alerts()
    assert alerts.table.rowCount() == 1
    alerts.close()


def test_an_alert_is_composed_from_a_hotspot_in_the_analysis_panel(qtbot, window, services: Services) -> None:
    from ruralwatch.analysis.hotspots import Hotspot
    from ruralwatch.services.analysis import HotspotQuery, HotspotRun

    square = ((0.34, 51.95), (0.35, 51.95), (0.35, 51.96), (0.34, 51.96), (0.34, 51.95))
    run = HotspotRun(HotspotQuery(source="incidents", kinds=("equipment_theft",)),
                     [Hotspot(1, 0, 0, 5.0, None, None, 51.954, 0.344, square, 561000.0, 232000.0)],
                     points=5, no_location=0, total_weight=5.0, area_km2=1.0, study_area="Uttlesford",
                     seconds=0.1, areas=["Thaxted, Uttlesford"])
    panel = window.analysis
    panel._show_hotspots(run)
    assert not panel.alert_button.isEnabled()
    panel.hotspot_table.selectRow(0)
    qtbot.waitUntil(panel.alert_button.isEnabled)
    dialog = panel.alert_from_hotspot()
    assert dialog is not None and dialog.kind.isEnabled() and dialog.kind.currentData() == "equipment_theft"
    assert "Uttlesford" in dialog.preview.toPlainText() and "561000" not in dialog.preview.toPlainText()
    with qtbot.waitSignal(dialog.saved) as saved:
        dialog.save()
    alert = services.alerts.get(saved.args[0])
    assert alert.incident_id is None and alert.kind == "equipment_theft" and alert.window.part == ""
