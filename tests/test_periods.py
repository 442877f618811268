"""When something happened, in words (#27 item 11c): the stored ISO date or interval of the report
form reads "2026年12月1日至12月8日" or "1–8 December 2026"; free text stays as written."""

from __future__ import annotations

import pytest

from models.store.periods import readable_period


@pytest.mark.parametrize(("stored", "zh", "en"), [
    ("2026-12-01/2026-12-08", "2026年12月1日至12月8日", "1–8 December 2026"),
    ("2026-11-28/2026-12-08", "2026年11月28日至12月8日", "28 November – 8 December 2026"),
    ("2025-12-28/2026-01-03", "2025年12月28日至2026年1月3日", "28 December 2025 – 3 January 2026"),
    ("2026-12-07", "2026年12月7日", "7 December 2026"),
    ("../2026-11-30", "2026年11月30日及以前", "on or before 30 November 2026"),
    ("2026-10", "2026年10月", "October 2026"),
    ("2026年10月上旬", "2026年10月上旬", "2026年10月上旬"),      # free text, as written
    ("2026-12-08/2026-12-01", "2026-12-08/2026-12-01", "2026-12-08/2026-12-01"),  # backwards: not guessed
    ("2026-13", "2026-13", "2026-13"),
    ("", "", ""),
])
def test_a_stored_period_reads_as_words(stored: str, zh: str, en: str) -> None:
    assert readable_period(stored, "zh") == zh
    assert readable_period(stored, "en") == en
