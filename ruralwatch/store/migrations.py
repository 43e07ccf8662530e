"""Ordered schema migrations. Each step runs in its own transaction and sets `PRAGMA user_version`.

Append new steps; never edit a released one. Every syncable table gets `SYNC_COLUMNS` (see syncable.py).
"""

from __future__ import annotations

from collections.abc import Callable

import sqlite_utils
from sqlite_utils.db import DEFAULT, Default, ForeignKeysType

Migration = Callable[[sqlite_utils.Database], None]

SYNC_COLUMNS: dict[str, type] = {
    "created_at": str,
    "updated_at": str,
    "device_id": str,
    "hlc": str,
    "field_hlc": str,
    "deleted": int,
}


def _syncable(db: sqlite_utils.Database, name: str, columns: dict[str, type],
              foreign_keys: ForeignKeysType | Default = DEFAULT) -> None:
    db.table(name).create(
        {"id": str, **columns, **SYNC_COLUMNS},
        pk="id",
        not_null={"created_at", "updated_at", "device_id", "hlc", "field_hlc", "deleted"},
        defaults={"deleted": 0},
        foreign_keys=foreign_keys,
    )
    db.table(name).create_index(["hlc"], index_name=f"idx_{name}_hlc")


def initial_schema(db: sqlite_utils.Database) -> None:
    db.table("meta").create({"key": str, "value": str}, pk="key")
    incident_columns: dict[str, type] = {
        "kind": str,
        "subkind": str,
        "occurred_start": str,
        "occurred_end": str,
        "reported_at": str,
        "lat": float,
        "lon": float,
        "place": str,
        "description": str,
        "status": str,
        "crime_reference": str,
        "reporter_name": str,
        "reporter_phone": str,
        "synthetic": int,
        # Kind-specific details (ruralwatch.core.kinds) live as columns so sync can merge them per field.
        "hc_people": int,
        "hc_dogs": int,
        "hc_landowner_informed": int,
        "enc_caravans": int,
        "enc_vehicles": int,
        "enc_people": int,
        "enc_land_type": str,
        "enc_notice": str,
        "enc_date_left": str,
    }
    _syncable(db, "incidents", incident_columns)
    db.execute("CREATE INDEX idx_incidents_live_start ON incidents(deleted, occurred_start)")
    db.execute("CREATE INDEX idx_incidents_kind ON incidents(kind)")
    db.execute("CREATE INDEX idx_incidents_status ON incidents(status)")

    _syncable(
        db,
        "incident_vehicles",
        {"incident_id": str, "vrm": str, "role": str, "make": str, "model": str, "colour": str},
        foreign_keys=[("incident_id", "incidents", "id")],
    )
    db.table("incident_vehicles").create_index(["incident_id"])
    db.table("incident_vehicles").create_index(["vrm"])

    _syncable(
        db,
        "stolen_items",
        {
            "incident_id": str, "category": str, "description": str, "make": str, "model": str,
            "serial_number": str, "marking": str, "value_pence": int, "recovered": int,
        },
        foreign_keys=[("incident_id", "incidents", "id")],
    )
    db.table("stolen_items").create_index(["incident_id"])
    db.table("stolen_items").create_index(["serial_number"])

    # File contents are stored once by SHA-256 and never change, so they need no clock of their own:
    # the attachment row that names them is what syncs and can be tombstoned.
    db.table("blobs").create({"sha256": str, "size": int, "data": bytes}, pk="sha256")
    _syncable(
        db,
        "attachments",
        {"incident_id": str, "sha256": str, "filename": str, "media_type": str, "size": int, "caption": str},
        foreign_keys=[("incident_id", "incidents", "id"), ("sha256", "blobs", "sha256")],
    )
    db.table("attachments").create_index(["incident_id"])


def basemaps(db: sqlite_utils.Database) -> None:
    """Offline basemaps (MBTiles files) this laptop knows. Local configuration: not synced."""
    db.table("basemaps").create(
        {
            "id": str, "name": str, "path": str, "format": str, "minzoom": int, "maxzoom": int,
            "bounds": str, "attribution": str, "position": int, "added_at": str,
        },
        pk="id",
        not_null={"name", "path", "format", "minzoom", "maxzoom", "position", "added_at"},
    )
    db.table("basemaps").create_index(["name"], unique=True)


