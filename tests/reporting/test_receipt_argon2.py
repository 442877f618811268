"""One Argon2id run per receipt lookup, whatever the code's shape (R5: no timing oracle).

Argon2 runs are counted at the library call (argon2-cffi's ``hash_secret_raw``), so skipping the
run for a malformed code, or running it twice, fails here whichever path the code takes.
"""

from __future__ import annotations

from typing import Any

import pytest

import vault.kdf
from models.reporting import intake
from models.store.errors import InvalidInput, ReceiptNotFound
from tests.conftest import submission

SHAPES = ["", "1", "1234", "0" * 15, "0" * 16, "0" * 17, "0" * 32, "9" * 64, "abcd-efgh", "１２３４" * 4,
          "1234 5678 9012 3456", "\u3000", "x" * 10_000, "0" * 16 + "\x00", "٣" * 16]


@pytest.fixture
def argon2_runs(monkeypatch) -> list[int]:  # type: ignore[no-untyped-def]
    runs: list[int] = []
    real = vault.kdf.hash_secret_raw

    def counted(*args: Any, **kwargs: Any) -> bytes:
        runs.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(vault.kdf, "hash_secret_raw", counted)
    return runs


def test_every_wrong_lookup_runs_argon2_once(public_rt, argon2_runs) -> None:
    for shape in SHAPES:
        for look_up in (intake.reporter_status, lambda rt, code: intake.add_follow_up(rt, code, "补充")):
            argon2_runs.clear()
            with pytest.raises(ReceiptNotFound):
                look_up(public_rt, shape)
            assert len(argon2_runs) == 1, repr(shape[:20])


def test_a_right_receipt_runs_argon2_once_too(public_rt, argon2_runs) -> None:
    receipt = intake.submit_report(public_rt, submission())
    assert len(argon2_runs) == 1  # one per submission (SPEC: not two)
    argon2_runs.clear()
    intake.reporter_status(public_rt, receipt.code)
    assert len(argon2_runs) == 1
    argon2_runs.clear()
    intake.add_follow_up(public_rt, receipt.code, "补充")
    assert len(argon2_runs) == 1


def test_bad_follow_up_text_is_refused_before_any_lookup(public_rt, argon2_runs) -> None:
    # Refused whatever the receipt, so the answer says nothing about it.
    with pytest.raises(InvalidInput):
        intake.add_follow_up(public_rt, "0" * 16, "")
    assert argon2_runs == []
