"""accountability: append-only audit in the database, checkpoints, enrollment, approvals, sessions

Revision ID: case0600
Revises: case0400

Triggers refuse UPDATE and DELETE of audit events, auditors' keys and checkpoints (and a head
that moves backwards) on SQLite and PostgreSQL alike (R23). Staff accounts get a session epoch;
new tables hold enrollment codes, account changes awaiting a unit head, API tokens, server-side
sessions and sign-in throttling (R29). TOTP secrets already stored in clear stay readable and are
sealed at the account's next sign-in (models.staff.secrets).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "case0600"
down_revision: str | Sequence[str] | None = "case0400"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY = ("audit_events", "auditor_keys", "audit_checkpoints")
MESSAGE = "audit rows are append-only"
HEAD_MESSAGE = "the audit head only moves forward"


def _triggers_sqlite() -> None:
    for table in APPEND_ONLY:
        for act in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER {table}_no_{act.lower()} BEFORE {act} ON {table} "
                       f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END")
    op.execute("CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head "
               f"BEGIN SELECT RAISE(ABORT, '{HEAD_MESSAGE}'); END")
    op.execute("CREATE TRIGGER audit_head_forward BEFORE UPDATE ON audit_head "
               "WHEN NEW.last_id < OLD.last_id OR NEW.id <> OLD.id "
               f"BEGIN SELECT RAISE(ABORT, '{HEAD_MESSAGE}'); END")


def _triggers_postgres() -> None:
    op.execute(f"""CREATE FUNCTION clueguard_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'insufficient_privilege'; END $$""")
    op.execute(f"""CREATE FUNCTION clueguard_head_forward() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP = 'DELETE' OR NEW.last_id < OLD.last_id OR NEW.id <> OLD.id THEN
            RAISE EXCEPTION '{HEAD_MESSAGE}' USING ERRCODE = 'insufficient_privilege';
          END IF;
          RETURN NEW;
        END $$""")
    for table in APPEND_ONLY:
        op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                   "FOR EACH ROW EXECUTE FUNCTION clueguard_append_only()")
        op.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                   "FOR EACH STATEMENT EXECUTE FUNCTION clueguard_append_only()")
    op.execute("CREATE TRIGGER audit_head_forward BEFORE UPDATE OR DELETE ON audit_head "
               "FOR EACH ROW EXECUTE FUNCTION clueguard_head_forward()")
    op.execute("CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_head "
               "FOR EACH STATEMENT EXECUTE FUNCTION clueguard_append_only()")


def upgrade() -> None:
    op.create_table(
        "auditor_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("public_key", sa.LargeBinary(), nullable=False),
        sa.Column("wrapped_key", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auditor_keys")),
        sa.UniqueConstraint("fingerprint", name=op.f("uq_auditor_keys_fingerprint")),
    )
    op.create_index(op.f("ix_auditor_keys_username"), "auditor_keys", ["username"])
    op.create_table(
        "audit_checkpoints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("auditor", sa.String(length=80), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("last_id", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.Column("signature", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_checkpoints")),
    )
    with op.batch_alter_table("staff") as batch_op:
        batch_op.alter_column("totp_secret", existing_type=sa.String(length=64), type_=sa.String(length=255))
        batch_op.add_column(sa.Column("session_epoch", sa.Integer(), server_default="0", nullable=False))
    op.create_table(
        "staff_enrollments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("issued_to", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("totp_pending", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], name=op.f("fk_staff_enrollments_staff_id_staff")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_enrollments")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_staff_enrollments_code_hash")),
    )
    op.create_index(op.f("ix_staff_enrollments_staff_id"), "staff_enrollments", ["staff_id"])
    op.create_table(
        "staff_account_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=True),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("approver_unit_id", sa.Integer(), nullable=True),
        sa.Column("requested_by", sa.String(length=80), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("decided_by", sa.String(length=80), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], name=op.f("fk_staff_account_changes_staff_id_staff")),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_staff_account_changes_unit_id_units")),
        sa.ForeignKeyConstraint(["approver_unit_id"], ["units.id"],
                                name=op.f("fk_staff_account_changes_approver_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_account_changes")),
    )
    op.create_index(op.f("ix_staff_account_changes_staff_id"), "staff_account_changes", ["staff_id"])
    op.create_table(
        "staff_api_tokens",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("epoch", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], name=op.f("fk_staff_api_tokens_staff_id_staff")),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_staff_api_tokens")),
    )
    op.create_index(op.f("ix_staff_api_tokens_staff_id"), "staff_api_tokens", ["staff_id"])
    op.create_table(
        "staff_web_sessions",
        sa.Column("store_id", sa.String(length=255), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("store_id", name=op.f("pk_staff_web_sessions")),
    )
    op.create_index(op.f("ix_staff_web_sessions_expires_at"), "staff_web_sessions", ["expires_at"])
    op.create_table(
        "staff_signin_throttle",
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_staff_signin_throttle")),
    )
    if op.get_bind().dialect.name == "postgresql":
        _triggers_postgres()
    else:
        _triggers_sqlite()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER {table}_append_only ON {table}")
            op.execute(f"DROP TRIGGER {table}_no_truncate ON {table}")
        op.execute("DROP TRIGGER audit_head_forward ON audit_head")
        op.execute("DROP TRIGGER audit_head_no_truncate ON audit_head")
        op.execute("DROP FUNCTION clueguard_append_only()")
        op.execute("DROP FUNCTION clueguard_head_forward()")
    else:
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER {table}_no_update")
            op.execute(f"DROP TRIGGER {table}_no_delete")
        op.execute("DROP TRIGGER audit_head_no_delete")
        op.execute("DROP TRIGGER audit_head_forward")
    for table in ("staff_signin_throttle", "staff_web_sessions", "staff_api_tokens",
                  "staff_account_changes", "staff_enrollments", "audit_checkpoints", "auditor_keys"):
        op.drop_table(table)
    with op.batch_alter_table("staff") as batch_op:
        batch_op.drop_column("session_epoch")
        batch_op.alter_column("totp_secret", existing_type=sa.String(length=255), type_=sa.String(length=64))
