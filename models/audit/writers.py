"""Which writer may append which audit events (R23, R26): one table, enforced by the database.

Three processes append to one chain: the public app and the bot face the internet, the staff side
does not. ``INTERNET_WRITERS`` lists, for each internet-facing writer, the only (event, actor)
pairs it may append; the staff side and the owner append anything. On PostgreSQL a trigger built
from this table (``trigger_sql``) checks ``current_user`` against it, so the public role cannot
write ``unseal.approved`` by a custodian however it connects; the role names of an installation
live in ``audit_writers``, written by ``clueguard roles apply``. Each event row also records the
role that inserted it (``writer``, a column default the app roles cannot override, covered by
the chain hash), and ``misattributed`` finds any event the row's writer may not append, so a
store whose trigger was dropped still shows it. On SQLite (one embedded process, no roles) every
row says ``sqlite``: there only the chain, the checkpoints and the auditor's copies hold.

A new event written by the public app or the bot must be added here, then ``clueguard roles
apply`` run again (it reinstalls the trigger).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from models.audit.tables import AuditEvent, AuditWriter

# What a reporter does, from whichever front end: intake, follow-up, status, the survey answer.
_REPORTER = {
    "report.resend_ignored": ("reporter",),
    "report.follow_up": ("reporter",),
    "report.status_viewed": ("reporter",),
    "survey.answered": ("reporter",),
}

INTERNET_WRITERS: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    "public": {**_REPORTER, "report.submitted": ("reporter:web", "reporter:api")},
    "bot": {
        **_REPORTER,
        "report.submitted": ("reporter:telegram",),
        # The reply notices the bot sends (models/reporting/notifications.py).
        "notify.subscribed": ("reporter:telegram",),
        "notify.unsubscribed": ("reporter:telegram",),
        "notify.ended": ("system",),
    },
    # The intake node's sync endpoint (models/sync/intake_side.py, exchange.py).
    "sync": {event: ("system:sync",) for event in (
        "sync.batch_formed", "sync.acknowledged", "sync.batch_applied", "sync.status_received",
        "sync.reply_received")},
}
STAFF = "staff"
WRITERS = (*INTERNET_WRITERS, STAFF)
# What the column holds on SQLite, where there are no database roles.
EMBEDDED = "sqlite"
FUNCTION = "clueguard_audit_writer"
REFUSED = "audit events: this writer may not append them"


def may_append(writer: str, event: str, actor: str) -> bool:
    """Whether the writer kind ``writer`` (public, bot, staff) may append ``event`` by ``actor``."""
    allowed = INTERNET_WRITERS.get(writer)
    return allowed is None or actor in allowed.get(event, ())


def _pairs() -> Iterator[tuple[str, str, str]]:
    for writer, events in INTERNET_WRITERS.items():
        for event, actors in events.items():
            for actor in actors:
                yield writer, event, actor


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def trigger_sql(schema: str | None = None) -> list[str]:
    """The function and trigger that refuse an event the connected role may not append.

    The function runs as the inserting role (``current_user``), with a search path that a
    temporary table cannot shadow; it reads the role names from the trigger's own schema. An app
    role's row gets its real role name in ``writer``; the owner (or a superuser) may append
    anything and keeps what it gives, so a restore copies the rows as they were.
    """
    prefix = f'"{schema}".' if schema else ""
    pairs = ",\n            ".join(f"({_literal(w)}, {_literal(e)}, {_literal(a)})" for w, e, a in _pairs())
    # Every value below is our own constant or a quoted literal of this module's table.
    function = (
        f"CREATE OR REPLACE FUNCTION {prefix}{FUNCTION}() RETURNS trigger LANGUAGE plpgsql\n"  # noqa: S608  # nosec B608
        f"""    SET search_path = pg_catalog, pg_temp AS $fn$
    DECLARE
      kind text;
    BEGIN
      EXECUTE format('SELECT writer FROM %I.audit_writers WHERE role_name = $1', TG_TABLE_SCHEMA)
        INTO kind USING current_user::text;
      IF kind IS NULL THEN
        IF pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER') THEN
          NEW.writer := coalesce(NEW.writer, current_user::text);
          RETURN NEW;
        END IF;
        RAISE EXCEPTION '{REFUSED} (role % is not a ClueGuard writer)', current_user
          USING ERRCODE = 'insufficient_privilege';
      END IF;
      NEW.writer := current_user::text;
      IF kind = {_literal(STAFF)} OR (kind, NEW.event::text, NEW.actor::text) IN (VALUES
            {pairs}) THEN
        RETURN NEW;
      END IF;
      RAISE EXCEPTION '{REFUSED} (% writer, event %)', kind, NEW.event USING ERRCODE = 'insufficient_privilege';
    END $fn$"""
    )
    return [
        function,
        f"DROP TRIGGER IF EXISTS audit_events_writer ON {prefix}audit_events",
        f"CREATE TRIGGER audit_events_writer BEFORE INSERT ON {prefix}audit_events "
        f"FOR EACH ROW EXECUTE FUNCTION {prefix}{FUNCTION}()",
    ]


def register_sql(schema: str, roles: Mapping[str, str]) -> list[str]:
    """Statements naming an installation's roles: ``roles`` maps a writer kind to a role name."""
    out = []
    for writer, role in roles.items():
        if writer not in WRITERS:
            raise ValueError(f"not a writer: {writer!r}")
        # The schema and role name come from the operator's command line; quoted as literals.
        out.append(f'INSERT INTO "{schema}".audit_writers (role_name, writer) '  # noqa: S608  # nosec B608
                   f"VALUES ({_literal(role)}, {_literal(writer)}) "
                   "ON CONFLICT (role_name) DO UPDATE SET writer = EXCLUDED.writer")
    return out


