"""web/serving.py's hashing pool: every Argon2id run of an app goes to a few low-priority threads,
and nothing else of the request does (a slot never waits on the database)."""

from __future__ import annotations

import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from flask import Flask

import vault
from benchmarks.served import CLUE
from models.audit import trail
from models.store.config import Config
from models.store.runtime import Runtime
from web.public import create_public_app
from web.serving import HASH_NICENESS, serve_under_load
from web.shared import RUNTIME_KEY, get_runtime


def _nice() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


def _app(tmp_path: Path, rt: Runtime, slots: int) -> Flask:
    app = Flask(__name__)
    app.extensions[RUNTIME_KEY] = rt
    seen: list[tuple[str, int]] = []
    active = [0, 0]  # now, most at once
    lock = threading.Lock()
    app.config["SEEN"], app.config["ACTIVE"] = seen, active

    def fake_hash(label: str) -> str:
        with lock:
            active[0] += 1
            active[1] = max(active)
        seen.append((threading.current_thread().name, _nice()))
        time.sleep(0.02)
        with lock:
            active[0] -= 1
        return label

    @app.post("/hash")
    def hash_view() -> str:
        return get_runtime().run_argon2(fake_hash, "hashed")

    @app.get("/cheap")
    def cheap() -> str:
        return f"{threading.current_thread().name} {_nice()}"

    serve_under_load(app, Config(data_dir=tmp_path, hash_slots=slots))
    return app


def test_hashes_run_in_the_pool_at_low_priority_and_nothing_else_does(tmp_path: Path, public_rt: Runtime) -> None:
    app = _app(tmp_path, public_rt, slots=2)
    client = app.test_client()
    with ThreadPoolExecutor(6) as clients:
        answers = list(clients.map(lambda _i: client.post("/hash").get_data(as_text=True), range(12)))
    assert answers == ["hashed"] * 12
    # At most two hashes ever ran at once, in the pool's two threads, both niced (the threads
    # Argon2id starts inherit it).
    assert app.config["ACTIVE"][1] <= 2
    assert {name for name, _ in app.config["SEEN"]} <= {"clueguard-hash_0", "clueguard-hash_1"}
    assert {nice for _, nice in app.config["SEEN"]} == {HASH_NICENESS}
    name, nice = client.get("/cheap").get_data(as_text=True).split()
    assert not name.startswith("clueguard-hash") and int(nice) != HASH_NICENESS


def test_without_a_pool_the_calling_thread_hashes(public_rt: Runtime) -> None:
    """The CLI, the bot and the models' tests have no pool: ``run_argon2`` is a plain call."""
    assert public_rt.hasher is None
    assert public_rt.run_argon2(lambda: threading.current_thread().name) == threading.current_thread().name
    pooled = replace(public_rt, hasher=lambda fn, *a: ("pool", fn(*a)))
    assert pooled.run_argon2(lambda x: x * 2, 21) == ("pool", 42)


def _spy(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str, where: list[str]) -> None:
    real = getattr(owner, name)

    def spy(*args: Any, **kwargs: Any) -> Any:
        where.append(threading.current_thread().name)
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, spy)


def test_intake_hashes_in_the_pool_and_writes_in_its_own_thread(config: Config, public_rt: Runtime,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The receipt's Argon2id in a pool thread, the database write and its audit event outside it:
    a pooled view (the whole request in the slot) would hold the slot through the commit."""
    hashed: list[str] = []
    audited: list[str] = []
    _spy(monkeypatch, vault, "derive_receipt_keys", hashed)
    _spy(monkeypatch, trail, "record", audited)
    client = create_public_app(config, public_rt).test_client()
    submitted = client.post("/api/v1/reports", json=CLUE)
    assert submitted.status_code == 201, submitted.get_data(as_text=True)
    looked_up = client.post("/api/v1/status", json={"receipt": submitted.get_json()["receipt"]})
    assert looked_up.status_code == 200
    assert len(hashed) == 2 and all(name.startswith("clueguard-hash") for name in hashed)
    assert audited and not any(name.startswith("clueguard-hash") for name in audited)


def test_staff_sign_in_verifies_the_password_in_the_pool(staff_app: Flask, make_staff, sign_in,  # type: ignore[no-untyped-def]
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    verified: list[str] = []
    user = make_staff("clerk1", "intake")
    _spy(monkeypatch, PasswordHasher, "verify", verified)
    sign_in(user)
    assert verified and all(name.startswith("clueguard-hash") for name in verified)
