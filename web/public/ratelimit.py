"""Rate limits of the public app that mean what they say (SPEC "What bad input gets").

- One budget across workers and processes: Redis when ``CLUEGUARD_REDIS_URL`` is set, otherwise
  a small SQLite file in the data directory (``ratelimit.db``), which every worker of the
  embedded setup shares. (Flask-Limiter's ``memory://`` would give each worker its own budget.)
- No client address is stored, even briefly, in clear: keys are HMACs under a key that rotates
  every day (derived from a secret in the keys directory, so every worker computes the same).
- Receipt guessing (issue #21): one guesser must not lock real reporters out, and guessing must
  stay infeasible. Three budgets, in this order:
  1. per client network (IPv4 /24, IPv6 /56, behind the proxy hops): every look-up counts, before
     its Argon2id runs, so one client can neither spend the site's ceiling nor fill the hashing
     pool that real look-ups wait for;
  2. per receipt value: failed look-ups of one code;
  3. the site's ceiling on failed look-ups of any code. Once it is spent the site is under
     attack: a network that failed a look-up within the hour is refused, and one that did not
     (a real reporter typing their code) still gets its look-up.
  A correct receipt never counts against 2 or 3. Behind Tor every visitor shares the onion
  entrance's address, so Tor reporters share one network budget (docs/security.md).
- Every 429 carries ``Retry-After`` (Flask-Limiter's headers, and web.shared for any other).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import sqlite3
import time
from collections.abc import Callable
from contextlib import closing
from datetime import UTC, datetime
from functools import wraps
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from flask import Flask, Response, abort, g, request
from flask_limiter import Limiter
from limits import RateLimitItem, parse
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
PREFIX = "clueguard-public"
# Under attack (the ceiling spent), a network may fail this many look-ups: one an hour.
UNDER_ATTACK = "1 per hour"
# How wide one client's network is: a home or office gets a whole /24 (IPv4) or /56 (IPv6).
IPV4_PREFIX, IPV6_PREFIX = 24, 56


def client_network(address: str) -> str:
    """The network a client address belongs to (IPv4 /24, IPv6 /56); an unparsable one stays itself."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    prefix = IPV4_PREFIX if ip.version == 4 else IPV6_PREFIX
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


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

    def network(self) -> str:
        return self.digest("net", client_network(request.remote_addr or ""))

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


class Ceiling:
    """The site's ceiling on failed receipt look-ups, which refuses only guessers once it is spent."""

    def __init__(self, limiter: Limiter, keys: Keys, limit: str) -> None:
        self.limiter, self.keys = limiter, keys
        self.ceiling: RateLimitItem = parse(limit)
        self.under_attack: RateLimitItem = parse(UNDER_ATTACK)

    def guard(self, view: Callable[..., Any]) -> Callable[..., Any]:
        """Before the view: refuse once the ceiling is spent, unless this network has not guessed lately."""

        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            strategy = self.limiter.limiter
            ceiling_key, network_key = self._keys()
            if request.method == "POST" and not strategy.test(self.ceiling, *ceiling_key) and \
                    not strategy.test(self.under_attack, *network_key):
                # Refused until the ceiling's window or this network's hour ends, whichever is first.
                g.cg_retry_at = min(strategy.get_window_stats(self.ceiling, *ceiling_key).reset_time,
                                    strategy.get_window_stats(self.under_attack, *network_key).reset_time)
                abort(429)
            return view(*args, **kwargs)

        return wrapped

    def count(self, response: Response) -> Response:
        """After a receipt look-up (page or API, whichever way it answered 404): count the failure."""
        retry_at = g.pop("cg_retry_at", None)
        if retry_at is not None and response.status_code == 429:
            response.headers["Retry-After"] = str(max(1, int(retry_at - time.time()) + 1))
        if request.endpoint in RECEIPT_ENDPOINTS and request.method == "POST" and _failed_lookup(response):
            strategy = self.limiter.limiter
            ceiling_key, network_key = self._keys()
            strategy.hit(self.ceiling, *ceiling_key)
            strategy.hit(self.under_attack, *network_key)
        return response

    def _keys(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        return (PREFIX, "receipt-all", GLOBAL_KEY), (PREFIX, "receipt-net-failed", self.keys.network())


def install(app: Flask, config: Config) -> Limiter:
    """Put the submit and receipt limits on their endpoints."""
    keys = Keys(load_or_create_secret(config, RATELIMIT_KEY))
    limiter = Limiter(keys.client, app=app, storage_uri=storage_uri(config), key_prefix=PREFIX,
                      default_limits=[], headers_enabled=True, strategy="fixed-window")
    submit = limiter.shared_limit(config.public_rate_limit, scope="submit", methods=["POST"])
    # Only failed look-ups spend a network's budget: reporters behind one address (an office NAT, a
    # Tor exit, the proxy) who present right receipts never wait for each other. A network that
    # failed too often is refused before the view, so before its Argon2id runs.
    per_network = limiter.shared_limit(config.receipt_network_rate_limit, scope="receipt-net", methods=["POST"],
                                       key_func=keys.network, deduct_when=_failed_lookup)
    per_receipt = limiter.shared_limit(config.receipt_rate_limit, scope="receipt", methods=["POST"],
                                       key_func=keys.receipt, deduct_when=_failed_lookup)
    ceiling = Ceiling(limiter, keys, config.receipt_global_rate_limit)
    app.after_request(ceiling.count)
    receipt_view = limiter.shared_limit(config.receipt_rate_limit, scope="receipt-view", methods=["GET"])
    wrap: dict[str, list[Callable[[Any], Any]]] = {e: [submit] for e in SUBMIT_ENDPOINTS}
    wrap.update({e: [receipt_view] for e in RECEIPT_VIEW_ENDPOINTS})
    for endpoint in RECEIPT_ENDPOINTS:
        # Innermost first: the ceiling wraps the view, the per-receipt and per-network limits wrap
        # that, so the network's budget is checked (and spent) before anything else.
        wrap[endpoint] = [ceiling.guard, per_receipt, per_network]
    for endpoint, limits in wrap.items():
        for limit in limits:
            # Flask-Limiter's wrapper is typed as possibly async; these views are all sync.
            app.view_functions[endpoint] = limit(app.view_functions[endpoint])
    return limiter
