"""The Hours tab as a Special and as a coordinator sees it (a new-user walk at 1366x768): whose hours, where they
come from, and the month running now in view in a docked panel."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from ruralwatch.core.people import PersonInput
from ruralwatch.core.permissions import Actor
from ruralwatch.services.container import Services
from ruralwatch.ui.operations import Operations
from ruralwatch.ui.roster_panel import RosterPanel

NOW = datetime(2026, 12, 10, 12, 0, tzinfo=UTC)  # December running


@pytest.fixture
def people(services: Services) -> dict[str, str]:
    # Added in September, so October to December are theirs to be judged on.
    services.people._now = lambda: datetime(2026, 9, 1, 12, 0, tzinfo=UTC)
    services.hours._now = lambda: NOW
    return {name: services.people.add(PersonInput(name=name, role="special", station="Saffron Walden")).id
            for name in ("Callum Archer", "Dev Hughes", "Erin Osborne")}


def _open(qtbot, services: Services, actor: Actor, width: int = 480) -> RosterPanel:
    services.store.actor = actor
    panel = RosterPanel(services, Operations(services, None, lambda title, message: None))
    qtbot.addWidget(panel)
    panel.resize(width, 700)  # the docked panel's width at 1366x768
    panel.show()
    panel.show_tab("hours")
    panel.hours_tab.set_months("2026-10", "2026-12")
    return panel


def _names(panel: RosterPanel) -> list[str]:
    table = panel.hours_tab.table
    return [table.item(row, 0).text() for row in range(table.rowCount())]


@pytest.fixture
def opened(qtbot, services: Services) -> Iterator[list[RosterPanel]]:
    panels: list[RosterPanel] = []
    yield panels
    for panel in panels:
        panel.dispose()


def test_a_special_sees_only_their_own_hours_and_where_they_come_from(qtbot, services: Services,
                                                                     people: dict[str, str],
                                                                     opened: list[RosterPanel]) -> None:
    """Colleagues were listed in red "below" to every Special, and nothing said how hours got there."""
    panel = _open(qtbot, services, Actor("dhughes", "special", person_id=people["Dev Hughes"]))
    opened.append(panel)
    hours = panel.hours_tab
    assert _names(panel) == ["Dev Hughes"]
    source = hours.source.text()
    assert "Your own hours" in source and "completed" in source and "Specials coordinator" in source
    assert hours.source.isVisible()


def test_a_special_not_linked_is_told_why_there_are_no_hours(qtbot, services: Services, people: dict[str, str],
                                                             opened: list[RosterPanel]) -> None:
    panel = _open(qtbot, services, Actor("sc9", "special"))
    opened.append(panel)
    assert _names(panel) == []
    assert "not linked" in panel.hours_tab.status.text()


def test_a_coordinator_sees_everyone_with_their_own_line_first_and_marked(qtbot, services: Services,
                                                                         people: dict[str, str],
                                                                         opened: list[RosterPanel]) -> None:
    panel = _open(qtbot, services, Actor("coord", "coordinator", person_id=people["Erin Osborne"]))
    opened.append(panel)
    assert _names(panel) == ["Erin Osborne (you)", "Callum Archer", "Dev Hughes"]
    assert panel.hours_tab.table.item(0, 0).font().bold()
    assert "Everyone's hours" in panel.hours_tab.source.text()


def _whole(panel: RosterPanel, column: int) -> bool:
    table = panel.hours_tab.table
    header = table.horizontalHeader()
    left = header.sectionViewportPosition(column)
    return left >= 0 and left + header.sectionSize(column) <= table.viewport().width()


def test_the_hours_open_on_last_month_and_this_one_whole_in_a_docked_panel(qtbot, services: Services,
                                                                          people: dict[str, str],
                                                                          opened: list[RosterPanel]) -> None:
    """Three months docked at 1366x768: December, the month running, was cut off at the right edge. The tab opens
    on November and December, both whole, with the names in view."""
    services.store.actor = Actor("coord", "coordinator")
    panel = RosterPanel(services, Operations(services, None, lambda title, message: None))
    opened.append(panel)
    qtbot.addWidget(panel)
    panel.resize(480, 700)
    panel.show()
    panel.show_tab("hours")
    hours = panel.hours_tab
    qtbot.waitUntil(lambda: hours.table.columnCount() > hours.FIRST_MONTH, timeout=5_000)
    headers = [hours.table.horizontalHeaderItem(c).text() for c in range(hours.FIRST_MONTH, hours.FIRST_MONTH + 2)]
    assert headers == ["Nov 2026", "Dec 2026"]
    qtbot.waitUntil(lambda: _whole(panel, hours.FIRST_MONTH + 1), timeout=5_000)
    assert hours.table.horizontalScrollBar().value() == 0  # the names whole


def test_a_special_over_a_wide_span_is_scrolled_to_the_month_running_now(qtbot, services: Services,
                                                                        people: dict[str, str],
                                                                        opened: list[RosterPanel]) -> None:
    """October to December, their own line only: scrolled just far enough that December is whole."""
    # Narrower than docked: the offscreen platform's font is smaller than a desktop's, so its columns are too.
    panel = _open(qtbot, services, Actor("dhughes", "special", person_id=people["Dev Hughes"]), width=400)
    opened.append(panel)
    hours = panel.hours_tab
    table, header = hours.table, hours.table.horizontalHeader()
    december = hours.FIRST_MONTH + 2
    assert table.horizontalHeaderItem(december).text() == "Dec 2026"
    assert hours.this_month_column() == december
    qtbot.waitUntil(lambda: _whole(panel, december), timeout=5_000)
    assert header.sectionSize(december) >= table.sizeHintForColumn(december)  # the figures whole, not cut
    # It had to scroll for it, and no further than that.
    assert header.sectionPosition(december) + header.sectionSize(december) > table.viewport().width()
    assert header.sectionViewportPosition(december) + header.sectionSize(december) >= table.viewport().width() - 2
