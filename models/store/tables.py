"""Site-wide settings kept in the case store."""

from __future__ import annotations

from sqlalchemy import LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from models.store.db import CaseBase


class SiteSetting(CaseBase):
    """Site-wide values such as the receipt salt."""

    __tablename__ = "site_settings"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[bytes] = mapped_column(LargeBinary)
