"""The vault's signing of audit checkpoints and sealing of staff secrets: round trips, tampering,
wrong keys (R23, R29)."""

from __future__ import annotations

import pytest

import vault

MESSAGE = b"12|" + b"a" * 64 + b"|2026-12-01T10:00:00.000000|auditor|fp"


@pytest.fixture(scope="module")
def key() -> tuple[bytes, bytes]:
    return vault.create_signing_key("auditor passphrase", vault.CHEAP, "auditor-signing")


def test_sign_and_verify_round_trip(key) -> None:
    public, wrapped = key
    signature = vault.sign_checkpoint(wrapped, "auditor passphrase", "auditor-signing", MESSAGE)
    assert vault.verify_checkpoint(public, MESSAGE, signature)
    assert b"auditor passphrase" not in wrapped


@pytest.mark.parametrize("change", ["message", "signature", "public"])
def test_any_change_fails_verification(key, change) -> None:
    public, wrapped = key
    signature = vault.sign_checkpoint(wrapped, "auditor passphrase", "auditor-signing", MESSAGE)
    message = MESSAGE
    if change == "message":
        message = MESSAGE.replace(b"12|", b"11|")
    elif change == "signature":
        signature = bytes([signature[0] ^ 1]) + signature[1:]
    else:
        public = vault.create_signing_key("other", vault.CHEAP, "auditor-signing")[0]
    assert not vault.verify_checkpoint(public, message, signature)


def test_garbage_never_verifies(key) -> None:
    assert not vault.verify_checkpoint(b"short", MESSAGE, b"x" * 64)
    assert not vault.verify_checkpoint(key[0], MESSAGE, b"")


@pytest.mark.parametrize(("passphrase", "purpose"), [("wrong", "auditor-signing"),
                                                     ("auditor passphrase", "protection-officer")])
def test_signing_needs_the_passphrase_and_the_purpose(key, passphrase, purpose) -> None:
    with pytest.raises(vault.VaultError):
        vault.sign_checkpoint(key[1], passphrase, purpose, MESSAGE)


def test_fingerprints_differ_per_key(key) -> None:
    other = vault.create_signing_key("other", vault.CHEAP, "auditor-signing")[0]
    assert vault.key_fingerprint(key[0]) != vault.key_fingerprint(other)
    assert len(vault.key_fingerprint(key[0])) == 39


def test_staff_secret_is_bound_to_key_and_context() -> None:
    k1, k2 = b"\x01" * 32, b"\x02" * 32
    sealed = vault.seal_staff_secret(k1, b"JBSWY3DPEHPK3PXP", "totp/1")
    assert vault.open_staff_secret(k1, sealed, "totp/1") == b"JBSWY3DPEHPK3PXP"
    for key_, context in ((k2, "totp/1"), (k1, "totp/2")):
        with pytest.raises(vault.VaultError):
            vault.open_staff_secret(key_, sealed, context)
    with pytest.raises(vault.VaultError):
        vault.open_staff_secret(k1, sealed[:-1] + bytes([sealed[-1] ^ 1]), "totp/1")
