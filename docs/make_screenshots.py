"""Take the documentation screenshots from the real app with demo data, on a real display of a laptop's size.

    Xvfb :97 -screen 0 1366x768x24 &  DISPLAY=:97 openbox &
    DISPLAY=:97 QT_QPA_PLATFORM=xcb .venv/bin/python docs/make_screenshots.py [--size 1366x768] [--only force]

The window is maximised on the screen, as a user's would be, so the pictures show what fits on it. The display's
size must be the one asked for (the script checks it): `--size 1366x768` (the default) writes every picture into
docs/screenshots/; `--size 1920x1080` (under `Xvfb -screen 0 1920x1080x24`) writes the few window-sized ones
(main window, patrol plan, patrol log, hotspots) into docs/screenshots/1920x1080/. `--only force`: only the
pictures of another force than Essex; `--only near-repeat`: only the Knox tab and the near-repeat zones;
`--only premises`: only the premises register's pictures (premises to visit with the zones and the premises layer,
a repeat victim on the map and in the incident form, a serial number check, a redacted alert). Re-run
after changing the window so the guide stays true. Running as root, add
QTWEBENGINE_CHROMIUM_FLAGS="--no-sandbox --disable-gpu".

The clock is fixed (DEMO_NOW, moved forward by hand through the patrol log) and the demo data has a fixed seed,
so the screenshots only change when the app does. Page 1 of the briefing pack is rendered with Qt's own PDF
module (QtPdf).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

# Fix "now" before anything else imports the services: they take `times.utc_now` as their default clock.
import ruralwatch.core.times as rw_times

# Fixed "now" so the screenshots do not change from run to run.
DEMO_NOW = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)


class Clock:
    """The app's clock for this script: DEMO_NOW until the script moves it (e.g. through a patrol)."""

    now = DEMO_NOW

    @classmethod
    def set_local(cls, text: str) -> None:
        """Set the clock to a UK local time, 'YYYY-MM-DD HH:MM'."""
        naive = datetime.strptime(text, "%Y-%m-%d %H:%M")
        cls.now = naive.replace(tzinfo=rw_times.LOCAL_ZONE).astimezone(UTC)


rw_times.utc_now = lambda: Clock.now

# Window settings (QSettings) go to a throwaway folder: the pictures never depend on, or change, your own layout.
_SETTINGS = tempfile.TemporaryDirectory(prefix="ruralwatch-screenshots-config-")
os.environ["XDG_CONFIG_HOME"] = _SETTINGS.name

from PySide6.QtCore import QDate, QEventLoop, Qt, QTime, QTimer  # noqa: E402

from ruralwatch.app import prepare_qt_environment  # noqa: E402
from ruralwatch.core.patrol_plan import PlanStop  # noqa: E402
from ruralwatch.services.accounts import create_database  # noqa: E402
from ruralwatch.services.container import Services  # noqa: E402
from ruralwatch.services.demo import load_demo, load_demo_premises  # noqa: E402
from ruralwatch.services.demo_roster import load_demo_roster  # noqa: E402
from ruralwatch.services.patrols import EventCorrection  # noqa: E402

SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
# Where each screen size's pictures go, and which pictures it takes (None: all of them).
SIZES: dict[str, tuple[Path, set[str] | None]] = {
    "1366x768": (SCREENSHOTS, None),
    "1920x1080": (SCREENSHOTS / "1920x1080",
                  {"main-window.png", "patrol-plan.png", "patrol-log-alert.png", "harm-hotspots.png"}),
}
OUT = SCREENSHOTS
WANTED: set[str] | None = None
SCREEN = (1366, 768)
BASEMAP = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "mbtiles" / "plain_3.mbtiles"
# The real Essex data.police.uk files, when present beside the project (see ../shared/data/README.md).
POLICE_UK = Path(__file__).resolve().parents[2] / "shared" / "data" / "police-uk" / "essex"
# Another force's files for the "any force" pictures: Suffolk, 2018-10..2019-02.
OTHER_FORCES = POLICE_UK.parent / "other-forces"
SEED = 2026  # the demo's default seed, given explicitly so the roster and patrols never change

