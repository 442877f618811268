"""The auditor's key, a checkpoint and verification, run with the jobs' environment (the staff role),
over whatever events the public, staff and bot processes of the run have written so far."""

from __future__ import annotations

import re

from tests.production.conftest import People
from tests.production.stack import Stack

PASSPHRASE = "the auditor's own long passphrase"


def test_the_auditor_keys_checkpoints_and_verifies(stack: Stack, people: People) -> None:
    env = stack.env("jobs", stack.data_dirs["jobs"])
    with stack.client() as api:  # one more event written by a public host
        assert api.post("/api/v1/status", json={"receipt": "0000 0000 0000 0000"}).status_code == 404
    key = stack.cli(["audit", "key", "--auditor", people.auditor.username, "--passphrase-stdin"], env,
                    stdin=PASSPHRASE + "\n")
    fingerprint = re.search(r"signing key of \S+: (\S+)", key.stdout)
    assert fingerprint
    stack.cli(["audit", "checkpoint", "--auditor", people.auditor.username, "--passphrase-stdin"], env,
              stdin=PASSPHRASE + "\n")
    verified = stack.cli(["audit", "verify", "--trust", fingerprint.group(1)], env)
    assert "audit log intact" in verified.stdout and "1 checkpoint(s)" in verified.stdout
