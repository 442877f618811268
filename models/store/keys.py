"""The intake key pair on disk: the public half for the internet side, the private half for staff.

The private key file is written with mode 0600 outside the databases and may be wrapped by a
passphrase (CLUEGUARD_INTAKE_KEY_PASSPHRASE). The public app and the bot call only
``load_intake_public``; only the staff app calls ``load_intake_private``.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

import vault
from models.store.config import Config

PUBLIC_FILE = "intake.pub"
PRIVATE_FILE = "intake.key"
# While `clueguard vault upgrade` re-seals to a new (hybrid) intake key (R32): the new pair, and
# the old private key between its retirement and its destruction.
NEXT_PUBLIC_FILE = "intake.next.pub"
NEXT_PRIVATE_FILE = "intake.next.key"
RETIRED_PRIVATE_FILE = "intake.key.retired"
_PLAIN_MAGIC = b"CGK1"
_PURPOSE = "intake"


class KeyFileError(RuntimeError):
    """The key files are missing or unreadable; the message says which file, never a key."""


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def write_owner_only(path: Path, data: bytes) -> None:
    """Write a file of the data directory readable by its owner only (0600), whole or not at all."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    tmp.replace(path)


def generate_intake_key(config: Config) -> None:
    """Create the intake key pair if it does not exist yet (idempotent)."""
    keys = config.keys_dir
    keys.mkdir(parents=True, exist_ok=True, mode=0o700)
    if (keys / PRIVATE_FILE).exists():
        return
    _write_pair(config, PRIVATE_FILE, PUBLIC_FILE)


def _write_pair(config: Config, private_name: str, public_name: str) -> None:
    private, public = vault.generate_keypair()
    if config.intake_key_passphrase:
        blob = vault.wrap_private_key(private, config.intake_key_passphrase, config.argon2, _PURPOSE)
    else:
        blob = _PLAIN_MAGIC + private
    _write_private(config.keys_dir / private_name, blob)
    write_owner_only(config.keys_dir / public_name, public)


def generate_next_intake_key(config: Config) -> bytes:
    """The new intake key pair an upgrade re-seals to, created once (resuming reuses it)."""
    if not (config.keys_dir / NEXT_PRIVATE_FILE).exists():
        _write_pair(config, NEXT_PRIVATE_FILE, NEXT_PUBLIC_FILE)
    return (config.keys_dir / NEXT_PUBLIC_FILE).read_bytes()


def load_next_intake_private(config: Config) -> bytes:
    return _read_private(config, config.keys_dir / NEXT_PRIVATE_FILE)


def _shred(path: Path) -> None:
    """Overwrite a key file, then remove it (best effort on journaling and copy-on-write disks)."""
    with contextlib.suppress(FileNotFoundError):
        size = path.stat().st_size
        with open(path, "r+b") as fh:
            fh.write(secrets.token_bytes(size))
            fh.flush()
            os.fsync(fh.fileno())
        path.unlink()


def finish_interrupted_promotion(config: Config) -> None:
    """An upgrade stopped between the two renames of ``promote_next_intake_key``: finish it."""
    keys = config.keys_dir
    if (keys / NEXT_PRIVATE_FILE).exists() and not (keys / PRIVATE_FILE).exists():
        promote_next_intake_key(config)


def promote_next_intake_key(config: Config) -> None:
    """Make the new pair the intake key and destroy the old private key; safe to repeat after a crash.

    Each step is one rename, so an interruption leaves a state the next run finishes.
    """
    keys = config.keys_dir
    if (keys / NEXT_PUBLIC_FILE).exists():
        os.replace(keys / NEXT_PUBLIC_FILE, keys / PUBLIC_FILE)
    if (keys / NEXT_PRIVATE_FILE).exists():
        if (keys / PRIVATE_FILE).exists():
            os.replace(keys / PRIVATE_FILE, keys / RETIRED_PRIVATE_FILE)
        os.replace(keys / NEXT_PRIVATE_FILE, keys / PRIVATE_FILE)
    _shred(keys / RETIRED_PRIVATE_FILE)


def load_intake_public(config: Config) -> bytes:
    path = config.keys_dir / PUBLIC_FILE
    try:
        return path.read_bytes()
    except OSError as exc:
        if config.role == "intake":  # a split deployment's intake node receives it by sync
            raise KeyFileError(f"intake public key not found at {path}: run a first `clueguard sync run` "
                               "(or `sync export`/`sync import`) from the internal node") from exc
        raise KeyFileError(f"intake public key not found at {path}; run `clueguard init`") from exc


def load_intake_private(config: Config) -> bytes:
    """The staff side's intake private key; refuses a file others can read."""
    return _read_private(config, config.keys_dir / PRIVATE_FILE)


def _read_private(config: Config, path: Path) -> bytes:
    try:
        if path.stat().st_mode & 0o077:
            raise KeyFileError(f"{path} must be readable by its owner only (chmod 600)")
        blob = path.read_bytes()
    except OSError as exc:
        raise KeyFileError(f"intake private key not found at {path}") from exc
    if blob.startswith(_PLAIN_MAGIC):
        return blob[len(_PLAIN_MAGIC) :]
    if not config.intake_key_passphrase:
        raise KeyFileError(f"{path} is passphrase-wrapped: set CLUEGUARD_INTAKE_KEY_PASSPHRASE")
    try:
        return vault.unwrap_private_key(blob, config.intake_key_passphrase, _PURPOSE)
    except vault.VaultError as exc:
        raise KeyFileError(f"cannot unwrap {path}: wrong passphrase") from exc


# The public app's session key: the same file on every host that serves the public app.
PUBLIC_SESSION_KEY = "public-session.key"
# The key of the public app's rate-limit counters (HMACs of addresses and receipts): the same on
# every public host, or each host would count in its own keys and give its own budget.
RATELIMIT_KEY = "ratelimit.key"


def load_or_create_secret(config: Config, name: str) -> bytes:
    """A random secret kept in the keys directory (Flask session keys), created on first use."""
    path = config.keys_dir / name
    config.keys_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    with contextlib.suppress(FileExistsError):
        _write_private(path, secrets.token_bytes(32))
    return path.read_bytes()
