"""Serving under load, for both apps: nothing cheap waits behind Argon2 or a slow client.

Two pieces, each answering one way a request could starve the others:
- ``HashingPool``: every Argon2id run of the app (intake, receipts, staff sign-in) goes to a small
  pool of low-priority threads (``Runtime.run_argon2``), so at most ``slots`` hashes (64 MiB
  each) run per process and the threads serving cheap pages win the CPU while intake runs flat
  out. Only the hash takes a slot: the rest of the request (parsing, sealing, the database
  commit) runs in its own thread, so a slot never waits on a disk or a lock. argon2-cffi
  releases the interpreter lock, so the pool costs no Python throughput.
- ``BufferedBody``: the request body is read whole (into memory, then a temporary file) before
  the app runs, against a deadline that grows with the declared size. A client that uploads
  slower than ``min_rate`` bytes a second is answered 408 and dropped, so a slow upload holds a
  server thread for a bounded time, with or without a buffering proxy in front.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import socket
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import IO, Any

from flask import Flask, abort, render_template, request
from werkzeug.wsgi import ClosingIterator

from models.store.config import Config
from models.store.i18n import N_, translate
from web.shared import API_PREFIX, RUNTIME_KEY, current_locale

BODY_TIMEOUT_KEY = "clueguard.body_timeout"
BUFFER_KEY = "clueguard.body_buffer"
TOO_SLOW = N_("Your connection sent this too slowly, so nothing was stored. Please try again, "
              "or send fewer or smaller files at once.")
# Hashing threads yield the CPU to request threads (nice 0): a landing page must not wait for a
# hash, while with nothing else to do the hashes still get every core.
HASH_NICENESS = 10
CHUNK = 64 * 1024


def _lower_priority() -> None:
    # Linux keeps a nice value per thread, and the threads Argon2id starts (parallelism p)
    # inherit it from this one.
    # Elsewhere (not Linux, or not allowed) the pool runs at normal priority.
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HASH_NICENESS)


class HashingPool:
    """A bounded pool of low-priority threads for views whose cost is Argon2id."""

    def __init__(self, slots: int) -> None:
        self.slots = max(1, slots)
        self._executor = ThreadPoolExecutor(self.slots, thread_name_prefix="clueguard-hash",
                                            initializer=_lower_priority)

    def run(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        # The copied context carries Flask's request and app contexts (context variables), in
        # case ``fn`` looks at them; the calling thread waits meanwhile.
        ctx = contextvars.copy_context()
        return self._executor.submit(ctx.run, fn, *args, **kwargs).result()

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False)


def serve_under_load(app: Flask, config: Config) -> HashingPool:
    """Both pieces for one app: its Argon2id runs in the pool, its bodies read against a deadline.

    The app's Runtime (``app.extensions``) is replaced by one whose ``run_argon2`` uses the pool.
    """
    pool = HashingPool(config.hash_slots)
    app.extensions[RUNTIME_KEY] = replace(app.extensions[RUNTIME_KEY], hasher=pool.run)
    app.extensions["clueguard.hashing_pool"] = pool
    app.before_request(_refuse_slow_body)
    app.teardown_request(_close_body)
    app.register_error_handler(408, _too_slow)
    app.wsgi_app = BufferedBody(app.wsgi_app, config)  # type: ignore[method-assign]  # Flask's documented way to wrap the WSGI app
    return pool


def _refuse_slow_body() -> None:
    if request.environ.get(BODY_TIMEOUT_KEY):
        abort(408)


def _close_body(_exc: BaseException | None) -> None:
    buffer = request.environ.get(BUFFER_KEY)
    if buffer is not None:
        buffer.close()


def _too_slow(_err: Exception) -> Any:
    text = translate(current_locale(), TOO_SLOW)
    if request.path.startswith(API_PREFIX):
        return {"error": text, "fields": {}}, 408
    return render_template("error.html", code=408, message=text), 408


class BufferedBody:
    """WSGI middleware: read the whole body against a deadline before the app sees the request."""

    def __init__(self, app: Callable[..., Any], config: Config, memory_bytes: int = 1024 * 1024) -> None:
        self.app = app
        self.max_bytes = config.max_request_bytes
        self.grace_seconds = config.body_grace_seconds
        self.min_rate = max(1, config.body_min_rate)
        self.memory_bytes = memory_bytes

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        # Nothing to read, or too large anyway (the app answers 413 without reading it).
        if not 0 < length <= self.max_bytes:
            return self.app(environ, start_response)
        buffer = self._buffer(environ, length)
        return ClosingIterator(self.app(environ, start_response), [buffer.close])

    def _buffer(self, environ: dict[str, Any], length: int) -> IO[bytes]:
        # gunicorn's socket (werkzeug's under the development server): a read may then wait
        # only until the deadline.
        sock: socket.socket | None = environ.get("gunicorn.socket") or environ.get("werkzeug.socket")
        deadline = time.monotonic() + self.grace_seconds + length / self.min_rate
        buffer = tempfile.SpooledTemporaryFile(max_size=self.memory_bytes)  # noqa: SIM115 - handed to the app
        stream = environ["wsgi.input"]
        left = length
        # One read may wait for many small arrivals (gunicorn's read(n) loops until n bytes come),
        # so a timeout per socket read never fires on a byte every few seconds. At the deadline a
        # watchdog ends the reading side of the socket: whatever read is waiting returns at once.
        watchdog = threading.Timer(max(0.0, deadline - time.monotonic()), _stop_reading, (sock,)) if sock else None
        if watchdog is not None:
            watchdog.daemon = True
            watchdog.start()
        try:
            while left > 0:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError
                if sock is not None:
                    sock.settimeout(remaining)
                chunk = stream.read(min(CHUNK, left))
                if not chunk:
                    if time.monotonic() >= deadline:
                        raise TimeoutError
                    break
                buffer.write(chunk)
                left -= len(chunk)
            if left > 0 and time.monotonic() >= deadline:
                raise TimeoutError  # the watchdog cut a read short
        except (TimeoutError, OSError):  # gunicorn's NoMoreData (cut short) is an OSError
            environ[BODY_TIMEOUT_KEY] = True
            if sock is not None:
                # The rest of this body must never be read as a next request on the connection:
                # no more reading, so the server closes it after the 408 answer.
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RD)
            buffer.truncate(0)
            environ["CONTENT_LENGTH"] = "0"
        finally:
            if watchdog is not None:
                watchdog.cancel()
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.settimeout(None)
        buffer.seek(0)
        environ["wsgi.input"] = environ[BUFFER_KEY] = buffer
        environ["wsgi.input_terminated"] = True
        return buffer


def _stop_reading(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RD)
