"""The production layout of ``deploy/`` on one machine: what the production suite runs and what
``clueguard bench served --nginx`` measures through (docs/deployment.md, docs/performance.md).

PostgreSQL schemas and an owner role made for the run, the environment files of ``deploy/env``
with only addresses, paths and role prefix changed, and Debian's nginx with the files of
``deploy/nginx`` changed only in ports, paths and certificates (a CA made for the run).
Needs the source checkout (``deploy/`` beside the packages).
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import socket
import subprocess  # runs openssl and nginx with fixed arguments only # nosec B404
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

from benchmarks import CHECKOUT

ROOT = CHECKOUT
DEPLOY = ROOT / "deploy"
CLUEGUARD = str(Path(sys.executable).with_name("clueguard"))
OPENSSL = shutil.which("openssl") or "openssl"
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


def _openssl(*args: str) -> None:
    # Fixed arguments and paths of our own making. # nosec B603
    subprocess.run([OPENSSL, *args], check=True, capture_output=True)  # noqa: S603 - see above # nosec B603


def make_ca(where: Path) -> dict[str, Path]:
    """A CA for the run and one server certificate for both host names and 127.0.0.1 (openssl)."""
    where.mkdir(parents=True, exist_ok=True)
    ca_key, ca_crt = where / "ca.key", where / "ca.crt"
    key, csr, crt, ext = where / "server.key", where / "server.csr", where / "server.crt", where / "ext.cnf"
    curve = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes")
    _openssl("req", "-x509", *curve, "-keyout", str(ca_key), "-out", str(ca_crt), "-days", "2",
             "-subj", "/CN=ClueGuard test CA")
    _openssl("req", *curve, "-keyout", str(key), "-out", str(csr), "-subj", f"/CN={PUBLIC_HOST}")
    ext.write_text(f"subjectAltName=DNS:{PUBLIC_HOST},DNS:{STAFF_HOST},IP:127.0.0.1\n")
    _openssl("x509", "-req", "-in", str(csr), "-CA", str(ca_crt), "-CAkey", str(ca_key), "-CAcreateserial",
             "-out", str(crt), "-days", "2", "-extfile", str(ext))
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




def new_prefix() -> str:
    return f"cgprod_{secrets.token_hex(4)}"


def process_env(file: str, db: Databases, data_dir: Path, redis_url: str | None, **extra: str) -> dict[str, str]:
    """The process environment of ``deploy/env/<file>.env`` on this machine."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLUEGUARD_", "PG"))}
    for key, value in read_env_file(DEPLOY / "env" / f"{file}.env").items():
        if key in ("CLUEGUARD_DATABASE_URL", "CLUEGUARD_VAULT_URL"):
            # clueguard_ROLE@db.internal/clueguard_STORE -> this run's role, on its schema
            shipped = make_url(value)
            role = str(shipped.username).removeprefix("clueguard_")
            store = str(shipped.database).removeprefix("clueguard_")
            value = db.url(role, store)
        elif key == "CLUEGUARD_DATA_DIR":
            value = str(data_dir)
        elif key == "CLUEGUARD_REDIS_URL":
            if not redis_url:
                continue
            value = redis_url
        elif key == "PGPASSFILE":
            continue  # a test server trusts loopback: no password file
        env[key] = value
    env.update(extra)
    return env


def owner_env(db: Databases, data_dir: Path) -> dict[str, str]:
    """The owner's connection: ``init``, ``roles apply``, backup and restore."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLUEGUARD_", "PG"))}
    env.update(CLUEGUARD_DATA_DIR=str(data_dir), CLUEGUARD_DATABASE_URL=db.url("owner", "case"),
               CLUEGUARD_VAULT_URL=db.url("owner", "vault"))
    return env


def write_nginx(run: Path, ports: dict[str, int], upstreams: dict[str, list[int]], tls: dict[str, Path]) -> list[str]:
    """The shipped sites rendered into ``run``; returns the nginx command (checked with ``nginx -t``).

    ``ports``: http, https, tor (public site), staff, staff-http (staff site); ``upstreams``: the
    shipped upstream port (5000 public, 5001 staff, 8443 bot) -> the instances' ports.
    """
    for sub in ("sites", "snippets", "logs", "tmp"):
        (run / sub).mkdir(parents=True, exist_ok=True)
    paths = {"snippets": run / "snippets", "logs": run / "logs"}
    shutil.copy(DEPLOY / "nginx" / "clueguard-public.conf", run / "snippets" / "clueguard-public.conf")
    public = render_nginx((DEPLOY / "nginx" / "clueguard.conf").read_text(),
                          {"http": ports["http"], "https": ports["https"], "tor": ports["tor"]},
                          upstreams, paths, tls)
    (run / "sites" / "clueguard.conf").write_text(public)
    if "staff" in ports:
        staff = render_nginx((DEPLOY / "nginx" / "clueguard-staff.conf").read_text(),
                             {"http": ports["staff-http"], "https": ports["staff"], "tor": 0}, upstreams, paths, tls)
        (run / "sites" / "clueguard-staff.conf").write_text(staff)
    # As root, nginx's workers would drop to nobody, who cannot enter the run's private folder.
    user = "user root;" if os.geteuid() == 0 else ""
    (run / "nginx.conf").write_text(NGINX_MAIN.format(run=run, user=user))
    if NGINX is None:
        raise RuntimeError("Debian's nginx is not installed")
    checked = subprocess.run([NGINX, "-t", "-p", str(run), "-c", str(run / "nginx.conf")],  # noqa: S603 - fixed arguments # nosec B603
                             capture_output=True, text=True, check=False)
    if checked.returncode != 0:
        raise RuntimeError(f"nginx refuses the shipped configuration: {checked.stderr}")
    return [NGINX, "-p", str(run), "-c", str(run / "nginx.conf"), "-g", "daemon off;"]


# What each public host's keys/ holds, copied from where `clueguard init` made them (docs/deployment.md).
PUBLIC_HOST_KEYS = ["intake.pub", "public-session.key", "submission.key", "ratelimit.key"]


def copy_keys(src: Path, dst: Path, names: list[str]) -> None:
    """Copy key files from one data directory to another host's (as an operator does)."""
    (dst / "keys").mkdir(parents=True, exist_ok=True, mode=0o700)
    for name in names:
        shutil.copy2(src / "keys" / name, dst / "keys" / name)


def run_cli(args: list[str], env: dict[str, str], stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """One ``clueguard`` command; raises with its error output if it fails."""
    done = subprocess.run([CLUEGUARD, *args], env=env, input=stdin, capture_output=True,  # noqa: S603 - our own command # nosec B603
                          text=True, timeout=300, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"clueguard {' '.join(args[:2])} failed ({done.returncode}): {done.stderr[-2000:]}")
    return done


def start(command: list[str], env: dict[str, str], port: int, seconds: float = 60.0) -> subprocess.Popen[bytes]:
    """A server in its own process group, once something listens on ``port``."""
    proc = subprocess.Popen(command, env=env, start_new_session=True,  # noqa: S603 - fixed arguments # nosec B603
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{Path(command[0]).name} stopped while starting")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc
        except OSError:
            time.sleep(0.1)
    stop(proc)
    raise RuntimeError(f"{Path(command[0]).name} did not start")


def stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM the process group; SIGKILL it if it has not gone after 20 s."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