def published_crime(db: sqlite_utils.Database) -> None:
    """Street-level crime published by data.police.uk, imported from its monthly CSV files.

    Local context data, NOT syncable rows: no SYNC_COLUMNS, never sent to or merged from another device.
    Every laptop can import the same public files, and `dedupe_key` (see ruralwatch.io.police_uk) makes a
    re-import add nothing. Kept apart from the officers' own incident reports.
    """
    db.execute(
        """CREATE TABLE import_batches (
            id INTEGER PRIMARY KEY,
            source TEXT NOT NULL,
            file_name TEXT,
            file_sha256 TEXT,
            rows_read INTEGER,
            imported INTEGER,
            duplicates INTEGER,
            rejected INTEGER,
            rejected_reasons TEXT,  -- JSON object: reason -> row count
            imported_at TEXT
        )"""
    )
    db.execute(
        """CREATE TABLE published_crimes (
            id INTEGER PRIMARY KEY,
            dedupe_key TEXT NOT NULL UNIQUE,
            crime_id TEXT,
            month TEXT,  -- YYYY-MM
            reported_by TEXT,
            falls_within TEXT,
            lon REAL,
            lat REAL,
            easting REAL,  -- British National Grid (EPSG:27700) metres; NULL without coordinates
            northing REAL,
            location TEXT,
            lsoa_code TEXT,
            lsoa_name TEXT,
            crime_type TEXT,
            last_outcome TEXT,
            context TEXT,
            batch_id INTEGER REFERENCES import_batches(id)
        )"""
    )
    db.execute("CREATE INDEX idx_published_crimes_month ON published_crimes(month)")
    db.execute("CREATE INDEX idx_published_crimes_crime_type ON published_crimes(crime_type)")
    db.execute("CREATE INDEX idx_published_crimes_lsoa_code ON published_crimes(lsoa_code)")


def harm_overrides(db: sqlite_utils.Database) -> None:
    """An analyst's changes to the default crime harm weights (resources/harm), each with its reason."""
    db.table("harm_overrides").create(
        {"key": str, "days": float, "note": str, "updated_at": str},
        pk="key",
        not_null={"days", "note", "updated_at"},
    )


def sync_state(db: sqlite_utils.Database) -> None:
    """Local bookkeeping of sync (ruralwatch.services.sync): trusted peers, applied packages, conflicts.

    Not syncable: no SYNC_COLUMNS, never exported. Vectors ("seen") are JSON objects device id -> clock.
    """
    db.execute(
        """CREATE TABLE sync_peers (
            device_id TEXT PRIMARY KEY,
            name TEXT,
            public_key TEXT NOT NULL,  -- Ed25519, hex
            trusted_at TEXT NOT NULL,
            received_seen TEXT,  -- JSON: the peer's own `seen` vector from the latest package it sent us
            sent_watermark TEXT  -- JSON: our `seen` vector when we last exported for this peer
        )"""
    )
    db.execute(
        """CREATE TABLE sync_packages (
            package_id TEXT PRIMARY KEY,
            source_device TEXT NOT NULL,
            applied_at TEXT NOT NULL,
            sha256 TEXT,
            rows INTEGER
        )"""
    )
    db.execute(
        """CREATE TABLE sync_conflicts (
            id INTEGER PRIMARY KEY,
            table_name TEXT NOT NULL,
            row_id TEXT NOT NULL,
            field TEXT NOT NULL,
            local_value TEXT,  -- JSON-encoded
            local_hlc TEXT,
            incoming_value TEXT,  -- JSON-encoded
            incoming_hlc TEXT,
            winner TEXT NOT NULL CHECK (winner IN ('local', 'incoming')),
            kind TEXT NOT NULL CHECK (kind IN ('edit', 'delete_vs_edit')),
            package_id TEXT,
            detected_at TEXT NOT NULL,
            resolved_at TEXT,
            resolution TEXT
        )"""
    )
    db.execute("CREATE INDEX idx_sync_conflicts_open ON sync_conflicts(resolved_at, table_name, row_id)")


