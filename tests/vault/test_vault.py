"""The vault leaf: round trips, thresholds, wrong keys, tampering, moved seals (R8, R9)."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

import vault
from vault import CHEAP, CustodianShare, VaultError

VECTORS = json.loads((Path(__file__).parent / "vectors" / "vault.json").read_text())
IDENTITY = json.dumps({"name": "王五", "phone": "13800000000"}, ensure_ascii=False).encode()


def _custodians(n: int) -> tuple[dict[str, bytes], dict[str, tuple[bytes, str]]]:
    publics, secrets_ = {}, {}
    for i in range(n):
        passphrase = f"passphrase number {i}"
        public, wrapped = vault.create_custodian_key(passphrase, CHEAP)
        publics[f"c{i}"] = public
        secrets_[f"c{i}"] = (wrapped, passphrase)
    return publics, secrets_


def _shares(sealed: vault.SealedIdentity, secrets_: dict[str, tuple[bytes, str]],
            who: tuple[str, ...]) -> list[CustodianShare]:
    return [CustodianShare(c, sealed.shares[c], *secrets_[c]) for c in who]


@pytest.mark.parametrize(("k", "n"), [(2, 3), (3, 5)])
def test_every_k_subset_opens_and_no_k_minus_1_subset_does(k: int, n: int) -> None:
    publics, secrets_ = _custodians(n)
    sealed = vault.seal_identity(IDENTITY, "report-1", publics, k)
    assert IDENTITY not in sealed.ciphertext
    for who in itertools.combinations(sorted(publics), k):
        assert vault.open_identity(sealed.ciphertext, "report-1", _shares(sealed, secrets_, who)) == IDENTITY
    for who in itertools.combinations(sorted(publics), k - 1):
        with pytest.raises(VaultError):
            vault.open_identity(sealed.ciphertext, "report-1", _shares(sealed, secrets_, who))


def test_wrong_passphrase_fails() -> None:
    publics, secrets_ = _custodians(3)
    sealed = vault.seal_identity(IDENTITY, "r", publics, 2)
    shares = _shares(sealed, secrets_, ("c0", "c1"))
    shares[1] = CustodianShare("c1", sealed.shares["c1"], secrets_["c1"][0], "not the passphrase")
    with pytest.raises(VaultError):
        vault.open_identity(sealed.ciphertext, "r", shares)


@pytest.mark.parametrize("target", ["ciphertext", "share", "wrapped_key"])
def test_a_tampered_byte_fails(target: str) -> None:
    publics, secrets_ = _custodians(3)
    sealed = vault.seal_identity(IDENTITY, "r", publics, 2)
    ciphertext = bytearray(sealed.ciphertext)
    shares = _shares(sealed, secrets_, ("c0", "c1"))
    if target == "ciphertext":
        ciphertext[len(ciphertext) // 2] ^= 1
    elif target == "share":
        bad = bytearray(shares[0].sealed_share)
        bad[-5] ^= 1
        shares[0] = CustodianShare("c0", bytes(bad), shares[0].wrapped_key, shares[0].passphrase)
    else:
        bad = bytearray(shares[0].wrapped_key)
        bad[-3] ^= 1
        shares[0] = CustodianShare("c0", shares[0].sealed_share, bytes(bad), shares[0].passphrase)
    with pytest.raises(VaultError):
        vault.open_identity(bytes(ciphertext), "r", shares)


def test_sealed_identity_moved_to_another_report_fails() -> None:
    publics, secrets_ = _custodians(3)
    sealed = vault.seal_identity(IDENTITY, "report-A", publics, 2)
    with pytest.raises(VaultError):
        vault.open_identity(sealed.ciphertext, "report-B", _shares(sealed, secrets_, ("c0", "c1")))


def test_shares_swapped_between_custodians_fail() -> None:
    publics, secrets_ = _custodians(3)
    sealed = vault.seal_identity(IDENTITY, "r", publics, 2)
    swapped = [CustodianShare("c0", sealed.shares["c1"], *secrets_["c0"]),
               CustodianShare("c1", sealed.shares["c0"], *secrets_["c1"])]
    with pytest.raises(VaultError):
        vault.open_identity(sealed.ciphertext, "r", swapped)


def test_errors_are_opaque() -> None:
    messages = set()
    publics, secrets_ = _custodians(3)
    sealed = vault.seal_identity(IDENTITY, "r", publics, 2)
    attempts = [
        lambda: vault.open_identity(sealed.ciphertext, "r", _shares(sealed, secrets_, ("c0",))),
        lambda: vault.open_identity(sealed.ciphertext, "x", _shares(sealed, secrets_, ("c0", "c1"))),
        lambda: vault.unlock_custodian_key(secrets_["c0"][0], "wrong"),
        lambda: vault.unlock_custodian_key(b"garbage", "wrong"),
    ]
    for attempt in attempts:
        with pytest.raises(VaultError) as info:
            attempt()
        messages.add((type(info.value), str(info.value)))
    assert messages == {(VaultError, "cannot open")}


def test_threshold_must_be_at_least_two_and_at_most_n() -> None:
    publics, _ = _custodians(3)
    for k in (1, 4):
        with pytest.raises(vault.VaultConfigError):
            vault.seal_identity(IDENTITY, "r", publics, k)


def test_reseal_to_requester_opens_only_for_that_request() -> None:
    publics, secrets_ = _custodians(3)
    sealed = vault.seal_identity(IDENTITY, "r", publics, 2)
    req_private, req_public = vault.generate_keypair()
    resealed = {c: vault.reseal_share(s, "r", "req-1", req_public)
                for c, s in zip(("c0", "c2"), _shares(sealed, secrets_, ("c0", "c2")), strict=True)}
    assert vault.open_resealed(sealed.ciphertext, "r", "req-1", resealed, req_private) == IDENTITY
    with pytest.raises(VaultError):
        vault.open_resealed(sealed.ciphertext, "r", "req-2", resealed, req_private)
    with pytest.raises(VaultError):
        vault.open_resealed(sealed.ciphertext, "r", "req-1", {"c0": resealed["c0"]}, req_private)


def test_re_deal_to_new_custodians_and_new_k() -> None:
    publics, secrets_ = _custodians(3)
    sealed = vault.seal_identity(IDENTITY, "r", publics, 2)
    new_publics, new_secrets = _custodians(5)
    new_shares = vault.deal_shares(sealed.ciphertext, "r", _shares(sealed, secrets_, ("c1", "c2")),
                                   new_publics, 3)
    redealt = vault.SealedIdentity(sealed.ciphertext, 3, new_shares)
    assert vault.open_identity(sealed.ciphertext, "r", _shares(redealt, new_secrets, ("c0", "c3", "c4"))) == IDENTITY
    with pytest.raises(VaultError):
        vault.open_identity(sealed.ciphertext, "r", _shares(redealt, new_secrets, ("c0", "c3")))


def test_change_passphrase_keeps_the_key_pair() -> None:
    public, wrapped = vault.create_custodian_key("old passphrase!", CHEAP)
    rewrapped = vault.change_custodian_passphrase(wrapped, "old passphrase!", "new passphrase!", CHEAP)
    private = vault.unlock_custodian_key(rewrapped, "new passphrase!")
    assert vault.envelope._seal.public_of(private) == public
    with pytest.raises(VaultError):
        vault.unlock_custodian_key(rewrapped, "old passphrase!")


def test_data_key_envelope_round_trip_and_context_binding() -> None:
    private, public = vault.generate_keypair()
    dk = vault.new_data_key(public, "report-1/key-1")
    blob = vault.encrypt_blob(dk.key, b"clue text", "report/report-1")
    key = vault.open_data_key(dk.sealed, private, "report-1/key-1")
    assert vault.decrypt_blob(key, blob, "report/report-1") == b"clue text"
    with pytest.raises(VaultError):
        vault.open_data_key(dk.sealed, private, "report-2/key-1")
    with pytest.raises(VaultError):
        vault.decrypt_blob(key, blob, "report/report-2")
    other_private, _ = vault.generate_keypair()
    with pytest.raises(VaultError):
        vault.open_data_key(dk.sealed, other_private, "report-1/key-1")


def test_receipt_codes_are_16_random_digits() -> None:
    codes = {vault.new_receipt() for _ in range(200)}
    assert len(codes) == 200
    assert all(len(c) == 16 and c.isdigit() for c in codes)
    assert vault.normalize_receipt("1234 5678-1234\u00a05678") == "1234567812345678"
    assert vault.normalize_receipt("１２３４") == ""  # full-width digits are not ASCII


def test_known_answer_receipt_derivation() -> None:
    """The stored lookup value must never change for a given code, salt and cost; nor the
    classical key pair that reports stored before R32 keep (tests/vault/test_pq.py: the hybrid one)."""
    v = VECTORS["receipt"]
    params = vault.Argon2Params(**v["params"])
    keys = vault.derive_receipt_keys(v["code"], bytes.fromhex(v["salt"]), params)
    assert keys.lookup.hex() == v["lookup"]
    assert keys.classical_public.hex() == v["reporter_public"]


def test_known_answer_opens_identity_sealed_by_an_earlier_version() -> None:
    """Identities sealed today must open after any upgrade: a stored seal from v1 opens."""
    v = VECTORS["identity"]
    shares = [CustodianShare(c["id"], bytes.fromhex(c["sealed_share"]), bytes.fromhex(c["wrapped_key"]),
                             c["passphrase"]) for c in v["custodians"][:2]]
    opened = vault.open_identity(bytes.fromhex(v["ciphertext"]), v["report_id"], shares)
    assert opened == v["identity"].encode()


def test_production_argon2_is_at_least_rfc9106_second_recommendation() -> None:
    p = vault.PRODUCTION
    assert p.time_cost >= 3 and p.memory_cost >= 64 * 1024 and p.parallelism >= 4
