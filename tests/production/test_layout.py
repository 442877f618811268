"""What runs is the layout: each server process connected as its own role, never as the owner."""

from __future__ import annotations

from sqlalchemy import create_engine, text

from tests.production.stack import Stack


def test_each_app_connects_as_its_own_role(stack: Stack) -> None:
    with stack.client() as reporter, stack.client("staff") as staff:
        assert reporter.get("/status").status_code == 200
        assert staff.get("/login").status_code == 200
    admin = create_engine(stack.db.admin_url)
    try:
        with admin.connect() as conn:
            users = set(conn.execute(text("SELECT DISTINCT usename FROM pg_stat_activity WHERE usename LIKE :p"),
                                     {"p": f"{stack.db.prefix}%"}).scalars())
    finally:
        admin.dispose()
    assert {f"{stack.db.prefix}_public", f"{stack.db.prefix}_staff"} <= users
    assert f"{stack.db.prefix}_owner" not in users