# The joint patrol the screenshots follow: a dawn hare coursing operation out of Saffron Walden.
PATROL_DAY = "2026-11-25"
PATROL_AREA = "Uttlesford"
PATROL_CREW = ("Amelia Archer", "Dev Hughes")  # an officer and a Special, neither an off-road driver: a warning
PATROL_BASE = "TL 5398 3839"  # Saffron Walden
ROSTER_PERSON = "Dev Hughes"  # the Special whose availability and hours are shown
ADMIN = "jsmith"
ADMIN_PASSWORD = "screenshots only, not a real password"


def wait(ms: int) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def run_and_wait(start, signal, timeout_ms: int = 120_000) -> bool:  # noqa: ANN001 - Qt callables
    """Call start() and wait for signal; False when the timeout came first."""
    fired: list[bool] = []
    loop = QEventLoop()

    def on_signal(*_args) -> None:  # noqa: ANN002
        fired.append(True)
        loop.quit()

    signal.connect(on_signal)
    QTimer.singleShot(timeout_ms, loop.quit)
    start()
    if not fired:  # the signal may come straight from start()
        loop.exec()
    signal.disconnect(on_signal)
    return bool(fired)


def show_and_wait_for_map(window) -> None:  # noqa: ANN001 - MainWindow
    """Show the window and wait (30 s at most) until the map has drawn its incidents."""
    loop = QEventLoop()
    window.map.incidents_shown.connect(lambda _count: loop.quit())
    QTimer.singleShot(30_000, loop.quit)
    window.show()
    loop.exec()


def save(widget, name: str) -> None:  # noqa: ANN001 - any QWidget
    if WANTED is not None and name not in WANTED:
        return
    widget.grab().save(str(OUT / name))
    print(f"  {name}")


def dock_width(wanted: int) -> int:
    """A docked panel's width for a picture: as wide as it needs, but leaving the table and map their share."""
    return min(wanted, int(SCREEN[0] * 0.5))


def maximise(window) -> None:  # noqa: ANN001 - MainWindow
    window.showMaximized()
    wait(1000)  # the window manager's maximise arrives as a resize


