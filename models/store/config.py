"""Settings: one frozen dataclass, built from CLUEGUARD_* environment variables in one place."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

from vault import PRODUCTION, Argon2Params

DEFAULT_TELEGRAM_API_URL = "https://api.telegram.org"
# What a node is (R26): one site with everything, or the two halves of a split deployment.
ROLES = ("single", "intake", "internal")
ROLE_FILE = "role"
# Registry numbers the intake node gives carry this letter, so they never collide with those the
# internal node gives to clues staff register themselves (two counters, two series).
INTAKE_SERIES = "W"


@dataclass(frozen=True)
class Config:
    """Everything ClueGuard can be told. Tests build their own and pass it to the factories."""

    data_dir: Path
    database_url: str = ""
    vault_url: str = ""
    redis_url: str | None = None
    telegram_token: str | None = None
    telegram_api_url: str = DEFAULT_TELEGRAM_API_URL
    # Where reporters find the web form (the bot's Telegram warning names both addresses).
    public_url: str = ""
    onion_url: str = ""
    # Argon2id for receipts, passphrases and staff passwords: RFC 9106's second recommendation.
    # Only tests pass anything cheaper, through their own Config.
    argon2: Argon2Params = PRODUCTION
    intake_key_passphrase: str | None = None
    timezone: str = "Asia/Shanghai"
    # Told to reporters on every public page (issue #27 item 1): who runs the site, and within how
    # many working days staff read a new report. Empty name: a generic description is shown.
    operator_name: str = ""
    reply_days: int = 7
    max_file_bytes: int = 20 * 1024 * 1024
    max_files: int = 8
    max_text_chars: int = 20_000
    session_minutes: int = 30
    lockout_failures: int = 5
    lockout_minutes: int = 15
    unseal_request_hours: int = 72
    unseal_window_hours: int = 24
    public_rate_limit: str = "30 per minute"
    # Failed lookups of one receipt value, and of all receipts together (the site's ceiling on
    # guessing); see web/public/ratelimit.py.
    receipt_rate_limit: str = "10 per minute"
    receipt_global_rate_limit: str = "120 per minute"
    # Look-ups of any receipt from one client network (IPv4 /24, IPv6 /56), counted before the hash.
    receipt_network_rate_limit: str = "4 per 10 seconds;20 per minute"
    secure_cookies: bool = False
    # Reverse proxies in front of the public app (X-Forwarded-For hops to trust for rate limits).
    proxy_hops: int = 0
    # Closed clues asked each month how they were handled (R28).
    survey_sample: int = 10
    # A clue's level until someone classifies it (R19) and how long archived clues are kept (R22).
    default_classification: str = "secret"
    archive_retention_years: int = 10
    # Argon2id runs at once per server process (64 MiB each); the rest of the requests go on.
    # One per process, with a process more than the cores, was the measured best (docs/performance.md).
    hash_slots: int = 1
    # A request body must arrive within this grace plus its size at this rate (bytes a second),
    # else 408: a slow upload holds a server thread for a bounded time (web/serving.py).
    body_grace_seconds: float = 20.0
    body_min_rate: int = 2048
    # single | intake | internal (``clueguard init --role``; docs/split-deployment.md).
    role: str = "single"
    # The intake node's sync endpoint, as the internal node reaches it (internal node only).
    sync_url: str | None = None
    # An external copy of the audit trail for a SIEM (R23, models/audit/mirror.py): a syslog
    # receiver (udp://host:port or tcp://host:port, RFC 5424) and/or a JSON-lines file.
    audit_syslog: str | None = None
    audit_jsonl: str | None = None
    # Who may read /metrics (comma-separated networks); requests through a proxy never may.
    metrics_from: str = "127.0.0.0/8,::1/128"

    def __post_init__(self) -> None:
        # Derived defaults: two SQLite files under the data directory.
        if not self.database_url:
            object.__setattr__(self, "database_url", f"sqlite:///{self.data_dir / 'case.db'}")
        if not self.vault_url:
            object.__setattr__(self, "vault_url", f"sqlite:///{self.data_dir / 'vault.db'}")

    @property
    def keys_dir(self) -> Path:
        return self.data_dir / "keys"

    @property
    def registry_series(self) -> str:
        return INTAKE_SERIES if self.role == "intake" else ""

    @property
    def max_request_bytes(self) -> int:
        return self.max_files * self.max_file_bytes + 1024 * 1024

    def with_changes(self, **changes: object) -> Config:
        return replace(self, **changes)  # type: ignore[arg-type]  # field names checked by dataclasses.replace


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def stored_role(data_dir: Path) -> str | None:
    """The role ``clueguard init --role`` wrote into the data directory, if any."""
    try:
        role = (data_dir / ROLE_FILE).read_text().strip()
    except OSError:
        return None
    return role if role in ROLES else None


def config_from_env(environ: dict[str, str] | None = None, **overrides: object) -> Config:
    """Read CLUEGUARD_* variables (documented in the README)."""
    env = dict(os.environ if environ is None else environ)
    data_dir = Path(env.get("CLUEGUARD_DATA_DIR", "data")).resolve()
    values: dict[str, object] = {
        "data_dir": data_dir,
        "database_url": env.get("CLUEGUARD_DATABASE_URL", ""),
        "vault_url": env.get("CLUEGUARD_VAULT_URL", ""),
        "redis_url": env.get("CLUEGUARD_REDIS_URL") or None,
        "telegram_token": env.get("CLUEGUARD_TELEGRAM_TOKEN") or None,
        "telegram_api_url": env.get("CLUEGUARD_TELEGRAM_API_URL", DEFAULT_TELEGRAM_API_URL),
        "public_url": env.get("CLUEGUARD_PUBLIC_URL", ""),
        "onion_url": env.get("CLUEGUARD_ONION_URL", ""),
        "intake_key_passphrase": env.get("CLUEGUARD_INTAKE_KEY_PASSPHRASE") or None,
        "timezone": env.get("CLUEGUARD_TIMEZONE", "Asia/Shanghai"),
        "operator_name": env.get("CLUEGUARD_OPERATOR_NAME", ""),
        "reply_days": int(env.get("CLUEGUARD_REPLY_DAYS", "7") or 7),
        "secure_cookies": _flag(env.get("CLUEGUARD_SECURE_COOKIES")),
        "public_rate_limit": env.get("CLUEGUARD_PUBLIC_RATE_LIMIT") or "30 per minute",
        "receipt_rate_limit": env.get("CLUEGUARD_RECEIPT_RATE_LIMIT") or "10 per minute",
        "receipt_global_rate_limit": env.get("CLUEGUARD_RECEIPT_GLOBAL_RATE_LIMIT") or "120 per minute",
        "receipt_network_rate_limit": env.get("CLUEGUARD_RECEIPT_NETWORK_RATE_LIMIT")
        or "4 per 10 seconds;20 per minute",
        "proxy_hops": int(env.get("CLUEGUARD_PROXY_HOPS", "0") or 0),
        "survey_sample": int(env.get("CLUEGUARD_SURVEY_SAMPLE", "10") or 10),
        "default_classification": env.get("CLUEGUARD_DEFAULT_CLASSIFICATION", "secret") or "secret",
        "archive_retention_years": int(env.get("CLUEGUARD_ARCHIVE_RETENTION_YEARS", "10") or 10),
        "hash_slots": int(env.get("CLUEGUARD_HASH_SLOTS", "1") or 1),
        # The data directory's own role wins: an intake node stays one whatever the environment says.
        "role": stored_role(data_dir) or env.get("CLUEGUARD_ROLE") or "single",
        "sync_url": env.get("CLUEGUARD_SYNC_URL") or None,
        "audit_syslog": env.get("CLUEGUARD_AUDIT_SYSLOG") or None,
        "audit_jsonl": env.get("CLUEGUARD_AUDIT_JSONL") or None,
        "metrics_from": env.get("CLUEGUARD_METRICS_FROM") or "127.0.0.0/8,::1/128",
    }
    values.update(overrides)
    return Config(**values)  # type: ignore[arg-type]  # values built per field above
