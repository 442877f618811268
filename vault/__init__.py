"""ClueGuard's vault: pure cryptography for clues, receipts and reporter identities.

A leaf package: no database, web or bot code, and no imports of ours. ``cryptography.hazmat``
is imported only in ``vault._seal``. Every failure to open something raises ``VaultError``.
"""

from vault._seal import CLASSICAL, HYBRID
from vault.blind import blind_token, index_key
from vault.envelope import (
    decrypt_blob,
    encrypt_blob,
    generate_keypair,
    key_suite,
    new_data_key,
    open_as_reporter,
    open_data_key,
    open_staff_secret,
    reseal_data_key,
    seal_staff_secret,
    seal_to_reporter,
    sealed_suite,
)
from vault.errors import VaultConfigError, VaultError
from vault.identity import (
    CustodianShare,
    SealedIdentity,
    UnlockedShare,
    change_custodian_passphrase,
    create_custodian_key,
    deal_shares,
    deal_shares_unlocked,
    open_identity,
    open_resealed,
    reseal_share,
    seal_identity,
    unlock_custodian_key,
)
from vault.kdf import CHEAP, PRODUCTION, Argon2Params, derive_key
from vault.receipt import (
    ReceiptKeys,
    derive_receipt_keys,
    format_receipt,
    new_receipt,
    normalize_receipt,
)
from vault.signing import (
    create_signing_key,
    key_fingerprint,
    new_signing_key,
    sign_batch,
    sign_checkpoint,
    signing_key_suite,
    signing_public_key,
    verify_batch,
    verify_checkpoint,
)
from vault.wrapping import (
    create_keypair,
    rewrap_private_key,
    unwrap_private_key,
    wrap_private_key,
)

__all__ = [
    "CHEAP",
    "CLASSICAL",
    "HYBRID",
    "PRODUCTION",
    "Argon2Params",
    "CustodianShare",
    "ReceiptKeys",
    "SealedIdentity",
    "UnlockedShare",
    "VaultConfigError",
    "VaultError",
    "blind_token",
    "change_custodian_passphrase",
    "create_custodian_key",
    "create_keypair",
    "create_signing_key",
    "deal_shares",
    "deal_shares_unlocked",
    "decrypt_blob",
    "derive_key",
    "derive_receipt_keys",
    "encrypt_blob",
    "format_receipt",
    "generate_keypair",
    "index_key",
    "key_fingerprint",
    "key_suite",
    "new_data_key",
    "new_receipt",
    "new_signing_key",
    "normalize_receipt",
    "open_as_reporter",
    "open_data_key",
    "open_identity",
    "open_resealed",
    "open_staff_secret",
    "reseal_data_key",
    "reseal_share",
    "rewrap_private_key",
    "seal_identity",
    "seal_staff_secret",
    "seal_to_reporter",
    "sealed_suite",
    "sign_batch",
    "sign_checkpoint",
    "signing_key_suite",
    "signing_public_key",
    "unlock_custodian_key",
    "unwrap_private_key",
    "verify_batch",
    "verify_checkpoint",
    "wrap_private_key",
]