def main() -> int:
    global OUT, WANTED, SCREEN
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", default="1366x768", choices=sorted(SIZES), help="the display's size")
    parser.add_argument("--only", choices=["force", "near-repeat", "premises"],
                        help="only the pictures of another force, of near repeats, or of the premises register")
    parser.add_argument("--large-text", action="store_true",
                        help="with View ▸ Larger text on, to check that nothing is cut off (use with --out)")
    parser.add_argument("--out", type=Path, help="write the pictures here instead of docs/screenshots/")
    args = parser.parse_args()
    OUT, WANTED = SIZES[args.size]
    OUT = args.out or OUT
    SCREEN = tuple(int(n) for n in args.size.split("x"))  # type: ignore[assignment]
    prepare_qt_environment()
    from ruralwatch.ui.application import make_application
    from ruralwatch.ui.incident_form import IncidentDialog
    from ruralwatch.ui.main_window import MainWindow

    app = make_application()
    screen = app.primaryScreen().size()
    if (screen.width(), screen.height()) != SCREEN:
        print(f"the display is {screen.width()}x{screen.height()}, not {args.size}: run under a display of that size "
              "(see the top of this script)", file=sys.stderr)
        return 2
    OUT.mkdir(parents=True, exist_ok=True)
    if args.only == "force":
        with tempfile.TemporaryDirectory() as folder:
            force_screenshots(Path(folder), MainWindow)
        app.quit()
        return 0
    with tempfile.TemporaryDirectory() as folder:
        if args.only in ("near-repeat", "premises"):
            store = create_database(Path(folder) / "demo.db", ADMIN, ADMIN_PASSWORD, display_name="PC Jo Smith")
            services = Services.build(store)
            load_demo(services.incidents, seed=SEED, now=DEMO_NOW)
            if args.only == "premises":
                load_demo_premises(services.premises, services.incidents, seed=SEED, now=DEMO_NOW)
            services.basemaps.add(BASEMAP, "Europe (plain_3 sample)")
            window = MainWindow(services, Path(folder) / "page")
            show_and_wait_for_map(window)
            maximise(window)
            if args.only == "premises":
                premises_screenshots(window, services)
            else:
                near_repeat_screenshots(window, services)
            window.dispose()
            store.close()
            app.quit()
            return 0
        first_run_screenshot(Path(folder))
        # Signed in as the administrator of an encrypted database, as after the first start.
        store = create_database(Path(folder) / "demo.db", ADMIN, ADMIN_PASSWORD, display_name="PC Jo Smith")
        services = Services.build(store)
        service = services.incidents
        load_demo(service, seed=SEED, now=DEMO_NOW)
        load_demo_roster(services.people, services.roster, services.patrols, seed=SEED, now=DEMO_NOW)
        load_demo_premises(services.premises, services.incidents, seed=SEED, now=DEMO_NOW)
        services.basemaps.add(BASEMAP, "Europe (plain_3 sample)")
        window = MainWindow(services, Path(folder) / "page")
        show_and_wait_for_map(window)
        if args.large_text:
            window.large_text_action.setChecked(True)
        maximise(window)
        wait(2500)  # let clusters and tiles render
        save(window, "main-window.png")
        window.heat_action.setChecked(True)
        wait(1500)
        save(window.map, "map-heatmap.png")
        window.heat_action.setChecked(False)

        hare = service.rows(service_filter("hare_coursing"), limit=1)[0]
        dialog = IncidentDialog(service, service.get(hare.id), window)
        dialog.resize(760, min(900, SCREEN[1] - 60))
        dialog.show()
        wait(300)
        save(dialog, "incident-form.png")
        dialog.close()

        if POLICE_UK.is_dir():
            services.published.import_paths([POLICE_UK])
            window.refresh_context()
            window.analysis_dock.show()
            panel = window.analysis
            run_and_wait(panel.run_hotspots, panel.hotspots_ready)
            wait(2500)
            save(window, "harm-hotspots.png")
            panel.tabs.setCurrentIndex(2)
            run_and_wait(panel.run_areas, panel.areas_ready)
            save(panel, "harm-by-area.png")
            panel.tabs.setCurrentIndex(3)
            window.analysis_dock.setMinimumWidth(dock_width(620))
            run_and_wait(panel.run_timing, panel.timing_ready)
            wait(500)
            save(panel, "timing-charts.png")
            window.analysis_dock.setMinimumWidth(0)
            window.analysis_dock.hide()
            window.map.show_hotspots({"type": "FeatureCollection", "features": []})
        near_repeat_screenshots(window, services)
        premises_screenshots(window, services)

        patrol_screenshots(window, services, Path(folder))
        if WANTED is None:
            roster_screenshots(window, services)
            admin_screenshots(window, services)
            dark_screenshot(app, window)
        window.dispose()
        store.close()
        if WANTED is None:
            force_screenshots(Path(folder), MainWindow)
    print(f"screenshots written to {OUT}")
    app.quit()
    return 0


# --- near repeats ---------------------------------------------------------------------------------------------


def near_repeat_screenshots(window, services: Services) -> None:  # noqa: ANN001 - MainWindow
    """The Knox tab on the demo's thefts and burglaries, then the live near-repeat zones on the map."""
    window.analysis_dock.show()
    window.analysis_dock.setMinimumWidth(dock_width(620))
    panel = window.analysis
    panel.tabs.setCurrentIndex(panel.tabs.count() - 1)
    panel.knox_kinds.setCurrentIndex(0)  # thefts and burglaries
    run_and_wait(panel.run_knox, panel.knox_ready)
    wait(500)
    save(panel, "near-repeat-knox.png")
    panel.use_knox_zone()
    window.analysis_dock.setMinimumWidth(0)
    window.analysis_dock.hide()
    latest = max(services.near_repeat.active_zones(), key=lambda z: z.occurred_start)
    window.map.run_js(f"rw.setView({latest.lat}, {latest.lon}, 15)")
    window.map.run_js("rw.setLegendFolded(false)")
    wait(2500)
    save(window, "near-repeat-zones.png")


