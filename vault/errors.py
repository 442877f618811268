"""The vault's one error: every way opening can fail looks the same to the caller."""


class VaultError(Exception):
    """Raised whenever something cannot be opened or unwrapped.

    Like Fernet's InvalidToken, it never says which check failed (wrong key, wrong passphrase,
    tampered byte, too few shares, a seal moved to another report), so a caller learns nothing.
    """

    def __init__(self) -> None:
        super().__init__("cannot open")


class VaultConfigError(ValueError):
    """Raised for a request the vault refuses before any secret is touched (e.g. k > n)."""
