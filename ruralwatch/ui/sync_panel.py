"""The sync panel: this laptop's identity, trusted devices, export and import of change packages (off the UI
thread), and the conflicts a merge kept for review with both values side by side."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ruralwatch.central.review import record_label
from ruralwatch.core.errors import ProgressCallback, RuralWatchError, ValidationError
from ruralwatch.core.times import format_local
from ruralwatch.core.words import count_of
from ruralwatch.services.changes import Change
from ruralwatch.services.container import Services
from ruralwatch.services.sync import (
    SETTINGS_TOPIC,
    Conflict,
    ExportResult,
    ImportResult,
    Peer,
    SyncService,
    demo_stays_note,
)
from ruralwatch.sync.crypto import fingerprint
from ruralwatch.sync.errors import KeyChanged
from ruralwatch.ui import theme
from ruralwatch.ui.central_conflicts import TIP, CentralConflictsDialog, why_not
from ruralwatch.ui.conflict_review import ConflictReview, MergeDialog, run_merge_dialog
from ruralwatch.ui.operations import Operations
from ruralwatch.ui.signin import FormDialog
from ruralwatch.ui.tasks import BackgroundTask
from ruralwatch.ui.widgets import fit_to_width, make_table, show_rows
from ruralwatch.ui.widgets.hub_bridge import HubBridge


def _local(stored: str | None) -> str:
    return format_local(stored) if stored else ""


def _note(text: str) -> QLabel:
    """A box's explanation, wrapped to the dock's width (a box's title is not: it sets the box's least width)."""
    note = QLabel(text)
    note.setWordWrap(True)
    return note


def _form(box: QGroupBox) -> QFormLayout:
    """A form whose fields go under their labels when the dock is too narrow for both side by side."""
    form = QFormLayout(box)
    form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
    return form


def _set_rows(table: QTableWidget, rows: list[list[Any]]) -> None:
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            cell = QTableWidgetItem("" if value is None else str(value))
            cell.setToolTip(cell.text())  # whole, where a narrow column elides it
            table.setItem(r, c, cell)
    table.resizeColumnsToContents()


class TrustDialog(FormDialog):
    """Trust a device: its id and public key (from its Sync panel or `sync identity`) and a name to know it by."""

    def __init__(self, service: SyncService, parent: QWidget | None = None) -> None:
        super().__init__("Trust a device", "Packages are imported only from devices trusted here. Copy the other "
                         "device's <b>device id</b> and <b>public key</b> from its Sync panel (or <code>ruralwatch "
                         "sync identity</code>).", "&Trust", parent=parent)
        self.service = service
        self.peer: Peer | None = None
        self.replaced: str | None = None  # the key a confirmed replacement took out
        self.device = self.add_field("&Device id:", QLineEdit())
        self.device.setPlaceholderText("e.g. 43734af183644f2a")
        self.key = self.add_field("Public &key:", QLineEdit(), "64 hex digits.")
        self.name = self.add_field("&Name:", QLineEdit())
        self.name.setPlaceholderText("optional, e.g. RET laptop 3 or Central store")
        self.setMinimumWidth(620)
        self.device.setFocus()

    def submit(self) -> None:
        try:
            try:
                self.peer = self.service.trust(self.device.text(), self.key.text(), self.name.text())
            except KeyChanged as changed:
                # What an impostor would send: nothing is replaced unless the person says so (default No).
                if not self.confirm_replace(changed):
                    self.show_error(f"Not trusted: {_who(changed)} is already trusted here with another key, kept "
                                    "as it was.", self.key)
                    return
                self.peer = self.service.trust(self.device.text(), self.key.text(), self.name.text(),
                                               replace_key=True)
                self.replaced = changed.old_key
        except ValidationError as exc:
            self.show_validation(exc, {"device": self.device, "key": self.key})
            for error in exc.errors[1:]:  # every field named is outlined; the first has the focus
                field = {"device": self.device, "key": self.key}.get(error.field)
                if field is not None:
                    self.marks.mark(field, error.message)
            return
        except RuralWatchError as exc:
            self.show_error(str(exc)[:1].upper() + str(exc)[1:])
            return
        self.accept()


    def confirm_replace(self, changed: KeyChanged) -> bool:
        """Replace the key of a device already trusted with another one? Default No. Tests replace this."""
        who = _who(changed)
        box = QMessageBox(QMessageBox.Icon.Warning, "Replace the trusted key?",
                          f"<b>{_html(who[:1].upper() + who[1:])} is already trusted here with another key.</b>",
                          parent=self)
        # Each key on the panel's two lines of eight groups, in fixed-width digits: the two keys' groups stand one
        # above the other to compare (wrapped as prose, they broke at different groups).
        box.setInformativeText(
            f"Trusted key:<br>{_key_html(changed.old_key)}<br>Key given:<br>{_key_html(changed.new_key)}"
            "<br><br>A different key is what an impostor would send. Replace it only if the device's owner has "
            "told you its new key (a reinstalled laptop; its Sync panel shows the key). Replace the trusted key?")
        box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
        box.setDefaultButton(QMessageBox.StandardButton.No)
        return box.exec() == QMessageBox.StandardButton.Yes


def _key_html(key: str) -> str:
    """A key's fingerprint on its two lines, fixed width, for a rich-text message."""
    return "<br>".join(f"<code>{_html(line)}</code>" for line in _fingerprint_lines(key).split("\n"))


