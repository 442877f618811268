"""Rate limits that mean what they say: one budget across workers, receipts limited per value and
globally, Retry-After on every 429, no client address or receipt stored in clear."""

from __future__ import annotations

import os
import uuid

import pytest
import redis

from models.store.config import Config
from models.store.i18n import translate
from tests.public.conftest import Reporter, receipt_of

REDIS_URL = os.environ.get("CLUEGUARD_TEST_REDIS_URL", "")
TOO_MANY = "Too many attempts. Please wait a minute and try again."
ADDRESS = "198.51.100.77"


def _full_width(code: str) -> str:
    return "".join(chr(ord(c) - ord("0") + ord("０")) for c in code)


def _assert_429(resp, lang: str = "zh") -> None:  # type: ignore[no-untyped-def]
    assert resp.status_code == 429
    assert int(resp.headers["Retry-After"]) > 0
    body = resp.get_json()["error"] if resp.is_json else resp.text
    assert translate(lang, TOO_MANY) in body


@pytest.mark.parametrize(("query", "lang"), [("", "zh"), ("?lang=en", "en")])
def test_a_wrong_receipt_is_limited_per_value_on_page_and_api(make_app, query, lang) -> None:
    client = make_app(receipt_rate_limit="2 per minute").test_client()
    reporter = Reporter(client)
    code = "4133" * 4
    assert reporter.status(code).status_code == 404
    # The same value typed in full-width digits, then with spaces, is the same budget.
    assert client.post("/api/v1/status", json={"receipt": _full_width(code)}).status_code == 404
    _assert_429(reporter.reply("4133 4133 4133 4133", "你好", query=query), lang)
    _assert_429(client.post(f"/api/v1/status{query}", json={"receipt": code}), lang)
    # Another value has its own budget: one guesser does not lock other reporters out.
    assert reporter.status("2" * 16).status_code == 404
    assert client.get("/status").status_code == 200


def _from(address: str) -> dict[str, str]:
    return {"X-Forwarded-For": address}


def test_all_failed_lookups_share_one_ceiling_that_then_refuses_only_guessing_networks(make_app, stored) -> None:
    client = make_app(receipt_global_rate_limit="3 per minute", proxy_hops=1).test_client()
    reporter = Reporter(client)
    _registry_no, code = receipt_of(reporter.submit())
    guessers = ["198.51.100.1", "198.51.101.1", "2001:db8:0:100::1"]
    for i, guesser in enumerate(guessers):
        assert client.post("/api/v1/status", json={"receipt": str(i) * 16}, headers=_from(guesser)).status_code == 404
    # The ceiling is spent: the site is under attack. A network that guessed this hour is refused,
    # on the page and the API, with or without a right receipt ...
    for guesser in guessers:
        _assert_429(client.post("/api/v1/status", json={"receipt": code}, headers=_from(guesser)))
    client.environ_base["HTTP_X_FORWARDED_FOR"] = "198.51.100.2"  # the web form, from the first guesser's /24
    _assert_429(reporter.status("7" * 16))
    del client.environ_base["HTTP_X_FORWARDED_FOR"]
    _assert_429(client.post("/api/v1/status/messages", json={"receipt": "8" * 16, "text": "x"},
                            headers=_from("2001:db8:0:1ff::9")))  # the same /56 as the third guesser
    # ... while a reporter from a network that has not guessed still gets their status,
    for _ in range(3):
        assert client.post("/api/v1/status", json={"receipt": code}, headers=_from("203.0.113.5")).status_code == 200
    # and a network gets one wrong guess an hour while the attack lasts.
    assert client.post("/api/v1/status", json={"receipt": "9" * 16}, headers=_from("192.0.2.7")).status_code == 404
    _assert_429(client.post("/api/v1/status", json={"receipt": code}, headers=_from("192.0.2.7")))


def test_one_network_gets_a_budget_of_lookups_counted_before_the_hash(make_app, stored, config) -> None:
    assert Config(data_dir=config.data_dir).receipt_network_rate_limit.startswith("4 per 10 seconds")
    client = make_app(receipt_network_rate_limit="4 per 10 seconds;20 per minute", proxy_hops=1).test_client()
    reporter = Reporter(client)
    _registry_no, code = receipt_of(reporter.submit())
    for i in range(4):
        assert client.post("/api/v1/status", json={"receipt": f"{i}" * 16},
                           headers=_from("198.51.100.1")).status_code == 404
    # Every address of that /24 shares the budget, right receipts too, once it is spent (refused
    # before the look-up's Argon2id).
    _assert_429(client.post("/api/v1/status", json={"receipt": code}, headers=_from("198.51.100.250")))
    _assert_429(client.post("/api/v1/status", json={"receipt": code}, headers=_from("::ffff:198.51.100.3")))
    # Another network, and the ceiling, are untouched: the reporter next door gets their status.
    assert client.post("/api/v1/status", json={"receipt": code}, headers=_from("198.51.101.1")).status_code == 200


