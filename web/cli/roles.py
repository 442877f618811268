"""``clueguard roles``: the least-privilege PostgreSQL roles of the production layout.

``roles sql`` prints the statements for a database administrator to read and run; ``roles
apply`` runs them itself, connected with the (owner's) URLs of the configuration. The apps then
connect as ``<prefix>_public``, ``<prefix>_bot`` and ``<prefix>_staff`` (docs/deployment.md).
"""

from __future__ import annotations

import click
from sqlalchemy import create_engine, make_url, text

from models.datadir.roles import RoleNames, audit_writers_sql, create_roles_sql, grant_sql
from web.cli.support import get_config


def _statements(prefix: str, case_schema: str, vault_schema: str, create: bool) -> dict[str, list[str]]:
    names = RoleNames(prefix)
    return {"case": ((create_roles_sql(names) if create else []) + grant_sql("case", case_schema, names)
                     + audit_writers_sql(case_schema, names)),
            "vault": grant_sql("vault", vault_schema, names)}


@click.group("roles")
def roles_group() -> None:
    """Least-privilege PostgreSQL roles for the public app, the bot, the staff side and the sync endpoint."""


_options = [
    click.option("--prefix", default="clueguard", show_default=True, help="Role names: PREFIX_public, ..."),
    click.option("--case-schema", default="public", show_default=True, help="Schema of the case store."),
    click.option("--vault-schema", default="public", show_default=True, help="Schema of the vault store."),
    click.option("--no-create", is_flag=True, help="Only grant (the roles exist already)."),
]


def _with_options(fn):  # type: ignore[no-untyped-def]  # click's decorators are untyped
    for option in reversed(_options):
        fn = option(fn)
    return fn


@roles_group.command("sql")
@_with_options
def roles_sql(prefix: str, case_schema: str, vault_schema: str, no_create: bool) -> None:
    """Print the CREATE ROLE and GRANT statements (run the migrations first)."""
    for store, statements in _statements(prefix, case_schema, vault_schema, not no_create).items():
        click.echo(f"-- {store} store (connect to its database)")
        for sql in statements:
            click.echo(sql + ";")


@roles_group.command("apply")
@_with_options
@click.pass_context
def roles_apply(ctx: click.Context, prefix: str, case_schema: str, vault_schema: str, no_create: bool) -> None:
    """Create the roles and grant, connected as the owner (CLUEGUARD_DATABASE_URL, _VAULT_URL)."""
    config = get_config(ctx)
    urls = {"case": config.database_url, "vault": config.vault_url}
    if not all(make_url(u).get_backend_name() == "postgresql" for u in urls.values()):
        raise click.ClickException("roles are for PostgreSQL stores; SQLite files are protected by file modes")
    for store, statements in _statements(prefix, case_schema, vault_schema, not no_create).items():
        engine = create_engine(urls[store], isolation_level="AUTOCOMMIT", hide_parameters=True)
        try:
            with engine.connect() as conn:
                for sql in statements:
                    conn.execute(text(sql))
        finally:
            engine.dispose()
    click.echo(f"roles {prefix}_public, {prefix}_bot, {prefix}_staff, {prefix}_sync granted on both stores")
