"""Test files: a photo with GPS metadata, and a tiny PDF."""

from __future__ import annotations

from tests.conftest import jpeg_with_gps  # noqa: F401 - the public tests import it from here

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
