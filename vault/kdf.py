"""Argon2id key derivation with explicit, recorded parameters."""

from __future__ import annotations

import struct
from dataclasses import dataclass

from argon2.low_level import Type, hash_secret_raw


@dataclass(frozen=True)
class Argon2Params:
    """Argon2id cost: time (passes), memory in KiB, lanes."""

    time_cost: int
    memory_cost: int
    parallelism: int

    def pack(self) -> bytes:
        return struct.pack(">III", self.time_cost, self.memory_cost, self.parallelism)

    @classmethod
    def unpack(cls, raw: bytes) -> Argon2Params:
        t, m, p = struct.unpack(">III", raw)
        return cls(t, m, p)


# RFC 9106 section 4, second recommended option: t=3, 64 MiB, 4 lanes.
PRODUCTION = Argon2Params(time_cost=3, memory_cost=64 * 1024, parallelism=4)
# Only for tests, never for benchmarks or a deployment.
CHEAP = Argon2Params(time_cost=1, memory_cost=8, parallelism=1)
PACKED_LEN = 12


def derive_key(secret: bytes, salt: bytes, params: Argon2Params, length: int = 32) -> bytes:
    """Stretch a low-entropy secret (passphrase, receipt code) into a key."""
    return hash_secret_raw(
        secret,
        salt,
        time_cost=params.time_cost,
        memory_cost=params.memory_cost,
        parallelism=params.parallelism,
        hash_len=length,
        type=Type.ID,
    )