# --- the premises register: repeat victims, premises to visit, serial checks, alerts ---------------------------


def premises_screenshots(window, services: Services) -> None:  # noqa: ANN001 - MainWindow
    """Issue 20's "done when" in the window, on the demo data: the premises to visit inside the near-repeat zones
    near Radwinter (panel and map), Grange Farm (demo) on the map as a repeat victim and in a new incident's form
    ("victimised before"), its stolen GPS unit's serial checked, and an alert for its theft as the community reads
    it. The stop-check and the zones have their own pictures (patrol-log-alert.png, near-repeat-zones.png)."""
    from ruralwatch.ui.incident_form import IncidentDialog

    premises = services.premises
    # The premises to visit: the panel's "To visit" view beside the map of the Radwinter zones.
    window.premises_dock.show()
    window.premises_dock.setMinimumWidth(dock_width(520))
    panel = window.premises_panel
    panel.show_to_visit()
    brook = premises.resolve("Brook Farm (demo)")
    panel.select(brook)
    found = premises.get(brook)
    window.map.run_js(f"rw.setView({found.lat}, {found.lon}, 15)")
    window.map.run_js("rw.setLegendFolded(true)")  # the key is in premises-map.png: here the map shows the zones
    wait(2500)
    save(window, "premises-to-visit.png")
    window.map.run_js("rw.setLegendFolded(false)")
    window.premises_dock.setMinimumWidth(0)
    panel.show_to_visit(False)
    window.premises_dock.hide()

    # Grange Farm (demo) on the map: red-outlined, victimised within the repeat window; its popup.
    grange = premises.get(premises.resolve("Grange Farm (demo)"))
    window.map.run_js(f"rw.setView({grange.lat - 0.0015}, {grange.lon}, 16)")
    wait(1500)
    window.map.run_js("(function () { rw.leafletMap.eachLayer((l) => { if (l.options && l.options.title === "
                      f"{grange.name!r} && l.getPopup()) l.openPopup(); }}); return 0; }})()")
    wait(1500)
    save(window.map, "premises-map.png")
    window.map.run_js("rw.leafletMap.closePopup()")

    # A new theft at Grange Farm: the form says at once that it was victimised before.
    form = IncidentDialog(services.incidents, None, window, premises=premises)
    form.kind.setCurrentIndex(form.kind.findData("equipment_theft"))
    form.grid_ref.setText(grange.grid_ref)
    form.place.setText("Grange Farm (demo), Thaxted")
    form.premises_combo.setCurrentIndex(form.premises_combo.findData(grange.id))
    form.resize(760, min(900, SCREEN[1] - 60))
    form.show()
    wait(500)
    save(form, "incident-repeat-victim.png")
    form.confirm = lambda _title, _question: True  # throw the typed form away without asking
    form.close()

    # "Is this serial stolen?": the GPS unit stolen from Grange Farm, registered there too.
    check = window.check_serial()
    check.serial.setText("demo gf 0001")
    check.check()
    check.resize(760, 320)
    wait(500)
    save(check, "serial-check.png")
    check.close()

    # An alert for Grange Farm's latest theft: the ward and a rounded time, never the farm.
    latest = premises.incidents_at(grange.id)[0]
    window.select_incident(latest.id, focus_map=False)
    alert = window.alert_selected()
    if alert is not None:
        wait(800)
        save(alert, "alert-redacted.png")
        alert.close()


# --- joint patrols --------------------------------------------------------------------------------------------


