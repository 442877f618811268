"""Several public hosts: `clueguard init` makes the public app's secrets once, to copy to each host.

Each host made its own on first use, so a resent form reaching the other host filed a second clue
(and its receipt page showed nothing), and each host counted receipt guesses in its own keys
(issue 21; the production suite runs two hosts).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import vault
from models.datadir.setup import init_site
from models.reporting import idempotency
from models.store.config import Config
from models.store.keys import PUBLIC_SESSION_KEY, RATELIMIT_KEY
from models.store.runtime import open_runtime

SHARED = ["intake.pub", PUBLIC_SESSION_KEY, "submission.key", RATELIMIT_KEY]


def test_init_makes_the_secrets_every_public_host_shares(tmp_path: Path) -> None:
    config = Config(data_dir=tmp_path / "staff", argon2=vault.CHEAP)
    init_site(config)
    hosts = []
    for name in ("public-a", "public-b"):
        host = Config(data_dir=tmp_path / name, argon2=vault.CHEAP, database_url=config.database_url,
                      vault_url=config.vault_url)
        (host.keys_dir).mkdir(parents=True)
        for key in SHARED:
            shutil.copy(config.keys_dir / key, host.keys_dir / key)
        hosts.append(open_runtime(host, staff_side=False))
    token = idempotency.new_token()
    assert idempotency.receipt_for_token(hosts[0], token) == idempotency.receipt_for_token(hosts[1], token)
    for rt in hosts:
        rt.stores.dispose()
