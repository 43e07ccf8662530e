"""Small widgets and helpers shared by the window, panels and dialogs (vorta's views/partials): one table
factory, combo helpers, field marks for a ValidationError, a dock helper and the change-hub bridge."""

from ruralwatch.ui.widgets.combos import select_data, vocab_combo
from ruralwatch.ui.widgets.default_button import settle_default_button
from ruralwatch.ui.widgets.docks import add_dock
from ruralwatch.ui.widgets.field_marks import FieldMarks, MarkedFields, mark, saved_or_marked, unmark
from ruralwatch.ui.widgets.hub_bridge import HubBridge
from ruralwatch.ui.widgets.tables import configure_table, item, make_table

__all__ = [
    "FieldMarks", "HubBridge", "MarkedFields", "add_dock", "configure_table", "item", "make_table", "mark",
    "saved_or_marked", "select_data", "settle_default_button", "unmark", "vocab_combo",
]