def patrol_screenshots(window, services: Services, folder: Path) -> None:  # noqa: ANN001 - MainWindow
    """Plan (map), crew check, briefing pack page 1, the log with a vehicle-of-interest alert, the log put right and
    the patrol's times being corrected, the dose."""
    from ruralwatch.ui.patrol_event_dialog import PatrolTimesDialog
    panel = window.patrol_panel
    window.roster_dock.hide()
    window.patrol_dock.show()
    window.patrol_dock.raise_()
    window.patrol_dock.setMinimumWidth(dock_width(640))
    wait(200)
    window.splitter.setSizes([400, 800])  # the table narrow, the rest for the route
    # Show only hare coursing, the patrol's purpose, so the route stands out from the other incidents.
    run_and_wait(lambda: window.kind_filter.setCurrentIndex(window.kind_filter.findData("hare_coursing")),
                 window.map.incidents_shown, 30_000)
    wait(300)

    # Plan a new patrol in the window, as an officer would.
    panel.new_patrol()
    form = panel.form
    form.title.setText("Dawn hare coursing operation, Uttlesford")
    form.day.setDate(QDate.fromString(PATROL_DAY, "yyyy-MM-dd"))
    form.start.setTime(QTime(6, 0))
    form.end.setTime(QTime(10, 0))
    form.area.setEditText(PATROL_AREA)
    form.purpose.setCurrentIndex(form.purpose.findData("hare_coursing_operation"))
    form.vehicle.setText("Ford Ranger YX21 RWT")
    form.call_sign.setText("RURAL21")
    form.base.setText(PATROL_BASE)
    form.notes.setPlainText("Two 4x4s with dogs reported near Ashdon at first light on Sunday. Stop-check "
                            "vehicles with dogs; landowners at Clavering and Thaxted expect us.")
    names = set(PATROL_CREW)
    for row in range(form.crew.count()):
        entry = form.crew.item(row)
        if entry.text().split(" — ")[0] in names:
            entry.setCheckState(Qt.CheckState.Checked)
    form.check_crew()
    if form.override_reason.isVisible():  # a Special off their usual hours at dawn: kept, with the reason
        form.override_reason.setText("Dawn operation agreed with the Specials coordinator")
    record = form.save()
    if record is None:
        raise SystemExit(f"the patrol was not saved: {form.error_label.text()}")
    wait(200)
    panel.tabs.setCurrentWidget(form)
    form.scroll.verticalScrollBar().setValue(0)
    wait(200)
    save(window.patrol_dock, "patrol-details.png")

    panel.tabs.setCurrentWidget(panel.plan)
    if not run_and_wait(panel.suggest_plan, panel.planReady) or not services.patrols.get(record.id).stops:
        raise SystemExit(f"no plan was suggested: {panel.problems[-1:]}")
    wait(3000)  # the route is drawn and the map fitted to it
    save(window, "patrol-plan.png")

    # Brief the crew: the PDF (written by the service the "Brief crew (PDF)…" button calls, without its save
    # dialog), page 1 rendered to PNG when poppler's pdftoppm is here.
    Clock.set_local(f"{date.fromisoformat(PATROL_DAY) - timedelta(days=1)} 17:30")
    pack = folder / "briefing.pdf"
    services.patrols.brief(record.id, pack)
    render_pdf_page(pack, "briefing-pack.png")
    wait(300)

    # Log the patrol. Each button press is written at once, stamped with the (script's) clock.
    window.patrol_dock.setMinimumWidth(dock_width(760))  # three columns of log buttons where there is room
    log = panel.log
    panel.open_patrol(record.id)
    Clock.set_local(f"{PATROL_DAY} 05:58")
    panel.start_patrol()
    stops = services.patrols.get(record.id).stops
    vehicle = services.patrols.vehicles_of_interest(Clock.now)[0].vrm

    def at(stop: PlanStop, minutes: int) -> None:
        arrive = rw_times.to_local(stop.arrive)
        Clock.now = (arrive + timedelta(minutes=minutes)).astimezone(UTC)

    def choose(stop: PlanStop) -> None:
        log.stop_choice.setCurrentIndex(log.stop_choice.findData(stop.key))

    at(stops[0], 3)
    choose(stops[0])
    panel.log_event("arrived_stop")
    at(stops[0], 9)
    log.detail.setText("Gamekeeper: two 4x4s with lurchers seen on the drove road at first light")
    panel.log_event("person_spoken")
    at(stops[0], 17)
    panel.log_event("left_stop")
    at(stops[1], 4)
    choose(stops[1])
    panel.log_event("arrived_stop")
    at(stops[1], 11)
    log.vrm.setText(vehicle)
    log.detail.setText("Two men, three lurchers in the back; said they were walking the dogs")
    panel.log_event("stop_check")
    wait(300)
    panel.tabs.setCurrentWidget(log)
    wait(200)
    save(window.patrol_dock, "patrol-log-alert.png")

    # The rest of the patrol: one more stop, a note placed by grid reference, two stops missed, the end.
    at(stops[1], 18)
    panel.log_event("left_stop")
    at(stops[2], 6)
    choose(stops[2])
    panel.log_event("arrived_stop")
    at(stops[2], 19)
    panel.log_event("left_stop")
    at(stops[2], 32)
    log.grid_ref.setText("TL 5795 3842")
    log.detail.setText("Gate forced on field entrance, fresh tyre tracks")
    panel.log_event("intelligence")
    for stop in stops[5:]:
        at(stop, 2)
        choose(stop)
        panel.log_event("arrived_stop")
        at(stop, 14)
        panel.log_event("left_stop")
    at(stops[-1], 20)
    mistake = panel.log_event("seizure")  # pressed by mistake: withdrawn below, as the user guide tells
    Clock.set_local(f"{PATROL_DAY} 09:55")
    panel.end_patrol(ask=False)
    wait(300)

    # Put the log right afterwards (Correct entry… / Withdraw bad entry…, through the service the dialogs call): the
    # intelligence note gets the direction the landowner gave, and the Seizure pressed by mistake is withdrawn.
    Clock.set_local(f"{PATROL_DAY} 10:20")
    intelligence = next(e for e in services.patrols.log_of(record.id) if e.kind == "intelligence")
    services.patrols.correct_event(intelligence.id, EventCorrection(
        note="Gate forced on field entrance, fresh tyre tracks heading north to Ashdon",
        reason="Direction added after speaking to the landowner"))
    if mistake is None:
        raise SystemExit(f"the seizure was not logged: {panel.problems[-1:]}")
    services.patrols.withdraw_event(mistake.id, "Pressed Seizure by mistake: nothing was seized")
    panel.open_patrol(record.id)
    panel.tabs.setCurrentWidget(log)
    wait(300)
    log.select_event(mistake.id)  # the withdrawn Seizure: Undo withdrawal… in Withdraw's place
    log._bring_into_view(log.table)
    wait(300)
    save(window.patrol_dock, "patrol-log-corrected.png")
    # Correct start and end…: the dialog as filled for an End pressed 25 minutes late (shown, not saved).
    times_dialog = PatrolTimesDialog(services, services.patrols.get(record.id), window)
    times_dialog.ended.setDateTime(times_dialog.ended.dateTime().addSecs(-25 * 60))
    times_dialog.reason.setText("End pressed back at the station")
    times_dialog.show()
    wait(300)
    save(times_dialog, "patrol-times.png")
    times_dialog.reject()
    dose = panel.dose
    dose.period_from.setDate(QDate(2026, 8, 25))
    dose.period_to.setDate(QDate(2026, 11, 25))
    if not run_and_wait(panel.show_dosage, panel.dosageReady):
        raise SystemExit(f"no patrol dosage: {panel.problems[-1:]}")
    wait(300)
    panel.tabs.setCurrentWidget(dose)
    window.patrol_dock.setMinimumWidth(dock_width(840))  # the dosage table's columns where there is room
    wait(300)
    save(window.patrol_dock, "patrol-dose.png")
    window.patrol_dock.setMinimumWidth(0)
    window.clear_filters()
    Clock.now = DEMO_NOW
    if panel.problems:  # a refused step would leave a picture that does not show what the guide says
        raise SystemExit(f"the patrol panel reported: {panel.problems}")