def people_and_duties(db: sqlite_utils.Database) -> None:
    """Volunteers and officers, their availability, duties and who is on them. All syncable.

    Lists (skills, needed skills, allowed roles) are JSON text in one column: sync merges per field, and a
    coordinator edits such a list as one value.
    """
    _syncable(
        db,
        "people",
        {
            "name": str, "role": str, "collar_number": str, "rank": str,
            "independent_patrol": int, "driving_authorised": int,
            "skills": str,  # JSON array of ruralwatch.core.vocab SKILLS keys, sorted
            "station": str, "area": str, "monthly_commitment_hours": float,
            "phone": str, "email": str,  # personal data
            "active": int, "left_on": str, "notes": str, "synthetic": int,
        },
    )
    db.table("people").create_index(["name"])
    # Weekly recurring availability in UK local wall-clock time; end <= start runs past midnight.
    _syncable(
        db,
        "availability",
        {"person_id": str, "weekday": int, "start_time": str, "end_time": str},
        foreign_keys=[("person_id", "people", "id")],
    )
    db.table("availability").create_index(["person_id"])
    _syncable(
        db,
        "availability_exceptions",
        {"person_id": str, "on_date": str, "kind": str, "start_time": str, "end_time": str, "note": str},
        foreign_keys=[("person_id", "people", "id")],
    )
    db.table("availability_exceptions").create_index(["person_id", "on_date"])
    _syncable(
        db,
        "duties",
        {
            "title": str, "kind": str, "starts_at": str, "ends_at": str, "station": str, "area": str,
            "required_skills": str,  # JSON object skill -> how many of the crew must hold it
            "allowed_roles": str,  # JSON array of PERSON_ROLES keys
            "min_crew": int, "max_crew": int, "patrol_id": str, "status": str, "notes": str, "synthetic": int,
        },
    )
    db.execute("CREATE INDEX idx_duties_live_start ON duties(deleted, starts_at)")
    _syncable(
        db,
        "duty_assignments",
        {
            "duty_id": str, "person_id": str,
            "override_reason": str,  # a coordinator's reason for assigning despite broken rules
            "overridden_rules": str,  # JSON array of the rule codes that were broken at the time
            "assigned_by": str,  # "coordinator" or "autofill"
            "hours": float,  # hours actually worked when they differ from the duty's length
        },
        foreign_keys=[("duty_id", "duties", "id"), ("person_id", "people", "id")],
    )
    db.table("duty_assignments").create_index(["duty_id"])
    db.table("duty_assignments").create_index(["person_id"])


def patrols(db: sqlite_utils.Database) -> None:
    """Joint patrols: the plan, the crew and the log written during the patrol. All syncable."""
    _syncable(
        db,
        "patrols",
        {
            "title": str, "starts_at": str, "ends_at": str,
            "area_kind": str, "area_name": str,  # "district" / "ward" / "polygon" and its name
            "area_geojson": str,  # a drawn polygon, when area_kind is "polygon"
            "purpose": str, "vehicle": str, "call_sign": str, "status": str,
            "plan": str,  # JSON: planned stops in order with times (ruralwatch.services.patrols)
            "plan_settings": str,  # JSON: dwell, road factor, speed used for the plan
            "start_lat": float, "start_lon": float,  # base the route starts and ends at, if any
            "started_at": str, "ended_at": str, "briefed_at": str, "notes": str, "synthetic": int,
        },
    )
    db.execute("CREATE INDEX idx_patrols_live_start ON patrols(deleted, starts_at)")
    _syncable(
        db,
        "patrol_crew",
        {"patrol_id": str, "person_id": str},
        foreign_keys=[("patrol_id", "patrols", "id"), ("person_id", "people", "id")],
    )
    db.table("patrol_crew").create_index(["patrol_id"])
    db.table("patrol_crew").create_index(["person_id"])
    _syncable(
        db,
        "patrol_events",
        {
            "patrol_id": str, "kind": str, "at": str, "lat": float, "lon": float,
            "stop_key": str,  # the planned stop the event belongs to, if any
            "vrm": str, "vrm_flagged": int,  # stop-checks: matched a vehicle of interest when logged
            "detail": str, "incident_id": str,
        },
        foreign_keys=[("patrol_id", "patrols", "id")],
    )
    db.table("patrol_events").create_index(["patrol_id", "at"])