def test_right_receipts_spend_no_network_budget(make_app, stored) -> None:
    """Reporters behind one address (an office NAT, Tor, the proxy) never make each other wait."""
    client = make_app(receipt_network_rate_limit="4 per 10 seconds;20 per minute", proxy_hops=1).test_client()
    _registry_no, code = receipt_of(Reporter(client).submit())
    for _ in range(8):
        assert client.post("/api/v1/status", json={"receipt": code}, headers=_from("198.51.100.7")).status_code == 200


def test_a_right_receipt_costs_no_budget(make_app, stored) -> None:
    client = make_app(receipt_rate_limit="1 per minute", receipt_global_rate_limit="2 per minute").test_client()
    reporter = Reporter(client)
    _registry_no, code = receipt_of(reporter.submit())
    for _ in range(4):
        assert reporter.status(code).status_code == 200
    assert client.post("/api/v1/status", json={"receipt": _full_width(code)}).status_code == 200


@pytest.mark.parametrize("storage", ["embedded", "redis"])
def test_one_budget_across_workers(make_app, stored, storage) -> None:
    # Two app instances on one data directory are two workers of the embedded setup; with
    # Redis configured, the budget lives there instead.
    changes: dict[str, object] = {"public_rate_limit": "2 per minute"}
    if storage == "redis":
        if not REDIS_URL:
            pytest.skip("CLUEGUARD_TEST_REDIS_URL is not set")
        changes["redis_url"] = REDIS_URL
    first, second = (Reporter(make_app(**changes).test_client()) for _ in range(2))
    # Filed: the 303 was followed to the receipt page, which shows the new registry number.
    for reporter in (first, second):
        filed = reporter.submit()
        assert filed.status_code == 200
        assert receipt_of(filed)[0]
    _assert_429(first.submit())
    _assert_429(second.submit())
    assert stored.counts() == (2, 0)


def test_behind_a_proxy_each_client_has_its_own_submit_budget(make_app, stored) -> None:
    client = make_app(public_rate_limit="1 per minute", proxy_hops=1).test_client()
    body = {"category": "other", "description": "x", "notice_accepted": True}
    first, other = {"X-Forwarded-For": "198.51.100.1"}, {"X-Forwarded-For": "198.51.100.2"}
    assert client.post("/api/v1/reports", json=body, headers=first).status_code == 201
    _assert_429(client.post("/api/v1/reports", json=body, headers=first))
    assert client.post("/api/v1/reports", json=body, headers=other).status_code == 201


@pytest.mark.parametrize("storage", ["embedded", "redis"])
def test_no_client_address_or_receipt_is_stored_in_clear(make_app, config, storage) -> None:
    changes: dict[str, object] = {"proxy_hops": 1}
    if storage == "redis":
        if not REDIS_URL:
            pytest.skip("CLUEGUARD_TEST_REDIS_URL is not set")
        changes["redis_url"] = REDIS_URL
        # Only this test's keys: the limiter's keys are HMACs under this data directory's key.
        redis.Redis.from_url(REDIS_URL).flushdb()
    client = make_app(**changes).test_client()
    code = uuid.uuid4().int % 10**16
    receipt = f"{code:016d}"
    headers = {"X-Forwarded-For": ADDRESS}
    assert client.post("/api/v1/status", json={"receipt": receipt}, headers=headers).status_code == 404
    assert client.post("/api/v1/reports", json={"category": "other", "description": "x", "notice_accepted": True},
                       headers=headers).status_code == 201
    if storage == "redis":
        conn = redis.Redis.from_url(REDIS_URL)
        keys = [k.decode() for k in conn.keys("*")]
        assert keys, "the limiter wrote nothing to Redis"
        held = " ".join(keys)
    else:
        raw = (config.data_dir / "ratelimit.db").read_bytes()
        wal = config.data_dir / "ratelimit.db-wal"
        held = (raw + (wal.read_bytes() if wal.exists() else b"")).decode("latin-1")
        assert "clueguard-public" in held
    assert ADDRESS not in held and receipt not in held