def _who(changed: KeyChanged) -> str:
    return f"{changed.name} ({changed.device_id})" if changed.name else f"device {changed.device_id}"


def _key_in_groups(key: str) -> str:
    """A public key as its whole fingerprint (sixteen groups of four digits): it wraps in a narrow panel (64 digits
    in one word widened the dock), and is compared with the administrator's copy group by group (Trust a device…
    takes it with the spaces)."""
    return fingerprint(key)


def _fingerprint_lines(key: str) -> str:
    """The fingerprint on two lines of eight groups: as wide as 39 digits and spaces, so it fits the dock at
    1366x768 whole, and the same two lines on every laptop, to read out line by line."""
    groups = fingerprint(key).split(" ")
    half = (len(groups) + 1) // 2
    return " ".join(groups[:half]) + "\n" + " ".join(groups[half:])


def _station_problem(exc: BaseException) -> str:
    """Why the station sync stopped, in the panel's words: trust is set up here, not with a command."""
    from ruralwatch.central.errors import NotTrustedYet

    if not isinstance(exc, NotTrustedYet):
        return str(exc)
    if exc.untrusted == "central":
        return (f"this laptop does not trust the central store yet. Press Trust a device… below and give the central "
                f"store's device id and public key as your administrator gave them to you (it says it is device "
                f"{exc.device_id}, key {_key_in_groups(exc.public_key)}).")
    return ("the central store does not trust this laptop yet: give your administrator this laptop's device id and "
            f"public key (under This laptop below: {exc.device_id}, key {_key_in_groups(exc.public_key)}).")


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class SyncPanel(QWidget):
    exported = Signal(object)  # ExportResult
    imported = Signal(object)  # ImportResult
    conflicts_changed = Signal()
    pending_counted = Signal(object)  # {device id: rows an incremental export for it would carry}
    central_conflicts_state = Signal(str)  # why Central store conflicts… cannot open ("" when it can)

    def __init__(self, services: Services, ops: Operations, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service = services.sync
        self.ops = ops
        self.problems: list[str] = []

        identity = self.service.identity()
        self.device_id = QLineEdit(identity.device_id)
        self.device_id.setReadOnly(True)
        # Only there to copy: off the Tab chain (opening the panel put the focus in it), still reached by a click or
        # Alt+D, then Ctrl+A, Ctrl+C, as the key is by Alt+Y.
        self.device_id.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        # The whole key, in the groups its fingerprint is read out in (a read-only line showed 40 of its 64 digits at
        # 1366x768, the rest scrolled away). Selectable, so it can still be copied: Trust a device… takes the spaces.
        self.public_key = QLabel(_fingerprint_lines(identity.public_key))
        self.public_key.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.public_key.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                                | Qt.TextInteractionFlag.TextSelectableByKeyboard)
        self.public_key.setToolTip("This laptop's public key: read it out group by group to whoever trusts it")
        # Alt+Y (or a click) reaches it, so the key can be selected and copied (Ctrl+A, Ctrl+C) without a mouse; Tab
        # passes it by, as it does the device id.
        self.public_key.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        # Short box titles, the explanation wrapped inside: a box is at least as wide as its title, and the long
        # ones (with device names on the conflict buttons and in the export choice) made the panel wider than its
        # dock at 1366x768, which then scrolled sideways.
        who = QGroupBox("This laptop")
        who_form = _form(who)
        who_form.addRow(_note("Give both to the central store to be trusted, and compare the key group by group."))
        who_form.addRow("&Device id", self.device_id)
        who_form.addRow("Public ke&y", self.public_key)

        # Two-line headers, each column as wide as its contents, again after View ▸ Larger text (sized once, in the
        # smaller font, the headers were cut to "ast export for" and "Pe"), and the name takes what is left (elided,
        # whole in its tooltip), so the table fits the dock.
        # The name is what a person reads: at 1366x768 a 420-pixel dock squeezed it to "C… st…" while the device
        # id kept its 16 digits. The name now takes what it needs (up to half the table; elided beyond, on one
        # line) and the device id what is left, elided (both whole in their tooltips).
        self.peers = fit_to_width(make_table(["Name", "Device\nid", "Last export\nfor it", "Last import\nfrom it",
                                              "Pending\nrows"], alternating=False), stretch=1)
        self.peers.setWordWrap(False)
        self.peers.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        self.peers.viewport().installEventFilter(self)
        # The dates and counts size to their contents (again under Larger text): the name then fits what is left.
        self.peers.horizontalHeader().sectionResized.connect(
            lambda column, _old, _new: self._fit_names() if column >= 2 else None)
        show_rows(self.peers, 5)  # a laptop, the central store and a few more: squeezed, it showed 1.5 rows
        trust = QPushButton("Tr&ust a device…")
        trust.clicked.connect(self.trust_dialog)
        peers_box = QGroupBox("Trusted devices")
        peers_layout = QVBoxLayout(peers_box)
        peers_layout.addWidget(self.peers)
        peers_layout.addWidget(trust)

        self.peer_choice = QComboBox()
        # As wide as the dock gives it, not as its longest choice ("Changes <device name> has not seen"): each
        # choice's whole text is its tooltip.
        self.peer_choice.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.peer_choice.setMinimumContentsLength(14)
        self.peer_choice.currentTextChanged.connect(self.peer_choice.setToolTip)
        # What was sent to a device is not sent again until it answers with a package of its own; a package that
        # was lost on the way is sent again with this (once: it clears after the export).
        self.resend = QCheckBox("Send again (lost or &broken package)")
        self.resend.setToolTip("Also send what earlier packages for this device carried and it has not yet said it "
                               "holds: for a package that never arrived")
        self.resend.setEnabled(False)
        self.peer_choice.currentIndexChanged.connect(
            lambda _index: self.resend.setEnabled(self.peer_choice.currentData() is not None))
        # The shared passphrase itself, typed hidden (or read from a file with "From file…"). It was a file-name
        # field: a typed passphrase was taken for a file name and then shown in clear in the error.
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setPlaceholderText("shared passphrase (needed to export: packages carry personal data)")
        # Typed twice to export: a mistype there made a package the station could not open (a walk); importing
        # needs it once, since a wrong one is refused at once and changes nothing.
        self.passphrase_again = QLineEdit()
        self.passphrase_again.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase_again.setPlaceholderText("the same passphrase again (only to export)")
        self.passphrase_again.setAccessibleName("Passphrase again, to export")
        self.passphrase_hint = QLabel("Your station's shared sync passphrase, agreed with the central store: your "
                                      "administrator gives it. Typed twice to export (or read from a file).")
        self.passphrase_hint.setWordWrap(True)
        self.passphrase_hint.setStyleSheet(theme.hint_style())
        from_file = QPushButton("From file…")
        from_file.setToolTip("Read the passphrase from a file (its first line)")
        from_file.clicked.connect(lambda: self.passphrase_from_file())
        passphrase_row = QHBoxLayout()
        passphrase_row.setContentsMargins(0, 0, 0, 0)
        passphrase_row.addWidget(self.passphrase, 1)
        passphrase_row.addWidget(from_file)
        export = self.export_button = QPushButton("E&xport changes…")
        export.clicked.connect(lambda: self.export_package())
        import_button = QPushButton("Import packa&ge…")
        import_button.clicked.connect(lambda: self.import_package())
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.applied = make_table(["Package", "From device", "Applied", "Rows"], alternating=False)
        # As tall as the packages listed (one row while none is, up to five): empty, it took a third of the panel.
        show_rows(self.applied, 1, most=5)
        exchange = QGroupBox("Exchange")
        exchange_form = _form(exchange)
        exchange_form.addRow("&Export for", self.peer_choice)
        exchange_form.addRow(self.resend)
        exchange_form.addRow("Pa&ssphrase", passphrase_row)
        exchange_form.labelForField(passphrase_row).setBuddy(self.passphrase)
        # The second box with a label of its own (it sat unlabelled under the first). Every letter of "Again" or
        # "Confirm" answers something else on the panel or the menu bar (j, q and z are all that is free), so
        # "equal" carries the letter.
        again_label = QLabel("Again (e&qual)")
        again_label.setBuddy(self.passphrase_again)
        again_label.setToolTip("The same passphrase again: a mistyped one makes a package nobody can open")
        exchange_form.addRow(again_label, self.passphrase_again)
        exchange_form.addRow(self.passphrase_hint)
        buttons = QHBoxLayout()
        buttons.addWidget(export)
        buttons.addWidget(import_button)
        exchange_form.addRow(buttons)
        exchange_form.addRow(self.status)
        exchange_form.addRow("A&pplied", self.applied)

        self.review = ConflictReview()
        self.review.chosen.connect(lambda choice: self.resolve_selected(choice))
        self.conflicts = self.review.table
        self.keep_mine, self.keep_theirs = self.review.keep_mine, self.review.keep_theirs
        conflicts_box = QGroupBox("Conflicts to review")
        conflicts_layout = QVBoxLayout(conflicts_box)
        conflicts_layout.addWidget(_note("Both values are kept until you choose."))
        conflicts_layout.addWidget(self.review)
        conflicts_box.setVisible(self.service.store.actor.can("sync.trust"))

        # What is done every time first, so Export changes… is in view when the panel opens at 1366x768 (it was below
        # the fold, under this laptop's identity and the trusted devices, which are set up once) and the focus lands
        # on the Export for choice (the Tab order follows this order).
        layout = QVBoxLayout(self)
        layout.addWidget(exchange)
        layout.addWidget(self._central_box())
        layout.addWidget(conflicts_box, 1)
        layout.addWidget(peers_box)
        layout.addWidget(who)
        # A connection string saved in Settings (or anywhere else) shows here at once, not after a restart; any
        # other change is rows to send, counted again once a burst of changes is over.
        self._recount = QTimer(self)
        self._recount.setSingleShot(True)
        self._recount.setInterval(300)
        self._recount.timeout.connect(lambda: self._count_pending(self._peer_ids()))
        self._bridge = HubBridge(services.hub, self._on_change, self)
        self.reload()

    def _on_change(self, change: Change) -> None:
        if change.topic == SETTINGS_TOPIC:
            self._show_central()
        else:  # a walk saved an incident and the Pending column still said 0: nothing to send, it seemed
            self._recount.start()

    def _peer_ids(self) -> list[str]:
        return [item.text() for row in range(self.peers.rowCount()) if (item := self.peers.item(row, 1)) is not None]

    def _central_box(self) -> QGroupBox:
        """At the station: send, merge and receive in one step through the force's central store (the connection
        string is set in File ▸ Settings, or with `ruralwatch sync central-store`)."""
        box = QGroupBox("Central store")
        form = _form(box)
        form.addRow(_note("At the station, on the force network."))
        self.central_where = QLabel()
        self.central_where.setWordWrap(True)
        self.central_button = QPushButton("Sync &with the central store")
        self.central_button.setToolTip("Send this laptop's changes to headquarters, merge them there, and bring "
                                       "back what the rest of the force changed")
        self.central_button.clicked.connect(lambda: self.sync_with_central())
        self.central_status = QLabel()  # the outcome, beside the button that asked for it
        self.central_status.setWordWrap(True)
        # Settled here, at headquarters, with both values in front of you: `central conflicts` / `central resolve`
        # were the only way (File ▸ Central store conflicts… is the same).
        self.central_conflicts_button = QPushButton("Central store conflicts…")
        self.central_conflicts_button.clicked.connect(lambda: self.open_central_conflicts())
        self._central_dialog: CentralConflictsDialog | None = None
        form.addRow(self.central_where)
        form.addRow(self.central_button)
        form.addRow(self.central_conflicts_button)
        form.addRow(self.central_status)
        return box

    def _show_central(self) -> None:
        from ruralwatch.central.target import describe_dsn

        dsn = self.service.central_dsn()
        allowed = self.service.store.actor.can("sync.exchange")
        self.central_button.setEnabled(bool(dsn) and allowed)
        refused = self.central_conflicts_refusal()
        self.central_conflicts_button.setEnabled(not refused)
        self.central_conflicts_button.setToolTip(refused or TIP)
        self.central_conflicts_state.emit(refused)  # File ▸ Central store conflicts… is greyed alike
        if dsn:
            self.central_where.setText(f"Headquarters: {describe_dsn(dsn)}")
        else:
            self.central_where.setText("No central store is set for this laptop: give its connection string in "
                                       "File ▸ Settings (your administrator has it).")

    # --- state --------------------------------------------------------------------------------------------

    def reload(self) -> None:
        self._show_central()
        activity = self.service.peer_activity(count_pending=False)
        peers = [a.peer for a in activity]
        _set_rows(self.peers, [[a.peer.name or "", a.peer.device_id, _local(a.last_export) or "never",
                                _local(a.last_import) or "never", "…"] for a in activity])
        self._fit_names()
        self._count_pending([peer.device_id for peer in peers])
        chosen = self.peer_choice.currentData()  # kept: after an export it reset to a full package, unnoticed
        self.peer_choice.clear()
        self.peer_choice.addItem("Everything (full package)", None)
        for peer in peers:
            self.peer_choice.addItem(f"Changes {peer.name or peer.device_id} has not seen", peer.device_id)
        self.peer_choice.setCurrentIndex(max(0, self.peer_choice.findData(chosen)) if chosen else 0)
        for index in range(self.peer_choice.count()):  # the whole choice, when the box is too narrow to show it
            self.peer_choice.setItemData(index, self.peer_choice.itemText(index), Qt.ItemDataRole.ToolTipRole)
        names = {peer.device_id: peer.name for peer in peers if peer.name}  # the name it was trusted under
        _set_rows(self.applied, [[p.package_id, names.get(p.source_device, p.source_device), p.applied_at, p.rows]
                                 for p in self.service.applied_packages(20)])
        # Conflicts carry whole field values (contact details too): only roles that resolve them see them.
        self._conflicts = self.service.conflicts() if self.service.store.actor.can("sync.trust") else []
        self.review.show_conflicts(self._conflicts, [record_label(c, self.service.conflict_subject(c))
                                                     for c in self._conflicts])

    def _passphrase(self) -> str | None:
        return self.passphrase.text() or None

    def passphrase_from_file(self) -> None:
        """Fill the passphrase from a file; a file that will not do is named, its content never shown."""
        from ruralwatch.services.sync import read_passphrase

        chosen, _ = QFileDialog.getOpenFileName(self, "Passphrase file", str(Path.home()), "All files (*)")
        if not chosen:
            return
        try:
            text = read_passphrase(chosen)
        except RuralWatchError as exc:
            self._tell(str(exc)[:1].upper() + str(exc)[1:] + ".")
            return
        self.passphrase.setText(text or "")
        self.passphrase_again.setText(text or "")  # read, not typed: nothing to mistype
        self._tell(f"Passphrase read from {Path(chosen).name}.")

    def _tell(self, text: str, tip: str = "") -> None:
        """The outcome under Exchange; `tip` (a file's whole path) as its tooltip, else none left from before.
        Scrolled into view: at 1366x768 the line sat below the dock's fold and a trust or import said nothing."""
        self.status.setText(text)
        self.status.setToolTip(tip)
        scroll = self.parentWidget()
        while scroll is not None and not isinstance(scroll, QScrollArea):
            scroll = scroll.parentWidget()
        if text and isinstance(scroll, QScrollArea):
            # Again once the dock has laid out the line's new height (a wrapped second line was cut off).
            scroll.ensureWidgetVisible(self.status, 0, 8)
            QTimer.singleShot(0, self.status, lambda: scroll.ensureWidgetVisible(self.status, 0, 8))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if watched is self.peers.viewport() and event.type() in (QEvent.Type.Resize, QEvent.Type.FontChange):
            self._fit_names()
        return super().eventFilter(watched, event)

    def _fit_names(self) -> None:
        """The Name column as wide as its longest name (or its header), but at most half the table, and never so
        wide that the table scrolls sideways (the dates and counts keep their width, the device id its least)."""
        header = self.peers.horizontalHeader()
        wanted = max(self.peers.sizeHintForColumn(0), header.sectionSizeHint(0))
        others = sum(header.sectionSize(column) for column in range(2, header.count()))
        room = self.peers.viewport().width() - others - self._least_id_width()
        width = self.peers.viewport().width()
        # A short name ("Central store", a third of the table) stays whole; a longer one gives way to the id's least.
        name = min(wanted, width // 2) if wanted <= width // 3 else min(wanted, width // 2, room)
        self.peers.setColumnWidth(0, max(header.minimumSectionSize(), name))

    def _least_id_width(self) -> int:
        """Room for a device id's first five digits and the ellipsis: at 1366x768, with dates in the export and
        import columns, a long name left the id "0…" (the whole id stays in its tooltip)."""
        digits = self.peers.fontMetrics().horizontalAdvance("00000…")
        return max(self.peers.horizontalHeader().minimumSectionSize(), digits + 8)  # the cell's padding

    def report(self, message: str) -> None:
        self.problems.append(message)
        self._tell(message)

    # --- actions ------------------------------------------------------------------------------------------

    def trust_dialog(self) -> TrustDialog:
        """One form for the device id, its key and a name: a wrong key is marked there with what was typed kept
        (three boxes in a row lost all three, and said so under Exchange, after the third)."""
        dialog = TrustDialog(self.service, self)
        dialog.accepted.connect(lambda: self._trusted(dialog))
        dialog.open()
        return dialog

    def _trusted(self, dialog: TrustDialog) -> None:
        peer = dialog.peer
        if peer is None:
            return
        self.reload()
        if dialog.replaced:
            self._tell(f"Key of {peer.name or peer.device_id} ({peer.device_id}) replaced: "
                       f"{fingerprint(dialog.replaced)} is no longer trusted, {fingerprint(peer.public_key)} is.")
            return
        self._tell(f"Trusted {peer.name or peer.device_id} ({peer.device_id}): its packages can be imported here. "
                   f"Its key: {fingerprint(peer.public_key)} (the same groups as on its Sync panel).")

    def _count_pending(self, devices: list[str]) -> None:
        """Fill in the Pending column off the UI thread: a count can read every row (0.6 s for 150,000)."""
        if not devices:
            return

        def count(services: Services, _progress: ProgressCallback) -> dict[str, int]:
            return {device: services.sync.pending(device) for device in devices}

        def show(counts: dict[str, int]) -> None:
            for row in range(self.peers.rowCount()):
                device = self.peers.item(row, 1)
                if device is not None and device.text() in counts:
                    self.peers.item(row, 4).setText(f"{counts[device.text()]:,}")
            self.pending_counted.emit(counts)

        self.ops.run("Counting the rows to send…", count, show, quiet=True,
                     on_failed=lambda exc: self._tell(f"Pending rows not counted: {exc}"))

    def _in_background(self, title: str, operation: Callable[[SyncService, str | None, ProgressCallback], Any],
                       done: Callable[[Any], None], failure: str, cancelled: str) -> BackgroundTask | None:
        """Run `operation(service, passphrase, progress)` on its own connection off the UI thread, under the progress
        dialog (its notes, and Cancel, which changes nothing: `cancelled` is then said, as no problem)."""
        try:
            passphrase = self._passphrase()
        except RuralWatchError as exc:
            self.report(str(exc))
            return None
        def failed(exc: BaseException) -> None:
            self.report(f"{failure}: {exc}")

        return self.ops.run(title, lambda services, progress: operation(services.sync, passphrase, progress), done,
                            on_failed=failed, on_cancelled=lambda _exc: self._tell(cancelled))

    def export_package(self, path: Path | None = None) -> BackgroundTask | None:
        """Export off the UI thread (the task, whose `finished` tests wait for; None when nothing was started)."""
        if not self.passphrase.text():
            # As on the command line: a package carries contact details, so it leaves the laptop encrypted.
            self._tell("Type the shared passphrase first: a package carries personal data, so it is "
                                "always encrypted")
            self.passphrase.setFocus()
            return None
        if self.passphrase_again.text() != self.passphrase.text():
            # Both kept as typed (the first may be the right one); nothing is written.
            self._tell("Not exported: the two passphrases differ. Type the same in both boxes: a "
                       "package under a mistyped one cannot be opened at the station.")
            self.passphrase_again.setFocus()
            self.passphrase_again.selectAll()
            return None
        if path is None:
            # A name per laptop and minute: the same name every time had a second export overwrite the first.
            chosen, _ = QFileDialog.getSaveFileName(self, "Export changes",
                                                    str(Path.home() / self.service.package_name()),
                                                    "RuralWatch sync package (*.rwsync)")
            if not chosen:
                return None
            path = Path(chosen)
        peer = self.peer_choice.currentData()
        resend = peer is not None and self.resend.isChecked()

        def done(result: ExportResult) -> None:
            self.resend.setChecked(False)
            # The file's name, its folder in the tooltip: a whole path is one long word that wraps nowhere.
            self._tell(f"Exported {count_of(sum(result.rows.values()), 'row')} to {Path(result.path).name}"
                       + (" (encrypted)" if result.encrypted else "")
                       + (f"; {result.demo_note()}" if result.demo_left_out else ""), tip=result.path)
            self.reload()
            self.exported.emit(result)

        return self._in_background(
            "Exporting changes…",
            lambda service, passphrase, progress: service.export(path, since_last_for=peer, passphrase=passphrase,
                                                                 progress=progress, resend=resend),
            done, "Not exported", "Export cancelled: no package was written.",
        )

    def import_package(self, path: Path | None = None) -> BackgroundTask | None:
        """Import off the UI thread (the task, whose `finished` tests wait for; None when nothing was started)."""
        if path is None:
            chosen, _ = QFileDialog.getOpenFileName(self, "Import package", str(Path.home()),
                                                    "RuralWatch sync package (*.rwsync);;All files (*)")
            if not chosen:
                return None
            path = Path(chosen)

        def done(result: ImportResult) -> None:
            self._tell(
                f"Applied: {result.inserted:,} new, {result.updated:,} updated, "
                f"{count_of(result.conflicts, 'conflict')} to review"
                f"{'; ' + result.demo_note() if result.demo_left_out else ''}"
                if result.status == "applied" else f"Skipped: {result.message or 'already applied'}"
            )
            self.reload()
            self.imported.emit(result)

        return self._in_background(
            "Importing package…",
            lambda service, passphrase, progress: service.import_package(path, passphrase=passphrase,
                                                                         progress=progress),
            done, "Not imported", f"Import cancelled: nothing of {path.name} was merged.",
        )

    def sync_with_central(self) -> None:
        """Export, merge at headquarters and import what comes back, off the UI thread with progress and cancel
        (inside each step too: each step is all-or-nothing, so a cancelled run loses nothing)."""
        from ruralwatch.central.station import StationSync, sync_with_central
        from ruralwatch.central.target import pg_target

        dsn = self.service.central_dsn()
        if not dsn:
            self._show_central()
            return
        target = pg_target(dsn)

        def work(services: Services, progress: ProgressCallback) -> StationSync:
            return sync_with_central(services.sync, target, progress)

        def done(result: StationSync) -> None:
            back = result.received
            self.central_status.setStyleSheet("")
            kept = demo_stays_note(result.demo_kept)
            everything = " everything the central store holds:" if result.full else ""
            self.central_status.setText(f"Synced: sent {count_of(result.sent_rows, 'row')}; received{everything} "
                                        f"{back.inserted:,} new and {back.updated:,} updated, "
                                        f"{count_of(back.conflicts, 'conflict')} to review."
                                        + (f" {kept[:1].upper()}{kept[1:]}." if kept else ""))
            self.reload()
            self.imported.emit(back)

        def failed(exc: BaseException) -> None:
            message = f"Not synced with the central store: {_station_problem(exc)}"
            self.problems.append(message)
            self.central_status.setStyleSheet(theme.error_style())
            self.central_status.setText(message)
            self.reload()  # a step that finished before the failure is shown

        self.central_status.setStyleSheet("")
        self.central_status.setText("Syncing…")

        self.ops.run("Syncing with the central store…", work, done, on_failed=failed)

    def central_conflicts_refusal(self) -> str:
        """Why Central store conflicts… cannot open now ("" when it can): the role, or no central store set."""
        return why_not(self.service.store.actor, self.service.central_dsn())

    def open_central_conflicts(self) -> CentralConflictsDialog | None:
        """The central store's conflicts in a dialog of their own (None when nothing was opened: said instead): the
        PostgreSQL central store set in Settings; with none set, nothing (why_not says how to set one)."""
        from ruralwatch.central.review import window_target

        refused = why_not(self.service.store.actor, self.service.central_dsn())
        if refused:
            self._tell(refused if refused.endswith(".") else refused + ".")
            return None
        try:
            target = window_target(self.service.central_dsn())
        except RuralWatchError as exc:
            self._tell(f"Central store not opened: {exc}")
            return None
        if self._central_dialog is not None:
            if self._central_dialog.target == target:
                self._central_dialog.reload()
                self._central_dialog.show()
                self._central_dialog.raise_()
                return self._central_dialog
            self._central_dialog.deleteLater()
        dialog = self._central_dialog = CentralConflictsDialog(self.ops, target, self.window())
        dialog.settled.connect(lambda _conflict: self.reload())
        dialog.show()
        return dialog

    def run_dialog(self, dialog: QDialog) -> int:
        """Run a dialog opened from the panel; tests replace this to fill it in."""
        return dialog.exec()

    def selected_conflict(self) -> Conflict | None:
        chosen = self.review.selected()
        return chosen[0] if chosen else None

    def resolve_selected(self, choice: str, merged_value: Any = None) -> bool:
        chosen = self.review.selected()
        if chosen is None:
            return False
        conflict, record = chosen
        if choice == "merged" and merged_value is None:
            def settle(value: str, done: Callable[[Conflict], None], failed: Callable[[BaseException], None]) -> None:
                try:  # this database, a local write: at once, as it always was
                    resolved = self.service.resolve(conflict.id, "merged", value)
                except RuralWatchError as exc:
                    failed(exc)
                    return
                done(resolved)

            if not run_merge_dialog(MergeDialog(settle, conflict, record, self), self.run_dialog):
                return False
            self.reload()
            self.conflicts_changed.emit()
            return True
        try:
            self.service.resolve(conflict.id, choice, merged_value)
        except RuralWatchError as exc:
            self.report(f"Not resolved: {exc}")
            return False
        self.reload()
        self.conflicts_changed.emit()
        return True