def accounts_and_audit(db: sqlite_utils.Database) -> None:
    """Local accounts (roles; passwords live only as wrapped keys, see ruralwatch.store.keyring) and the
    hash-chained audit log (ruralwatch.store.audit). Neither syncs: accounts are per laptop, and each
    laptop's audit chain is its own record of what was done on it."""
    db.execute(
        """CREATE TABLE accounts (
            id TEXT PRIMARY KEY,
            username TEXT NOT NULL UNIQUE COLLATE NOCASE,
            display_name TEXT,
            role TEXT NOT NULL,
            person_id TEXT,  -- the volunteer or officer this account belongs to, if any
            active INTEGER NOT NULL DEFAULT 1,
            created_at TEXT NOT NULL,
            password_changed_at TEXT
        )"""
    )
    db.execute(
        """CREATE TABLE audit_log (
            seq INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,  -- create, update, delete, restore, export, import, merge, login, ...
            target_table TEXT,
            record_id TEXT,
            changes TEXT,  -- JSON: field -> [before, after]; personal values as their SHA-256
            row_hash TEXT,  -- SHA-256 of the whole row after the change (syncable rows)
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL
        )"""
    )
    db.execute("CREATE INDEX idx_audit_record ON audit_log(target_table, record_id)")
    db.execute("CREATE INDEX idx_audit_actor_at ON audit_log(actor, at)")


def patrol_crew_overrides(db: sqlite_utils.Database) -> None:
    """A crew place kept despite broken rostering rules (availability, rest, weekly hours) keeps the reason and
    the rules in its own row, as a duty assignment does: synced and audited with the row."""
    db.table("patrol_crew").add_column("override_reason", str)
    db.table("patrol_crew").add_column("overridden_rules", str)  # JSON array of the rule codes broken at the time


def signed_accounts(db: sqlite_utils.Database) -> None:
    """Account records signed by an administrator (ruralwatch.services.accounts): the account's signing key, the
    account that signed the record and the signature, so a role raised by editing the file is refused."""
    accounts = db.table("accounts")
    accounts.add_column("public_key", str)  # hex Ed25519; NULL until the account has its own key pairs
    accounts.add_column("signed_by", str)  # id of the administrator's account that signed it (itself for the root)
    accounts.add_column("signature", str)  # hex Ed25519 over ruralwatch.services.accounts.record_payload


def audit_row_hashes(db: sqlite_utils.Database) -> None:
    """Row hashes an audit entry records in bulk (a merge's rows, an import batch, an account or a setting it
    wrote), sealed by the SHA-256 in the entry's `changes` (ruralwatch.store.audit). Then a "baseline" entry for
    the rows already here that the log has no hash for, so that from now on a row without one is fabricated."""
    db.execute(
        """CREATE TABLE audit_row_hashes (
            seq INTEGER NOT NULL,  -- the audit_log entry that recorded the line
            table_name TEXT NOT NULL,
            row_id TEXT NOT NULL,
            hash TEXT,  -- SHA-256 of the row as written; NULL: the row must not exist
            PRIMARY KEY (seq, table_name, row_id)
        ) WITHOUT ROWID"""
    )
    from ruralwatch.store.audit import record_baseline  # here: audit imports the store, which imports this

    record_baseline(db)


def signed_audit(db: sqlite_utils.Database) -> None:
    """Audit entries signed by the acting account (ruralwatch.store.audit.append_entry): the signature is over the
    entry's hash, kept beside it, so entries written before keep their hashes."""
    audit = db.table("audit_log")
    audit.add_column("signer_key", str)  # hex Ed25519 public key of the account that wrote the entry
    audit.add_column("signature", str)  # hex Ed25519 signature over the entry's hash


def device_audit(db: sqlite_utils.Database) -> None:
    """The audit chains other devices send in their sync packages (ruralwatch.services.device_audit), the alerts
    raised when one was cut, rewritten or wiped, and how far this device's own chain was sent to each peer."""
    db.execute(
        """CREATE TABLE device_audit (
            device_id TEXT NOT NULL,
            seq INTEGER NOT NULL,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            target_table TEXT,
            record_id TEXT,
            changes TEXT,
            row_hash TEXT,
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL,
            signer_key TEXT,
            signature TEXT,
            package_id TEXT,  -- the package it arrived in
            package_created_at TEXT,  -- when the sender made that package
            PRIMARY KEY (device_id, seq)
        ) WITHOUT ROWID"""
    )
    db.execute(
        """CREATE TABLE audit_alerts (
            device_id TEXT NOT NULL,
            detected_at TEXT NOT NULL,
            package_id TEXT,
            message TEXT NOT NULL
        )"""
    )
    db.table("sync_peers").add_column("audit_sent_seq", int)  # our audit head when we last exported for the peer


