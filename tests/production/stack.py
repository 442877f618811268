"""The production layout of ``deploy/`` on one machine, as docs/deployment.md describes it.

Two PostgreSQL databases made for the run (``cgprod_<random>_case`` and ``_vault``, owned by a
role of the same prefix), migrated by ``clueguard init`` as their owner; ``clueguard roles apply``
makes the three login roles; every server process connects as its own role, with the environment
of its file in ``deploy/env`` (only the addresses, paths and role prefix changed); ``clueguard
serve`` runs each app twice, as two hosts would (each its own data directory holding what that
host's files say it holds); Debian's nginx runs the files of ``deploy/nginx`` with only ports,
paths and certificates changed, in front of both instances of each app, with TLS from a CA made
for the run. Everything is dropped afterwards.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import ssl
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, make_url, text

from tests.sync.procs import wait_for_port

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
CLUEGUARD = str(Path(sys.executable).with_name("clueguard"))
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
# The shipped files' host names (the certificate names both).
PUBLIC_HOST = "report.example.org"
STAFF_HOST = "clueguard-staff.internal"
WORKERS = 2   # `clueguard serve --workers`: each instance runs two gunicorn workers
THREADS = 8


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines of a systemd EnvironmentFile (comments and blank lines skipped)."""
    out = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            out[key.strip()] = value.strip()
    return out


@dataclass
class Databases:
    """The run's owner role and the two stores' schemas on the test PostgreSQL server.

    Schemas, not databases: DROP DATABASE waits for a checkpoint, which on a busy server took
    over a minute. A store in its own schema is what docs/deployment.md allows too.
    """

    admin_url: str
    prefix: str

    @property
    def names(self) -> dict[str, str]:
        return {"case": f"{self.prefix}_case", "vault": f"{self.prefix}_vault"}

    def url(self, role: str, store: str) -> str:
        """``role`` is ``owner`` or one of the roles ``clueguard roles apply`` makes."""
        base = make_url(self.admin_url)
        return base.set(username=f"{self.prefix}_{role}", password=None,
                        query={"options": f"-csearch_path={self.names[store]}"}).render_as_string(hide_password=False)

    def create(self) -> None:
        admin = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            # The owner creates the apps' roles (``roles apply``), nothing more.
            conn.execute(text(f'CREATE ROLE "{self.prefix}_owner" LOGIN CREATEROLE'))
            for name in self.names.values():
                conn.execute(text(f'CREATE SCHEMA "{name}" AUTHORIZATION "{self.prefix}_owner"'))
        admin.dispose()

    def drop(self) -> None:
        admin = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            for name in self.names.values():
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
            for role in ("public", "bot", "staff", "owner"):
                conn.execute(text(f'DROP ROLE IF EXISTS "{self.prefix}_{role}"'))
        admin.dispose()


