"""The sync signing keys on disk: this node's Ed25519 key and the peer's public key.

Exchanged once at set-up (``clueguard sync key`` on each node, ``clueguard sync pair`` with the
other's). The signing key only signs packets; it opens nothing.
"""

from __future__ import annotations

import os
from pathlib import Path

import vault
from models.store.config import Config
from models.store.keys import write_owner_only

OWN_PRIVATE = "sync.key"
OWN_PUBLIC = "sync.pub"
PEER_PUBLIC = "sync-peer.pub"
_MAGIC = b"CGS1"
KEY_LEN = 32


class SyncKeyError(RuntimeError):
    """A sync key file is missing or malformed; the message names the file, never a key."""


def generate_sync_key(config: Config) -> bytes:
    """Create this node's signing key pair if missing (idempotent); returns the public key."""
    keys = config.keys_dir
    keys.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not (keys / OWN_PRIVATE).exists():
        private, public = vault.new_signing_key()
        fd = os.open(keys / OWN_PRIVATE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(_MAGIC + private)
        write_owner_only(keys / OWN_PUBLIC, public)
    return load_own_public(config)


def load_own_private(config: Config) -> bytes:
    path = config.keys_dir / OWN_PRIVATE
    try:
        if path.stat().st_mode & 0o077:
            raise SyncKeyError(f"{path} must be readable by its owner only (chmod 600)")
        blob = path.read_bytes()
    except OSError as exc:
        raise SyncKeyError(f"sync signing key not found at {path}; run `clueguard init --role …`") from exc
    if not blob.startswith(_MAGIC) or len(blob) != len(_MAGIC) + KEY_LEN:
        raise SyncKeyError(f"{path} is not a ClueGuard sync key")
    return blob[len(_MAGIC):]


def load_own_public(config: Config) -> bytes:
    return vault.signing_public_key(load_own_private(config))


def load_peer_public(config: Config) -> bytes:
    path = config.keys_dir / PEER_PUBLIC
    try:
        key = path.read_bytes()
    except OSError as exc:
        raise SyncKeyError(f"no peer key at {path}; run `clueguard sync pair PEER_KEY` first") from exc
    if len(key) != KEY_LEN:
        raise SyncKeyError(f"{path} is not an Ed25519 public key")
    return key


def parse_key(text: str) -> bytes:
    """A public key as ``clueguard sync key`` prints it (64 hex digits)."""
    try:
        key = bytes.fromhex(text.strip())
    except ValueError as exc:
        raise SyncKeyError("a sync key is 64 hexadecimal digits") from exc
    if len(key) != KEY_LEN:
        raise SyncKeyError("a sync key is 64 hexadecimal digits")
    return key


def pair_with(config: Config, peer_public: bytes, replace: bool = False) -> Path:
    """Store the peer's public key; refuses to change an existing pairing unless told to."""
    path = config.keys_dir / PEER_PUBLIC
    if path.exists() and path.read_bytes() != peer_public and not replace:
        raise SyncKeyError(f"{path} already holds another peer's key (use --replace to change it)")
    if peer_public == load_own_public(config):
        raise SyncKeyError("that is this node's own key; give the other node's key")
    config.keys_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    write_owner_only(path, peer_public)
    return path
