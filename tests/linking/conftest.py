"""The linking tests reuse the workflow tests' small office (第一科 the intake office, 第二科 another unit)."""

from __future__ import annotations

from tests.cases.conftest import Office, office  # noqa: F401  (fixture re-used)

__all__ = ["Office"]
