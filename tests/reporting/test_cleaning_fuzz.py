"""Broken files fed to every cleaner: no crash, no hang past its limit, a clear refusal (R7).

Hypothesis damages a real sample of each kind (cut short, bytes overwritten, bytes inserted). The
cleaners are called in this process first, where any exception but ``CleaningFailed`` is a bug
in our parsers; then a damaged file of every kind goes through the limited child as intake runs
it, and comes back cleaned or refused with one of the known reasons, within the wall limit.
"""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.reporting.cleaning.child import clean
from models.reporting.cleaning.errors import REASONS, CleaningFailed
from models.reporting.cleaning.sandbox import LIMITS, run_cleaner

from .samples import CANARIES, SAMPLES, sample

# In-process: the parsers of our own (images, zips) and the libraries' wrappers; ffmpeg's are fuzzed
# through the child below (each run starts two programs, so fewer examples).
FAST = ["jpeg", "png", "gif", "webp", "pdf", "docx", "xlsx", "pptx", "odt"]


@st.composite
def damaged(draw: st.DrawFn, data: bytes) -> bytes:
    """``data`` cut short, overwritten in places, or with bytes inserted."""
    how = draw(st.sampled_from(["cut", "overwrite", "insert"]))
    at = draw(st.integers(0, len(data) - 1))
    if how == "cut":
        return data[:at]
    junk = draw(st.binary(min_size=1, max_size=64))
    if how == "overwrite":
        return data[:at] + junk + data[at + len(junk):]
    return data[:at] + junk + data[at:]


def _clean_or_refuse(data: bytes, mime: str) -> None:
    try:
        cleaned, _ = clean(data, mime)
    except CleaningFailed as refused:
        reason = refused.reason
        assert reason in REASONS
        return
    # Whatever a damaged file still yields is cleaned: no canary gets through a parse that "worked".
    assert not [c for c in CANARIES if c in cleaned]


@pytest.mark.parametrize("kind", FAST)
def test_damaged_files_are_cleaned_or_refused_in_process(kind: str) -> None:
    mime, _ = SAMPLES[kind]

    @settings(max_examples=60, deadline=5000, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(damaged(sample(kind)))
    def run(data: bytes) -> None:
        _clean_or_refuse(data, mime)

    run()


@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_a_damaged_file_of_every_kind_is_refused_or_cleaned_by_the_child(kind: str) -> None:
    mime, _ = SAMPLES[kind]
    data = sample(kind)
    for broken in (data[: len(data) // 2], data[:64] + bytes(range(256)) * 4 + data[64 + 1024:]):
        started = time.perf_counter()
        try:
            cleaned, _ = run_cleaner(broken, mime)
        except CleaningFailed as refused:
            reason = refused.reason
            assert reason in REASONS
        else:
            assert not [c for c in CANARIES if c in cleaned]
        assert time.perf_counter() - started < LIMITS.wall_seconds