def field_keys(db: sqlite_utils.Database) -> None:
    """Field-level encryption (ruralwatch.store.field_keys): each account's X25519 public key, vouched for by its
    own signing key, and the category private keys sealed to the accounts entitled to them."""
    db.table("accounts").add_column("box_public", str)
    db.table("accounts").add_column("box_signature", str)
    db.execute(
        """CREATE TABLE field_key_grants (
            account_id TEXT NOT NULL,
            category TEXT NOT NULL,
            version INTEGER NOT NULL,
            sealed TEXT NOT NULL,  -- JSON: the private key sealed to the account's box key
            PRIMARY KEY (account_id, category, version)
        ) WITHOUT ROWID"""
    )


def published_crime_ids(db: sqlite_utils.Database) -> None:
    """The importer finds the crimes a file repeats by Crime ID (ruralwatch.services.published), and keeps the month
    whose outcome a crime published in several months carries (NULL: its own month)."""
    db.execute("CREATE INDEX idx_published_crimes_crime_id ON published_crimes(crime_id)")
    db.table("published_crimes").add_column("outcome_month", str)


def vehicle_watchlist(db: sqlite_utils.Database) -> None:
    """Vehicles of interest from lists a team imports (force systems, ANPR hotlists): why, from which list, since
    and until when. Syncable like incidents; the registration is sealed (registrations category)."""
    _syncable(
        db,
        "watchlist_vehicles",
        {
            "vrm": str,  # normalised (ruralwatch.core.vrm), sealed at rest
            "reason": str, "source": str,  # the list's name, e.g. "ANPR hotlist" or "Force intelligence"
            "added_on": str, "expires_on": str,  # ISO dates; no expiry: NULL
            "handling": str,  # the handling note that came with it ("do not stop alone")
            "import_id": str,  # the import it came in (one audit entry each)
        },
    )
    db.table("watchlist_vehicles").create_index(["deleted", "source"])


def patrol_tracks(db: sqlite_utils.Database) -> None:
    """Where a patrol really went: positions from a GNSS receiver (or an imported GPX file), thinned, written as
    they come (ruralwatch.services.patrols.track). Syncable like every patrol row; location data about people, so
    under retention. `segment` counts up after each receiver drop-out, so a gap stays a gap (never joined by a
    straight line that was not driven)."""
    _syncable(
        db,
        "patrol_track_points",
        {
            "patrol_id": str, "at": str, "lat": float, "lon": float,
            "accuracy_m": float,  # horizontal accuracy the receiver reported, metres (NULL: not reported)
            "source": str,  # "gps" (live receiver), "gpx" (imported file), "nmea-replay" (a replayed log)
            "segment": int,
        },
        foreign_keys=[("patrol_id", "patrols", "id")],
    )
    db.table("patrol_track_points").create_index(["patrol_id", "at"])