def render_pdf_page(pdf: Path, name: str, dpi: int = 96) -> None:
    """Page 1 of a PDF as PNG, rendered by QtPdf (part of PySide6: no poppler needed)."""
    if WANTED is not None and name not in WANTED:
        return
    from PySide6.QtCore import QSize
    from PySide6.QtPdf import QPdfDocument

    document = QPdfDocument()
    document.load(str(pdf))
    points = document.pagePointSize(0)
    image = document.render(0, QSize(round(points.width() * dpi / 72), round(points.height() * dpi / 72)))
    image.save(str(OUT / name))
    document.close()
    print(f"  {name}")


# --- rostering ------------------------------------------------------------------------------------------------


def roster_screenshots(window, services: Services) -> None:  # noqa: ANN001 - MainWindow
    """People and availability, the auto-fill proposal, the week with its gaps, hours against commitment."""
    roster = window.roster_panel
    window.patrol_dock.hide()
    # Docked and in front, the roster has the window's width (the incidents and the map step aside).
    window.show_roster_tab("people")
    roster.refresh()
    wait(500)

    # A Special's availability: the weekly pattern from the demo, plus a date away and an extra evening.
    person = services.people.find(ROSTER_PERSON)
    people = roster.people_tab
    roster.show_tab("people")
    people.select_person(person.id)
    people.add_exception(person.id, date(2026, 11, 28), "away", "", "", "Family wedding")
    people.add_exception(person.id, date(2026, 11, 27), "extra", "18:00", "23:30", "Can do Friday evening")
    wait(200)
    save(window.roster_dock, "roster-people.png")

    duties = roster.duties_tab
    roster.show_tab("duties")
    duties.go_to(rw_times.to_local(DEMO_NOW).date())  # this week: its duties are all still open
    # The whole month first: the weeks done, and this week's and the next's gaps.
    duties.set_view("month")
    wait(300)
    save(window.roster_dock, "roster-month.png")
    duties.set_view("week")
    wait(200)
    if not run_and_wait(duties.autofill, duties.autofill_ready):
        raise SystemExit(f"no auto-fill proposal: {roster.problems[-1:]}")
    dialog = duties.autofill_dialog
    dialog.resize(1000, min(720, SCREEN[1] - 60))
    wait(300)
    save(dialog, "roster-autofill.png")
    run_and_wait(dialog.accept, duties.autofill_applied)
    wait(300)

    # A gap: select it and try someone who breaks a rule, to show the checks and the override reason.
    gap = next(look for look in duties.looks if look.state == "gap" and look.duty.open_places)
    duties.select_duty(gap.duty.id)
    wait(100)
    breaking = None
    for index in range(duties.assign_person.count()):
        person_id = duties.assign_person.itemData(index)  # None: the line between the free and the rest
        if person_id and services.roster.check(gap.duty.id, person_id):
            breaking = index
            break
    if breaking is not None:
        duties.assign_person.setCurrentIndex(breaking)
    wait(200)
    save(window.roster_dock, "roster-week.png")

    roster.show_tab("hours")
    roster.hours_tab.set_months("2026-10", "2026-11")  # the demo's completed duties start late in September
    wait(300)
    save(window.roster_dock, "roster-hours.png")
    if roster.problems:
        raise SystemExit(f"the roster panel reported: {roster.problems}")