def make_ca(where: Path) -> dict[str, Path]:
    """A CA for the run and one server certificate for both host names and 127.0.0.1 (openssl)."""
    where.mkdir(parents=True, exist_ok=True)
    ca_key, ca_crt = where / "ca.key", where / "ca.crt"
    key, csr, crt, ext = where / "server.key", where / "server.csr", where / "server.crt", where / "ext.cnf"
    run = [shutil.which("openssl") or "openssl"]
    quiet = {"check": True, "capture_output": True}
    subprocess.run([*run, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-keyout", str(ca_key), "-out", str(ca_crt), "-days", "2", "-subj", "/CN=ClueGuard test CA"],
                   **quiet)  # type: ignore[call-overload]
    subprocess.run([*run, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-keyout", str(key), "-out", str(csr), "-subj", f"/CN={PUBLIC_HOST}"],
                   **quiet)  # type: ignore[call-overload]
    ext.write_text(f"subjectAltName=DNS:{PUBLIC_HOST},DNS:{STAFF_HOST},IP:127.0.0.1\n")
    subprocess.run([*run, "x509", "-req", "-in", str(csr), "-CA", str(ca_crt), "-CAkey", str(ca_key),
                    "-CAcreateserial", "-out", str(crt), "-days", "2", "-extfile", str(ext)],
                   **quiet)  # type: ignore[call-overload]
    return {"ca": ca_crt, "cert": crt, "key": key}


def render_nginx(shipped: str, ports: dict[str, int], upstreams: dict[str, list[int]], paths: dict[str, Path],
                 tls: dict[str, Path]) -> str:
    """A shipped nginx file with only ports, paths and certificates changed (and IPv6 left out).

    Each upstream's one ``server 127.0.0.1:PORT;`` line becomes one line per instance, as an
    operator lists the hosts that run the app.
    """
    out = shipped
    out = re.sub(r"^\s*listen \[::\]:\d+[^;]*;\n", "", out, flags=re.M)
    out = re.sub(r"listen 80;", f"listen 127.0.0.1:{ports['http']};", out)
    out = re.sub(r"listen 443 ssl", f"listen 127.0.0.1:{ports['https']} ssl", out)
    out = re.sub(r"listen 127\.0\.0\.1:8080;", f"listen 127.0.0.1:{ports['tor']};", out)
    for shipped_port, instances in upstreams.items():
        lines = "".join(f"server 127.0.0.1:{p};\n    " for p in instances).rstrip()
        out = re.sub(rf"server 127\.0\.0\.1:{shipped_port};", lines, out)
    out = re.sub(r"ssl_certificate\s+\S+;", f"ssl_certificate {tls['cert']};", out)
    out = re.sub(r"ssl_certificate_key\s+\S+;", f"ssl_certificate_key {tls['key']};", out)
    out = out.replace("/etc/nginx/snippets/", f"{paths['snippets']}/")
    return out.replace("/var/log/nginx/", f"{paths['logs']}/")


NGINX_MAIN = """# What Debian's /etc/nginx/nginx.conf gives the sites (temporary paths moved to the run's folder).
{user}
worker_processes 2;
pid {run}/nginx.pid;
error_log {run}/logs/error.log warn;
events {{ worker_connections 1024; }}
http {{
    sendfile on;
    types_hash_max_size 2048;
    default_type application/octet-stream;
    access_log off;
    client_body_temp_path {run}/tmp/body;
    proxy_temp_path {run}/tmp/proxy;
    fastcgi_temp_path {run}/tmp/fastcgi;
    uwsgi_temp_path {run}/tmp/uwsgi;
    scgi_temp_path {run}/tmp/scgi;
    include {run}/sites/*.conf;
}}
"""


@dataclass
class Process:
    name: str
    proc: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


class ServerError(AssertionError):
    """A 5xx came back: the suite fails on any."""


@dataclass
class Stack:
    """Everything the run started; ``client`` speaks to nginx like a browser on its own address."""

    base: Path
    db: Databases
    redis_url: str
    tls: dict[str, Path] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)
    processes: list[Process] = field(default_factory=list)
    data_dirs: dict[str, Path] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    _next_address: int = 10

    # --- environments -----------------------------------------------------------------------

    def env(self, file: str, data_dir: Path, **extra: str) -> dict[str, str]:
        """The process environment of ``deploy/env/<file>.env`` on this machine."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CLUEGUARD_", "PG"))}
        for key, value in read_env_file(DEPLOY / "env" / f"{file}.env").items():
            if key in ("CLUEGUARD_DATABASE_URL", "CLUEGUARD_VAULT_URL"):
                # clueguard_ROLE@db.internal/clueguard_STORE -> this run's role, on its schema
                shipped = make_url(value)
                role = str(shipped.username).removeprefix("clueguard_")
                store = str(shipped.database).removeprefix("clueguard_")
                value = self.db.url(role, store)
            elif key == "CLUEGUARD_DATA_DIR":
                value = str(data_dir)
            elif key == "CLUEGUARD_REDIS_URL":
                value = self.redis_url
            elif key == "PGPASSFILE":
                continue  # the test server trusts loopback: no password file
            env[key] = value
        env.update(extra)
        return env

    def owner_env(self, data_dir: Path) -> dict[str, str]:
        """The owner's connection: ``init``, ``roles apply``, backup and restore."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CLUEGUARD_", "PG"))}
        env.update(CLUEGUARD_DATA_DIR=str(data_dir), CLUEGUARD_DATABASE_URL=self.db.url("owner", "case"),
                   CLUEGUARD_VAULT_URL=self.db.url("owner", "vault"))
        return env

    def cli(self, args: list[str], env: dict[str, str], stdin: str | None = None,
            check: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([CLUEGUARD, *args], env=env, input=stdin, capture_output=True, text=True,
                              timeout=300, check=False)
        if check and done.returncode != 0:
            raise AssertionError(f"clueguard {' '.join(args[:2])} failed ({done.returncode}): {done.stderr[-2000:]}")
        return done

    # --- processes ----------------------------------------------------------------------------

    def start(self, name: str, cmd: list[str], env: dict[str, str], port: int | None) -> Process:
        log = self.base / "logs" / f"{name}.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        started = Process(name, proc, log)
        self.processes.append(started)
        if port is not None:
            try:
                wait_for_port("127.0.0.1", port)
            except AssertionError:
                raise AssertionError(f"{name} did not start: {log.read_text()[-3000:]}") from None
        return started

    def serve(self, kind: str, host: str, port: int, wait: bool = True) -> Process:
        """``clueguard serve KIND`` of one host, with that host's environment file."""
        env = self.env(kind, self.data_dirs[host])
        return self.start(host, [CLUEGUARD, "serve", kind, "--host", "127.0.0.1", "--port", str(port),
                                 "--workers", str(WORKERS), "--threads", str(THREADS)], env, port if wait else None)

    def stop_all(self) -> None:
        """SIGTERM every process at once (gunicorn finishes what is in flight), then wait for each."""
        for proc in self.processes:
            if proc.proc.poll() is None:
                os.killpg(proc.proc.pid, signal.SIGTERM)
        for proc in reversed(self.processes):
            proc.stop()

    def tracebacks(self) -> list[str]:
        """Tracebacks any server process printed (an error answered as 4xx still logs none)."""
        found = []
        for proc in self.processes:
            if proc.log.exists() and "Traceback" in (body := proc.log.read_text(errors="replace")):
                found.append(f"{proc.name}:\n{body[-3000:]}")
        return found

    # --- clients ----------------------------------------------------------------------------

    def address(self) -> str:
        """A loopback address of its own for each client (nginx's per-address limits apply to it)."""
        self._next_address += 1
        return f"127.0.{self._next_address // 250}.{self._next_address % 250 + 2}"

    def client(self, site: str = "public", **kwargs: Any) -> httpx.Client:
        """A browser on its own address, over TLS to nginx, checking the test CA."""
        context = ssl.create_default_context(cafile=str(self.tls["ca"]))
        transport = httpx.HTTPTransport(verify=context, local_address=self.address())
        port = self.ports["https" if site == "public" else "staff"]
        return httpx.Client(base_url=f"https://127.0.0.1:{port}", transport=transport, timeout=60,
                            event_hooks={"response": [self._no_5xx]}, **kwargs)

    def _no_5xx(self, response: httpx.Response) -> None:
        if response.status_code >= 500:
            message = f"{response.request.method} {response.request.url.path} answered {response.status_code}"
            self.errors.append(message)
            raise ServerError(message)


def wait_until(check: Callable[[], bool], seconds: float = 30.0, what: str = "") -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def new_prefix() -> str:
    return f"cgprod_{secrets.token_hex(4)}"


def start_nginx(stack: Stack) -> None:
    """Debian's nginx with the shipped sites, rendered for this run."""
    run = stack.base / "nginx"
    for sub in ("sites", "snippets", "logs", "tmp"):
        (run / sub).mkdir(parents=True, exist_ok=True)
    ports = stack.ports
    paths = {"snippets": run / "snippets", "logs": run / "logs"}
    shutil.copy(DEPLOY / "nginx" / "clueguard-public.conf", run / "snippets" / "clueguard-public.conf")
    upstreams = {"5000": [ports["public-a"], ports["public-b"]], "5001": [ports["staff-a"], ports["staff-b"]],
                 "8443": [ports["bot"]]}
    public = render_nginx((DEPLOY / "nginx" / "clueguard.conf").read_text(),
                          {"http": ports["http"], "https": ports["https"], "tor": ports["tor"]},
                          upstreams, paths, stack.tls)
    staff = render_nginx((DEPLOY / "nginx" / "clueguard-staff.conf").read_text(),
                         {"http": ports["staff-http"], "https": ports["staff"], "tor": 0}, upstreams, paths, stack.tls)
    (run / "sites" / "clueguard.conf").write_text(public)
    (run / "sites" / "clueguard-staff.conf").write_text(staff)
    # As root, nginx's workers would drop to nobody, who cannot enter the run's private folder.
    user = "user root;" if os.geteuid() == 0 else ""
    (run / "nginx.conf").write_text(NGINX_MAIN.format(run=run, user=user))
    assert NGINX is not None
    checked = subprocess.run([NGINX, "-t", "-p", str(run), "-c", str(run / "nginx.conf")], capture_output=True,
                             text=True, check=False)
    if checked.returncode != 0:
        raise AssertionError(f"nginx refuses the shipped configuration: {checked.stderr}")
    stack.start("nginx", [NGINX, "-p", str(run), "-c", str(run / "nginx.conf"), "-g", "daemon off;"],
                dict(os.environ), ports["https"])