@dataclass(frozen=True)
class Misattributed:
    event_id: int
    reason: str


def _kinds(session: Session, names: set[str]) -> dict[str, str]:
    """Each database role that wrote events: its writer kind, "owner", or "" for a stranger."""
    kinds = {w.role_name: w.writer for w in session.scalars(select(AuditWriter))}
    postgres = session.get_bind().dialect.name == "postgresql"
    out = {}
    for name in names:
        if name in kinds or name == EMBEDDED or not postgres:
            # A SQLite store (perhaps restored from PostgreSQL) cannot tell an owner from a stranger.
            out[name] = kinds.get(name, EMBEDDED)
            continue
        owner = session.execute(text(
            "SELECT pg_has_role(r.oid, c.relowner, 'MEMBER') FROM pg_roles r, pg_class c "
            "WHERE r.rolname = :name AND c.oid = to_regclass('audit_events')"), {"name": name}).scalar()
        out[name] = "owner" if owner else ""
    return out


def misattributed(session: Session) -> list[Misattributed]:
    """Events whose writer may not append them: a staff event by the public role, say."""
    names = {n for n in session.scalars(select(AuditEvent.writer).distinct()) if n is not None}
    kinds = _kinds(session, names) if names else {}
    problems = []
    for name, kind in sorted(kinds.items()):
        if not kind:
            problems += [Misattributed(i, f"written by database role {name}, which is not a ClueGuard writer")
                         for i in session.scalars(select(AuditEvent.id).where(AuditEvent.writer == name))]
        elif kind in INTERNET_WRITERS:
            rows = session.execute(select(AuditEvent.id, AuditEvent.event, AuditEvent.actor)
                                   .where(AuditEvent.writer == name).order_by(AuditEvent.id))
            problems += [Misattributed(i, f"{event} by {actor} written by the {kind} writer ({name}), "
                                          "which may not append it")
                         for i, event, actor in rows if not may_append(kind, event, actor)]
    return sorted(problems, key=lambda p: p.event_id)
