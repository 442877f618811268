"""The sync signing keys on disk: this node's signing key and the peer's public key.

New keys are hybrid, Ed25519 + ML-DSA-65 (R32: both signatures must verify); a node set up
before R32 keeps its Ed25519 key until `clueguard vault upgrade` or a new `sync key` pairing.

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
KEY_LEN = 32  # an Ed25519 key; hybrid keys are longer and name their suite (vault.signing_key_suite)


def _is_signing_key(key: bytes) -> bool:
    try:
        vault.signing_key_suite(key)
    except vault.VaultError:
        return False
    return True


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
    if not blob.startswith(_MAGIC) or not _is_signing_key(blob[len(_MAGIC):]):
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
    if not _is_signing_key(key):
        raise SyncKeyError(f"{path} is not a sync public key")
    return key


def parse_key(text: str) -> bytes:
    """A public key as ``clueguard sync key`` prints it (hexadecimal: 3976 digits for a hybrid key,
    64 for an Ed25519 key made before R32)."""
    try:
        key = bytes.fromhex("".join(text.split()))
    except ValueError as exc:
        raise SyncKeyError("a sync key is hexadecimal digits, as `clueguard sync key` prints it") from exc
    if not _is_signing_key(key):
        raise SyncKeyError("not a sync key: give the whole key `clueguard sync key` printed")
    return key


def fingerprint(public: bytes) -> str:
    """A short form of a sync public key that two operators can read to each other by voice.

    SHA-256 of the key (with a label), 128 bits as 8 groups of 4 hex digits: a hybrid key is
    3 976 hex digits, too long to compare aloud; matching fingerprints mean matching keys, since
    a second key with the same 128 bits cannot be found.
    """
    return vault.key_fingerprint(public)


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
