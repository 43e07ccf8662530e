"""Small widgets and helpers shared by the window, panels and dialogs (vorta's views/partials): one table
factory, combo helpers, field marks for a ValidationError, a dock helper and the change-hub bridge."""

from ruralwatch.ui.widgets.combos import select_data, vocab_combo
from ruralwatch.ui.widgets.default_button import settle_default_button
from ruralwatch.ui.widgets.docks import add_dock
from ruralwatch.ui.widgets.field_marks import (
    PROBLEM_ROLE,
    FieldMarks,
    MarkedFields,
    OutlinedProblems,
    mark,
    saved_or_marked,
    unmark,
)
from ruralwatch.ui.widgets.hub_bridge import HubBridge
from ruralwatch.ui.widgets.message_area import MessageArea
from ruralwatch.ui.widgets.tables import configure_table, fit_to_width, item, make_table, show_rows
from ruralwatch.ui.widgets.typing_boxes import select_part_on_click

__all__ = [
    "PROBLEM_ROLE", "FieldMarks", "HubBridge", "MarkedFields", "MessageArea", "OutlinedProblems", "add_dock",
    "configure_table", "fit_to_width", "item", "make_table", "mark", "saved_or_marked", "select_data",
    "select_part_on_click", "settle_default_button", "show_rows", "unmark", "vocab_combo",
]
