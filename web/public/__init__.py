"""The public (reporter-facing) app: report form, receipt, status page and the JSON API (R2–R8, R26)."""

from web.public.app import create_public_app

__all__ = ["create_public_app"]
