"""Least-privilege PostgreSQL roles for the two stores (the production layout, R26).

Three login roles plus the owner that runs migrations:
- ``public``: the internet-facing app. Intake and follow-up only: it inserts reports, data
  keys, files, messages and audit events, reads the reporter-facing rows a receipt opens, and
  of the vault it inserts sealed identities (reading the custodians' *public* keys and the
  threshold it seals to). No staff table, no workflow table, no UPDATE or DELETE of audit rows.
- ``bot``: what ``public`` may, plus the reply subscriptions it notifies reporters from.
- ``staff``: the staff app and the scheduled jobs: every row of both stores, but audit rows are
  append-only for it too (the hash chain's head row is updated as each event is appended).
The owner (the migrating role) keeps DDL and is used by ``clueguard init``, backup and restore.

``grant_sql`` writes the statements; ``clueguard roles sql`` prints them and ``clueguard roles
apply`` runs them as the owner. Table names come from the migrated metadata, so a new table is
the staff role's unless it is named below.
"""

from __future__ import annotations

from dataclasses import dataclass

from models.datadir.schema import target_metadata

ROLES = ("public", "bot", "staff")

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
    "audit_events": "INSERT",
    # Appending locks and moves the chain's head (SELECT ... FOR UPDATE needs UPDATE).
    "audit_head": "SELECT, INSERT, UPDATE",
}
PUBLIC_VAULT = {
    "vault_settings": "SELECT",
    "custodians": "SELECT",
    "sealed_identities": "INSERT",
    "identity_shares": "INSERT",
}
BOT_CASE = {**PUBLIC_CASE, "reply_subscriptions": "SELECT, INSERT, UPDATE, DELETE"}
# Audit rows are evidence: nobody but the owner may change or remove them.
APPEND_ONLY = {"audit_events": "SELECT, INSERT", "audit_head": "SELECT, INSERT, UPDATE",
               "audit_checkpoints": "SELECT, INSERT", "auditor_keys": "SELECT, INSERT"}
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
        return {t: extra.get(t, ALL_ROWS) for t in tables}
    named = {("public", "case"): PUBLIC_CASE, ("public", "vault"): PUBLIC_VAULT,
             ("bot", "case"): BOT_CASE, ("bot", "vault"): PUBLIC_VAULT}[(role, store)]
    return {t: named[t] for t in tables if t in named}


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


def drop_roles_sql(names: RoleNames, schemas: list[str]) -> list[str]:
    """Take every grant back and drop the roles (for tests and for tearing an installation down)."""
    out = []
    for role in ROLES:
        who = _quote(names.name(role))
        for schema in schemas:
            out.append(f"REVOKE ALL ON ALL TABLES IN SCHEMA {_quote(schema)} FROM {who}")
            out.append(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {_quote(schema)} FROM {who}")
            out.append(f"REVOKE ALL ON SCHEMA {_quote(schema)} FROM {who}")
        out.append(f"DROP ROLE IF EXISTS {who}")
    return out
