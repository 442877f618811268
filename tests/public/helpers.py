"""Test files: a photo with GPS metadata, and a tiny PDF."""

from __future__ import annotations

from tests.conftest import jpeg_with_gps  # noqa: F401 - the public tests import it from here

# The smallest PDF that a PDF library reads as one (one empty page): it is cleaned like any other.
PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
       b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 10 10]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