def premises_register(db: sqlite_utils.Database) -> None:
    """The premises register (ruralwatch.core.premises): farms, estates, yards, churches... with their location,
    contact (sealed, under retention), watch-scheme membership, crime-prevention visits and registered property;
    and the premises an incident happened at. All syncable like incidents."""
    _syncable(
        db,
        "premises",
        {
            "name": str, "kind": str,  # kind: ruralwatch.core.premises.PREMISES_KINDS
            "grid_ref": str, "easting": float, "northing": float, "lat": float, "lon": float,  # OSTN15
            "address": str,
            "contact_name": str, "contact_phone": str, "contact_email": str,  # personal data, sealed (reporters)
            # Watch-scheme keys, sorted, comma-separated: one field, so membership merges (and conflicts) as one
            # value; a premises is in a handful of schemes and changing them is one person's edit.
            "schemes": str,
            "notes": str,
            "registered_on": str, "closed_on": str,  # ISO dates; closed_on starts the contacts' retention clock
            "synthetic": int,
        },
    )
    db.table("premises").create_index(["deleted", "name"])
    _syncable(
        db,
        "premises_visits",
        {"premises_id": str, "visited_on": str, "officer": str, "advice": str},
        foreign_keys=[("premises_id", "premises", "id")],
    )
    db.table("premises_visits").create_index(["premises_id"])
    _syncable(
        db,
        "premises_property",
        {
            "premises_id": str, "kind": str,  # kind: ruralwatch.core.kinds.EQUIPMENT_CATEGORIES
            "make": str, "model": str,
            "serial_number": str,  # normalised (ruralwatch.core.premises.normalise_serial)
            "serial_as_written": str,
            "marking": str, "marking_ref": str,  # PROPERTY_MARKINGS (CESAR, Datatag...) and its number
            "description": str,
            "photos": str,  # file references, one a line (the files stay where the owner keeps them)
        },
        foreign_keys=[("premises_id", "premises", "id")],
    )
    db.table("premises_property").create_index(["premises_id"])
    db.table("premises_property").create_index(["serial_number"])
    # The premises an incident happened at: a column of the incident rather than a link table. Sync merges each
    # field with its own clock, so linking never conflicts with an edit of another field, and two laptops linking
    # the same incident meet in one field (a conflict kept for review) instead of two link rows to de-duplicate.
    # No foreign key: a package may carry the incident before the premises it names, and a link to a premises
    # removed elsewhere must still merge (readers join only live premises).
    db.table("incidents").add_column("premises_id", str)
    db.execute("CREATE INDEX idx_incidents_premises ON incidents(premises_id, occurred_start)")
def community_alerts(db: sqlite_utils.Database) -> None:
    """Alerts to the community (ruralwatch.services.alerts): composed from an incident or a hotspot, approved by a
    supervisor, issued as text, HTML or PDF. Syncable like incidents. Only what an alert may say is stored: the
    generalised area (ward and district names, never a point), the rounded time window, the officer's texts and
    the ids of the incident's vehicles whose registration is released (the registrations stay sealed in
    incident_vehicles). Issue 20 numbers this step 19 (18 is the premises register): its position in MIGRATIONS
    is all that gives it a number, so it moves after that step when both branches meet."""
    _syncable(
        db,
        "community_alerts",
        {
            "incident_id": str,  # NULL for an alert composed from a hotspot
            "kind": str,  # ruralwatch.core.kinds
            "summary": str, "advice": str, "how_to_report": str,  # the officer's (editable) texts
            "area_level": str,  # "ward" or "district": which of the two below the alert names
            "ward": str, "district": str,  # names only; ward NULL where the force has no wards
            "window_from": str, "window_to": str,  # ISO local dates
            "window_part": str,  # "morning", "afternoon", "evening", "overnight" or "" (whole days)
            "released_vehicles": str,  # JSON list of incident_vehicles ids whose registration may be published
            "status": str,  # draft -> approved -> issued (ruralwatch.core.alert.ALERT_STATUSES)
            "composed_by": str, "approved_by": str, "approved_at": str, "issued_by": str, "issued_at": str,
        },
        foreign_keys=[("incident_id", "incidents", "id")],
    )
    db.table("community_alerts").create_index(["deleted", "status"])
    db.table("community_alerts").create_index(["incident_id"])


# Migration 3's published_crimes with migration 15's outcome_month, the dedupe key's UNIQUE left to an index.
_PUBLISHED_CRIMES_20 = """CREATE TABLE published_crimes_20 (
    id INTEGER PRIMARY KEY,
    dedupe_key TEXT NOT NULL,
    crime_id TEXT,
    month TEXT,  -- YYYY-MM
    reported_by TEXT,
    falls_within TEXT,
    lon REAL,
    lat REAL,
    easting REAL,  -- British National Grid (EPSG:27700) metres; NULL without coordinates
    northing REAL,
    location TEXT,
    lsoa_code TEXT,
    lsoa_name TEXT,
    crime_type TEXT,
    last_outcome TEXT,
    context TEXT,
    batch_id INTEGER REFERENCES import_batches(id),
    [outcome_month] TEXT
)"""


