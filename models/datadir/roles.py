"""Least-privilege PostgreSQL roles for the two stores (the production layout, R26).

Four login roles plus the owner that runs migrations:
- ``public``: the internet-facing app. Intake and follow-up only: it inserts reports, data
  keys, files, messages and audit events, reads the reporter-facing rows a receipt opens, and
  of the vault it inserts sealed identities (reading the custodians' *public* keys and the
  threshold it seals to). No staff table, no workflow table, no UPDATE or DELETE of audit rows.
- ``bot``: what ``public`` may, plus the reply subscriptions it notifies reporters from.
- ``sync``: the sync endpoint of a split deployment's intake node (``clueguard sync serve``):
  it reads what goes up (reports, data keys, files, messages, sealed identities), blanks or
  deletes it once the internal node acknowledged it, writes what comes down (statuses, sealed
  replies, the custodians' public keys and threshold, the store's suite) and its own sync
  tables, and appends its own audit events. No staff table, no UPDATE or DELETE of audit rows.
- ``staff``: the staff app and the scheduled jobs: every row of both stores, but audit rows are
  append-only for it too (the hash chain's head row is updated as each event is appended).
The owner (the migrating role) keeps DDL and is used by ``clueguard init``, backup and restore.
``audit_writers_sql`` names the roles for the trigger that lets each append only its own kinds of
audit event (models/audit/writers.py); no app role may set an event's ``writer`` column.

``grant_sql`` writes the statements; ``clueguard roles sql`` prints them and ``clueguard roles
apply`` runs them as the owner. Table names come from the migrated metadata, so a new table is
the staff role's unless it is named below.
"""

from __future__ import annotations

from dataclasses import dataclass

from models.audit import writers
from models.datadir.schema import target_metadata

ROLES = ("public", "bot", "staff", "sync")

# What intake (submit_report, add_follow_up, reporter_status) touches in the case store.
PUBLIC_CASE = {
    "site_settings": "SELECT",
    "registry_counters": "SELECT, INSERT, UPDATE",
    "reports": "SELECT, INSERT",
    "data_keys": "INSERT",
    # The receipt and status pages list the files received: never the bytes (``blob``).
    "attachments": "SELECT (id, report_id, message_id, kind, size, reporter_meta, created_at), INSERT",
    "messages": "SELECT, INSERT",
    "clue_tracks": "SELECT",
    # The follow-up survey (R28): whether a report's question is open, and the reporter's answer.
    # Not the month or when it was asked; the question is one of the report's messages.
    "surveys": "SELECT (id, report_id, satisfaction), UPDATE (satisfaction, answered_at, answer_message_id)",
    # Every column but ``writer``, which the database fills with the role (see _audit_insert).
    "audit_events": "INSERT",
    # Which role is which writer: the trigger that checks each appended event reads it.
    "audit_writers": "SELECT",
    # Appending locks and moves the chain's head (SELECT ... FOR UPDATE needs UPDATE).
    "audit_head": "SELECT, INSERT, UPDATE",
}
PUBLIC_VAULT = {
    "vault_settings": "SELECT",
    "custodians": "SELECT",
    "sealed_identities": "INSERT",
    "identity_shares": "INSERT",
    # A follow-up's removed metadata, sealed beside the identity (models/identities/sealing.py).
    "identity_additions": "INSERT",
}
BOT_CASE = {**PUBLIC_CASE, "reply_subscriptions": "SELECT, INSERT, UPDATE, DELETE"}
# What the intake node's sync endpoint touches (models/sync/intake_side.py, exchange.py, health.py).
SYNC_CASE = {
    # The receipt salt (read on start), the store's suite (written when the site says hybrid).
    "site_settings": "SELECT, INSERT, UPDATE",
    # Up: read; after the acknowledgement the content and identity link go; down: the coarse state.
    "reports": "SELECT, UPDATE (content, identity_id, state, updated_at)",
    "data_keys": "SELECT, DELETE",
    "attachments": "SELECT, UPDATE (blob, meta)",
    # Up: the reporter's follow-ups (their staff copy blanked once acknowledged); down: replies.
    "messages": "SELECT, INSERT, UPDATE (staff_box)",
    "sync_streams": "SELECT, INSERT, UPDATE, DELETE",
    "sync_batches": "SELECT, INSERT, UPDATE, DELETE",
    "sync_items": "SELECT, INSERT, UPDATE, DELETE",
    "audit_events": "INSERT",
    "audit_writers": "SELECT",
    "audit_head": "SELECT, INSERT, UPDATE",
}
SYNC_VAULT = {
    # The custodians' public keys and the threshold come down with each site item.
    "vault_settings": "SELECT, INSERT, UPDATE, DELETE",
    "custodians": "SELECT, INSERT, UPDATE (public_key, active)",
    # Sent up, then deleted once the internal node holds them.
    "sealed_identities": "SELECT, DELETE",
    "identity_shares": "SELECT, DELETE",
    "identity_additions": "SELECT, DELETE",
}
# Audit rows are evidence: nobody but the owner may change or remove them.
APPEND_ONLY = {"audit_events": "SELECT, INSERT", "audit_head": "SELECT, INSERT, UPDATE",
               "audit_checkpoints": "SELECT, INSERT", "auditor_keys": "SELECT, INSERT",
               "audit_writers": "SELECT"}