# --- first start, settings and the administrator's dialogs ----------------------------------------------------


def first_run_screenshot(folder: Path) -> None:
    """The first start: where to keep the data, and the administrator's account."""
    from ruralwatch.ui.signin import FirstRunDialog

    dialog = FirstRunDialog(folder / "RuralWatch" / "ruralwatch.db", choose_folder=True)
    dialog.folder.setText("/home/jo/.local/share/RuralWatch")
    dialog.username.setText(ADMIN)
    dialog.display_name.setText("PC Jo Smith")
    dialog.password.setText(ADMIN_PASSWORD)
    dialog.password_again.setText(ADMIN_PASSWORD)
    dialog.show()
    wait(200)
    save(dialog, "first-run.png")
    dialog.close()


def admin_screenshots(window, services: Services) -> None:  # noqa: ANN001 - MainWindow
    """Settings, exporting incidents, retention of personal data, accounts linked to people."""
    from ruralwatch.services.accounts import AccountService
    from ruralwatch.ui.accounts_dialog import AccountsDialog

    window.roster_dock.hide()
    settings = window.open_settings()
    settings.data_path.setText("Database: /home/jo/.local/share/RuralWatch/ruralwatch.db")  # not the temp folder
    wait(300)
    save(settings, "settings.png")
    settings.close()

    export = window.open_export()
    export.path.setText("/home/jo/Documents/ruralwatch-incidents-2026-11-24.xlsx")
    export.format.setCurrentIndex(export.format.findData("xlsx"))
    wait(200)
    save(export, "export-incidents.png")
    export.close()

    # A year on, the demo's closed incidents are due: what an administrator then sees.
    Clock.set_local("2027-12-01 09:00")
    retention = window.open_retention()
    retention.resize(min(1000, SCREEN[0] - 20), 520)
    run_and_wait(lambda: None, retention.previewed)
    wait(200)
    save(retention, "retention.png")
    retention.close()
    Clock.now = DEMO_NOW

    accounts = AccountService(services.store)
    special = services.people.find(ROSTER_PERSON)
    accounts.add("dhughes", "special", ADMIN_PASSWORD, "SC Dev Hughes", person_id=special.id)
    accounts.add("analyst1", "analyst", ADMIN_PASSWORD, "Sam Analyst")
    dialog = AccountsDialog(accounts, parent=window)
    dialog.resize(min(1100, SCREEN[0] - 20), 640)  # the forms sit below the list now
    dialog.show()
    dialog.select("dhughes")
    wait(300)
    save(dialog, "accounts.png")
    dialog.close()