def published_crime_key_index(db: sqlite_utils.Database) -> None:
    """The dedupe key's uniqueness as a named index instead of a column constraint, which SQLite cannot drop: a
    first import then builds it after the rows in one sorted pass, like the other indexes, instead of inserting
    199,298 random keys into a B-tree one by one (issue 21). The LSOA index goes: nothing looks crimes up by LSOA,
    and every import paid for it. Rows keep their ids, so every recorded batch digest still verifies."""
    columns = [row[1] for row in db.execute("PRAGMA table_info(published_crimes)")]
    db.execute(_PUBLISHED_CRIMES_20)
    names = ", ".join(f"[{c}]" for c in columns)
    db.execute(f"INSERT INTO published_crimes_20 ({names}) SELECT {names} FROM published_crimes ORDER BY id")
    db.execute("DROP TABLE published_crimes")  # its indexes go with it
    db.execute("ALTER TABLE published_crimes_20 RENAME TO published_crimes")
    db.execute("CREATE UNIQUE INDEX idx_published_crimes_dedupe_key ON published_crimes(dedupe_key)")
    db.execute("CREATE INDEX idx_published_crimes_month ON published_crimes(month)")
    db.execute("CREATE INDEX idx_published_crimes_crime_type ON published_crimes(crime_type)")
    db.execute("CREATE INDEX idx_published_crimes_crime_id ON published_crimes(crime_id)")


def incident_map_index(db: sqlite_utils.Database) -> None:
    """The map's query (ruralwatch.store.incidents._map_row: rowid, place, point, kind, status and time of every live
    incident, filtered by time, kind and status) answered from one index instead of the table: it walked
    idx_incidents_live_start and fetched each row's page, so showing 100,000 incidents filled the 64 MiB page cache
    with whole rows (about 55 MB of the window's memory) and took 0.85 s of CPU cold, encrypted; from this index
    0.49 s, and the cache holds only the index (issue 21). Its first two columns are idx_incidents_live_start's,
    which it replaces for every query that used it. And whether any demo incident is held (asked at every refresh
    of the window) from a partial index of the demo rows alone: without one, a database with no demo data was read
    to the end to say so."""
    db.execute("CREATE INDEX idx_incidents_map ON incidents(deleted, occurred_start, kind, status, lat, lon, place)")
    db.execute("DROP INDEX idx_incidents_live_start")
    db.execute("CREATE INDEX idx_incidents_synthetic ON incidents(deleted) WHERE synthetic = 1")


def patrol_plan_note(db: sqlite_utils.Database) -> None:
    """What a patrol plan said its stops came from, saved with the plan (a field of the syncable row, so it travels
    and merges with it). It was worked out again each time the plan was shown, so a month of published crime
    imported after the plan was saved changed what the saved plan said. Older plans keep NULL: they say only what
    their saved source tells (services/patrols/places.saved_note)."""
    db.table("patrols").add_column("plan_note", str)


def stolen_item_registration(db: sqlite_utils.Database) -> None:
    """A stolen vehicle's own registration (quad bike, tractor, trailer) on its stolen item: a field of the syncable
    row (synced and merged with it, added to a central store by `central init` like any laptop column), held under
    the registrations key like every VRM (ruralwatch.core.protected_fields). Walks put it under Vehicles as
    "Victim", where it read as the victim's own car and no stop-check said the vehicle was stolen."""
    db.table("stolen_items").add_column("vrm", str)


def patrol_event_corrections(db: sqlite_utils.Database) -> None:
    """A logged patrol event can be corrected (its stop, time, note) and withdrawn, never deleted: who logged it
    (the account, and its person on the roster: the officer who logged it may correct it), the latest correction
    (when, by whom, why) and the withdrawal (when, by whom, why). Fields of the syncable row, so a correction
    travels and merges like any edit; older events keep NULL (logged by no one known: crew and supervisors only)."""
    for column in ("logged_by", "logged_by_person", "corrected_at", "corrected_by", "correction_reason",
                   "withdrawn_at", "withdrawn_by", "withdrawn_reason"):
        db.table("patrol_events").add_column(column, str)


MIGRATIONS: tuple[Migration, ...] = (
    initial_schema, basemaps, published_crime, harm_overrides, sync_state, people_and_duties, patrols,
    accounts_and_audit, patrol_crew_overrides, signed_accounts, audit_row_hashes, signed_audit,
    device_audit, field_keys, published_crime_ids, vehicle_watchlist, patrol_tracks,
    premises_register,  # 18
    community_alerts,  # 19
    published_crime_key_index,  # 20
    incident_map_index,  # 21
    patrol_plan_note,  # 22
    stolen_item_registration,  # 23
    patrol_event_corrections,  # 24
)
LATEST_VERSION = len(MIGRATIONS)