ALL_ROWS = "SELECT, INSERT, UPDATE, DELETE"


@dataclass(frozen=True)
class RoleNames:
    """The role names of one installation: ``<prefix>_public``, ``_bot``, ``_staff``."""

    prefix: str = "clueguard"

    def name(self, role: str) -> str:
        return f"{self.prefix}_{role}"


def _quote(name: str) -> str:
    if not name.replace("_", "").isalnum():
        raise ValueError(f"not a plain SQL name: {name!r}")
    return f'"{name}"'


def table_grants(store: str, role: str) -> dict[str, str]:
    """Privileges of ``role`` on each table of ``store`` ("case" or "vault")."""
    tables = [t.name for t in target_metadata(store).sorted_tables]
    if role == "staff":
        extra = APPEND_ONLY if store == "case" else {}
        grants = {t: extra.get(t, ALL_ROWS) for t in tables}
    else:
        named = {("public", "case"): PUBLIC_CASE, ("public", "vault"): PUBLIC_VAULT,
                 ("bot", "case"): BOT_CASE, ("bot", "vault"): PUBLIC_VAULT,
                 ("sync", "case"): SYNC_CASE, ("sync", "vault"): SYNC_VAULT}[(role, store)]
        grants = {t: named[t] for t in tables if t in named}
    if "audit_events" in grants:
        grants["audit_events"] = grants["audit_events"].replace("INSERT", _audit_insert())
    return grants


def _audit_insert() -> str:
    """INSERT on every column but ``writer``: no app role can say it is another (R23)."""
    table = target_metadata("case").tables["audit_events"]
    return f"INSERT ({', '.join(c.name for c in table.columns if c.name != 'writer')})"


def audit_writers_sql(schema: str, names: RoleNames) -> list[str]:
    """Name the roles in ``audit_writers`` and (re)install the trigger that checks each append.

    Run on the case store as the owner, after the migrations; again whenever a release adds an
    event the public app or the bot writes (models/audit/writers.py).
    """
    return (writers.register_sql(schema, {role: names.name(role) for role in ROLES})
            + writers.trigger_sql(schema))


def create_roles_sql(names: RoleNames, passwords: dict[str, str] | None = None) -> list[str]:
    """CREATE ROLE statements (LOGIN, no other attribute); passwords only if given."""
    out = []
    for role in ROLES:
        password = (passwords or {}).get(role)
        secret = " PASSWORD '" + password.replace("'", "''") + "'" if password else ""
        out.append(f"CREATE ROLE {_quote(names.name(role))} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE{secret}")
    return out


def grant_sql(store: str, schema: str, names: RoleNames) -> list[str]:
    """GRANT statements for every role on one store living in ``schema``."""
    s = _quote(schema)
    out = []
    for role in ROLES:
        who = _quote(names.name(role))
        out.append(f"REVOKE ALL ON ALL TABLES IN SCHEMA {s} FROM {who}")
        out.append(f"GRANT USAGE ON SCHEMA {s} TO {who}")
        for table, privileges in table_grants(store, role).items():
            out.append(f"GRANT {privileges} ON {s}.{_quote(table)} TO {who}")
        if role == "staff":
            # Integer ids (units, staff, escalations ...) come from sequences.
            out.append(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {s} TO {who}")
    return out


def drop_roles_sql(names: RoleNames, schemas: list[str], case_schema: str | None = None) -> list[str]:
    """Take every grant back and drop the roles (for tests and for tearing an installation down)."""
    out = []
    if case_schema:
        # _quote checks each name is plain (letters, digits, underscores) before it is a literal.
        roles = ", ".join("'" + _quote(names.name(role)).strip('"') + "'" for role in ROLES)
        out.append(f"DELETE FROM {_quote(case_schema)}.audit_writers WHERE role_name IN ({roles})")  # noqa: S608  # nosec B608
    for role in ROLES:
        who = _quote(names.name(role))
        for schema in schemas:
            out.append(f"REVOKE ALL ON ALL TABLES IN SCHEMA {_quote(schema)} FROM {who}")
            out.append(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {_quote(schema)} FROM {who}")
            out.append(f"REVOKE ALL ON SCHEMA {_quote(schema)} FROM {who}")
        out.append(f"DROP ROLE IF EXISTS {who}")
    return out