def dark_screenshot(app, window) -> None:  # noqa: ANN001 - QApplication, MainWindow
    """The main window with dark colours (Settings ▸ Colours ▸ Dark)."""
    from ruralwatch.ui import theme

    window.clear_filters()
    theme.apply_scheme(app, "dark")
    wait(1500)
    save(window, "main-window-dark.png")
    theme.apply_scheme(app, "light")


def force_screenshots(folder: Path, main_window) -> None:  # noqa: ANN001 - the MainWindow class
    """Suffolk's published crime with the force set to Suffolk: the map, hotspots and forecast accuracy follow it."""
    files = sorted(OTHER_FORCES.glob("*-suffolk-street.csv"))
    if not files:
        print("  (no Suffolk files beside the project: force pictures skipped)")
        return
    store = create_database(folder / "suffolk.db", ADMIN, ADMIN_PASSWORD, display_name="PC Jo Smith")
    services = Services.build(store)
    services.geography.use_force("Suffolk")
    services.published.import_paths(files)
    window = main_window(services, folder / "suffolk-page")
    show_and_wait_for_map(window)
    maximise(window)
    window.analysis_dock.show()
    panel = window.analysis
    run_and_wait(panel.run_hotspots, panel.hotspots_ready)
    wait(2500)
    save(window, "force-suffolk-hotspots.png")
    panel.tabs.setCurrentIndex(1)
    panel.train_from.setText("2018-10")
    panel.train_to.setText("2019-01")
    panel.test_from.setText("2019-02")
    panel.test_to.setText("2019-02")
    run_and_wait(panel.run_evaluation, panel.evaluation_ready)
    save(panel, "force-suffolk-accuracy.png")
    window.dispose()
    store.close()


def service_filter(kind: str):  # noqa: ANN201 - tiny helper for the script
    from ruralwatch.core.incident import IncidentFilter

    return IncidentFilter(kinds=(kind,))


if __name__ == "__main__":
    sys.exit(main())
