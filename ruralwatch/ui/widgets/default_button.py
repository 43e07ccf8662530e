"""The one button Enter presses in a dialog."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QPushButton


def settle_default_button(dialog: QDialog, button: QPushButton) -> None:
    """Make `button` the dialog's default, and no other button ever takes Enter.

    Call it at the end of the dialog's __init__, once the button is inside the dialog: `setDefault` on a button
    not yet in its dialog is never told to the dialog, which then gave Enter to its first other button (the first
    start's and the export's Choose…, which opened a folder chooser). Qt's "auto-default" also hands Enter to any
    button the focus passes through; here only the default button answers Enter.
    """
    for other in dialog.findChildren(QPushButton):
        if other is not button:
            other.setAutoDefault(False)
            other.setDefault(False)
    button.setDefault(True)
