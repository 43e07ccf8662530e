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
