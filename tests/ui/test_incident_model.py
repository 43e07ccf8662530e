"""The table model as a thin adapter over the store, tested without a view."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QColor

from ruralwatch.core.incident import IncidentFilter
from ruralwatch.ui.incident_model import COLUMNS, PAGE_SIZE, IncidentTableModel


def test_loads_lazily_in_pages(qtbot, demo_service):
    model = IncidentTableModel(demo_service)
    assert model.total == 1200
    assert model.rowCount() == PAGE_SIZE
    assert model.canFetchMore(QModelIndex())
    model.fetchMore(QModelIndex())
    assert model.rowCount() == 2 * PAGE_SIZE
    model.fetchMore(QModelIndex())
    assert model.rowCount() == 1200
    assert not model.canFetchMore(QModelIndex())


def test_newest_first_and_sort_by_column(qtbot, demo_service):
    model = IncidentTableModel(demo_service)
    times = [model.data(model.index(r, 0)) for r in range(model.rowCount())]
    assert times == sorted(times, reverse=True)
    kind_column = [c.title for c in COLUMNS].index("Kind")
    model.sort(kind_column, Qt.SortOrder.AscendingOrder)
    keys = [model._rows[r].kind for r in range(model.rowCount())]
    assert keys == sorted(keys)


def test_filter_and_roles(qtbot, demo_service):
    model = IncidentTableModel(demo_service)
    model.set_filter(IncidentFilter(kinds=("unlawful_encampment",)))
    assert model.total == demo_service.count(IncidentFilter(kinds=("unlawful_encampment",)))
    assert model.total > 0
    first = model.index(0, 1)
    assert model.data(first) == "Unlawful encampment"
    assert model.data(first, Qt.ItemDataRole.DecorationRole) == QColor("#ff7f0e")
    assert "synthetic" in model.data(first, Qt.ItemDataRole.ToolTipRole)
    assert model.data(model.index(0, 4)).startswith("T")  # grid reference in TL/TM/TQ squares
    assert model.row_of(model.incident_id(0)) == 0
    assert model.headerData(0, Qt.Orientation.Horizontal) == "When"


def test_grid_ref_column_reads_back_as_typed(qtbot, hub_service):
    """A walk typed TL 512 345 and the list said TL 5125 3455 (always 8 figures); a point picked on the map has
    its full 10 figures."""
    from ruralwatch.core.incident import IncidentInput

    hub_service.record(IncidentInput(kind="hare_coursing", occurred_start="2026-11-20 09:30", grid_ref="TL 512 345",
                                     place="typed"))
    hub_service.record(IncidentInput(kind="fly_tipping", occurred_start="2026-11-20 10:30", lat=51.9, lon=0.3,
                                     place="picked"))
    model = IncidentTableModel(hub_service)
    column = [c.title for c in COLUMNS].index("Grid ref")
    by_place = {model.data(model.index(r, 3)): model.data(model.index(r, column)) for r in range(model.rowCount())}
    assert by_place["typed"] == "TL 512 345"
    assert len(by_place["picked"].replace(" ", "")) == 12  # two letters and ten figures
