"""Rate limits of the public app that mean what they say (SPEC "What bad input gets").

- One budget across workers and processes: Redis when ``CLUEGUARD_REDIS_URL`` is set, otherwise
  a small SQLite file in the data directory (``ratelimit.db``), which every worker of the
  embedded setup shares. (Flask-Limiter's ``memory://`` would give each worker its own budget.)
- No client address is stored, even briefly, in clear: keys are HMACs under a key that rotates
  every day (derived from a secret in the keys directory, so every worker computes the same).
- Receipt guessing is limited per receipt value (failed lookups of the same code) and globally
  (failed lookups of any code, the site's ceiling on guessing), not per client: behind Tor every
  visitor arrives from 127.0.0.1, so a per-address budget would let one guesser lock every
  reporter out. A correct receipt never counts against either budget.
- Every 429 carries ``Retry-After`` (Flask-Limiter's headers, and web.shared for any other).
"""

from __future__ import annotations

import hashlib
import hmac
import sqlite3
import time
from collections.abc import Callable
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from flask import Flask, Response, request
from flask_limiter import Limiter
from limits.storage import Storage

from models.store.config import Config
from models.store.keys import RATELIMIT_KEY, load_or_create_secret
from models.store.text import digits

SUBMIT_ENDPOINTS = ("public.report", "api.submit_report")
# Every endpoint that takes a receipt shares the same budgets, so guessing is slow on every path.
RECEIPT_ENDPOINTS = ("public.status", "public.status_reply", "public.status_survey", "api.status",
                     "api.add_message")
# The receipt page runs Argon2id too (to list the files received): reloads draw on a per-visitor budget.
RECEIPT_VIEW_ENDPOINTS = ("public.receipt",)
GLOBAL_KEY = "all"


class SQLiteStorage(Storage):
    """Fixed-window counters in one SQLite file, shared by every process on the host."""

    STORAGE_SCHEME = ["clueguard-sqlite"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **_: Any) -> None:
        super().__init__(uri, wrap_exceptions)
        self.path = Path(urlparse(uri or "").path)
        with closing(self._connect()) as conn, conn:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("CREATE TABLE IF NOT EXISTS hits (key TEXT PRIMARY KEY, n INTEGER NOT NULL, "
                         "expires REAL NOT NULL)")

    def _connect(self) -> sqlite3.Connection:
        # A connection per call: Flask may serve from threads, and sqlite3 connections are
        # bound to theirs. BEGIN IMMEDIATE makes an increment one atomic step across workers.
        conn = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        conn.execute("PRAGMA busy_timeout=10000")
        return conn

    @property
    def base_exceptions(self) -> type[Exception]:
        return sqlite3.Error

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        with closing(self._connect()) as conn:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("DELETE FROM hits WHERE key = ? AND expires <= ?", (key, now))
            conn.execute("INSERT INTO hits (key, n, expires) VALUES (?, ?, ?) "
                         "ON CONFLICT(key) DO UPDATE SET n = n + excluded.n", (key, amount, now + expiry))
            if now > getattr(self, "_swept", 0) + 60:
                conn.execute("DELETE FROM hits WHERE expires <= ?", (now,))
                self._swept = now
            count = conn.execute("SELECT n FROM hits WHERE key = ?", (key,)).fetchone()[0]
            conn.execute("COMMIT")
        return int(count)

    def _row(self, key: str) -> tuple[int, float] | None:
        with closing(self._connect()) as conn:
            row = conn.execute("SELECT n, expires FROM hits WHERE key = ? AND expires > ?",
                               (key, time.time())).fetchone()
        return (int(row[0]), float(row[1])) if row else None

    def get(self, key: str) -> int:
        row = self._row(key)
        return row[0] if row else 0

    def get_expiry(self, key: str) -> float:
        row = self._row(key)
        return row[1] if row else time.time()

    def check(self) -> bool:
        try:
            with closing(self._connect()) as conn:
                conn.execute("SELECT 1")
        except sqlite3.Error:
            return False
        return True

    def reset(self) -> int | None:
        with closing(self._connect()) as conn:
            return conn.execute("DELETE FROM hits").rowcount

    def clear(self, key: str) -> None:
        with closing(self._connect()) as conn:
            conn.execute("DELETE FROM hits WHERE key = ?", (key,))


def storage_uri(config: Config) -> str:
    """Redis when configured, else the shared SQLite file of the data directory."""
    if config.redis_url:
        return config.redis_url
    config.data_dir.mkdir(parents=True, exist_ok=True)
    return f"clueguard-sqlite://{config.data_dir / 'ratelimit.db'}"


class Keys:
    """Rate-limit keys: HMACs under a key that changes every day, never a value in clear."""

    def __init__(self, secret: bytes) -> None:
        self.secret = secret

    def digest(self, kind: str, value: str) -> str:
        day = datetime.now(UTC).strftime("%Y-%m-%d")
        day_key = hmac.new(self.secret, day.encode(), hashlib.sha256).digest()
        return hmac.new(day_key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()[:32]

    def client(self) -> str:
        return self.digest("addr", request.remote_addr or "")

    def receipt(self) -> str:
        """The receipt this request asks about, normalised as the lookup normalises it."""
        if request.is_json:
            body = request.get_json(silent=True)
            value = body.get("receipt") if isinstance(body, dict) else None
        else:
            value = request.form.get("receipt")
        return self.digest("receipt", digits(value) if isinstance(value, str) else "")


def _failed_lookup(response: Response) -> bool:
    # A wrong receipt answers 404 (pages and API alike); a right one costs no budget.
    return response.status_code == 404


def install(app: Flask, config: Config) -> Limiter:
    """Put the submit and receipt limits on their endpoints."""
    keys = Keys(load_or_create_secret(config, RATELIMIT_KEY))
    limiter = Limiter(keys.client, app=app, storage_uri=storage_uri(config), key_prefix="clueguard-public",
                      default_limits=[], headers_enabled=True, strategy="fixed-window")
    submit = limiter.shared_limit(config.public_rate_limit, scope="submit", methods=["POST"])
    per_receipt = limiter.shared_limit(config.receipt_rate_limit, scope="receipt", methods=["POST"],
                                       key_func=keys.receipt, deduct_when=_failed_lookup)
    every_receipt = limiter.shared_limit(config.receipt_global_rate_limit, scope="receipt-all", methods=["POST"],
                                         key_func=lambda: GLOBAL_KEY, deduct_when=_failed_lookup)
    receipt_view = limiter.shared_limit(config.receipt_rate_limit, scope="receipt-view", methods=["GET"])
    wrap: dict[str, list[Callable[[Any], Any]]] = {e: [submit] for e in SUBMIT_ENDPOINTS}
    wrap.update({e: [receipt_view] for e in RECEIPT_VIEW_ENDPOINTS})
    for endpoint in RECEIPT_ENDPOINTS:
        wrap[endpoint] = [per_receipt, every_receipt]
    for endpoint, limits in wrap.items():
        for limit in limits:
            # Flask-Limiter's wrapper is typed as possibly async; these views are all sync.
            app.view_functions[endpoint] = limit(app.view_functions[endpoint])
    return limiter
