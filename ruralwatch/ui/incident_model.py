"""Table model over the incidents store: loads lazily in pages, sorts and filters in SQL."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QFont

from ruralwatch.core.geo import point_grid_ref
from ruralwatch.core.incident import IncidentFilter
from ruralwatch.core.kinds import EQUIPMENT_CATEGORIES, is_kind, kind_by_key
from ruralwatch.core.times import format_local, short_local
from ruralwatch.core.vocab import STATUS_NAMES
from ruralwatch.core.vrm import display_vrm
from ruralwatch.services.incidents import IncidentService
from ruralwatch.store.incidents import IncidentRow

PAGE_SIZE = 500
ModelIndex = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class Column:
    title: str
    sort_key: str | None


COLUMNS: tuple[Column, ...] = (
    Column("When", "occurred_start"),
    Column("Kind", "kind"),
    Column("Status", "status"),
    Column("Place", "place"),
    Column("Grid ref", None),
    Column("Vehicles", "vrms"),
    Column("Crime ref", "crime_reference"),
)
GRID_REF_COLUMN = next(i for i, column in enumerate(COLUMNS) if column.title == "Grid ref")
_SUBKIND_NAMES = dict(EQUIPMENT_CATEGORIES)


class IncidentTableModel(QAbstractTableModel):
    def __init__(self, service: IncidentService, parent: Any = None) -> None:
        super().__init__(parent)
        self.service = service
        self.filter = IncidentFilter()
        self.sort_key = "occurred_start"
        self.descending = True
        self._rows: list[IncidentRow] = []
        self._total = 0
        self._grid_refs: dict[str, str] = {}
        # Narrow (a panel docked beside the table): When and Kind in short, "24 Nov 14:36" and "Poaching", so
        # the Grid ref fits whole beside them; the full text is their tooltip.
        self.compact = False
        self.reload()

    # --- loading -----------------------------------------------------------------------------------------

    def reload(self, keep_loaded: bool = False) -> None:
        """Re-run the query. With keep_loaded, as many rows as were visible are loaded again."""
        wanted = max(len(self._rows), PAGE_SIZE) if keep_loaded else PAGE_SIZE
        self.beginResetModel()
        self._total = self.service.count(self.filter)
        self._rows = self.service.rows(self.filter, self.sort_key, self.descending, 0, wanted)
        self._grid_refs.clear()
        self.endResetModel()

    def set_filter(self, flt: IncidentFilter) -> None:
        self.filter = flt
        self.reload()

    @property
    def total(self) -> int:
        return self._total

    def canFetchMore(self, parent: ModelIndex = QModelIndex()) -> bool:  # noqa: B008, N802
        return not parent.isValid() and len(self._rows) < self._total

    def fetchMore(self, parent: ModelIndex = QModelIndex()) -> None:  # noqa: B008, N802
        if parent.isValid():
            return
        more = self.service.rows(self.filter, self.sort_key, self.descending, len(self._rows), PAGE_SIZE)
        if not more:
            self._total = len(self._rows)
            return
        self.beginInsertRows(QModelIndex(), len(self._rows), len(self._rows) + len(more) - 1)
        self._rows.extend(more)
        self.endInsertRows()

    def set_compact(self, compact: bool) -> None:
        if compact == self.compact:
            return
        self.compact = compact
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, 1))

    # --- Qt model interface ------------------------------------------------------------------------------

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section].title
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key = COLUMNS[column].sort_key
        if key is None:
            return
        self.sort_key = key
        self.descending = order == Qt.SortOrder.DescendingOrder
        self.reload()

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        row = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, column)
        if role == Qt.ItemDataRole.DecorationRole and column == 1 and is_kind(row.kind):
            return QColor(kind_by_key(row.kind).colour)
        if role == Qt.ItemDataRole.ToolTipRole:
            tips = [self._full(row, column)] if self.compact and column in (0, 1) else []
            if row.synthetic:
                tips.append("Demo data: synthetic, not a real incident")
            return "\n".join(tips) or None
        if role == Qt.ItemDataRole.FontRole and row.synthetic:
            font = QFont()
            font.setItalic(True)
            return font
        if role == Qt.ItemDataRole.UserRole:
            return row.id
        return None

    def _display(self, row: IncidentRow, column: int) -> str:
        if self.compact and column == 0:
            return short_local(row.occurred_start)
        if self.compact and column == 1:
            return kind_by_key(row.kind).short_name if is_kind(row.kind) else row.kind
        return self._full(row, column)

    def _full(self, row: IncidentRow, column: int) -> str:
        if column == 0:
            return format_local(row.occurred_start)
        if column == 1:
            name = kind_by_key(row.kind).name if is_kind(row.kind) else row.kind
            return f"{name} ({_SUBKIND_NAMES[row.subkind]})" if row.subkind in _SUBKIND_NAMES else name
        if column == 2:
            return STATUS_NAMES.get(row.status, row.status)
        if column == 3:
            return row.place
        if column == GRID_REF_COLUMN:
            if row.id not in self._grid_refs:
                # As typed (TL 512 345 stays 6 figures), as the form and the report show it: always 8 figures
                # read back a typed 'TL 512 345' as 'TL 5125 3455', which looked like another place.
                self._grid_refs[row.id] = point_grid_ref(row.lat, row.lon)
            return self._grid_refs[row.id]
        if column == 5:
            return ", ".join(display_vrm(v) for v in row.vrms.split())
        return row.crime_reference

    # --- helpers for the window --------------------------------------------------------------------------

    def incident_id(self, row: int) -> str | None:
        return self._rows[row].id if 0 <= row < len(self._rows) else None

    def row_of(self, incident_id: str) -> int | None:
        for number, row in enumerate(self._rows):
            if row.id == incident_id:
                return number
        return None
