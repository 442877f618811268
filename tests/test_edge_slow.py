"""Slow clients (issue #21, finding 5): a trickled upload gets its 408 in time without a proxy, and
through the shipped nginx configuration 200 slowloris connections and a trickled upload leave the
landing page answering within a second. Every loop here is bounded; all traffic stays on loopback.
"""

from __future__ import annotations

import http.client
import shutil
import socket
import ssl
import subprocess  # nosec B404 - runs Debian's nginx, a fixed path
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from benchmarks.served import running_server
from models.store.config import Config
from models.store.db import Stores

TRICKLE_BYTES = 12  # a byte every 2 s: 24 s at most


def _trickled_upload(port: int, stop: threading.Event, length: int = 2000, pause: float = 2.0) -> socket.socket:
    """Announce ``length`` bytes of JSON, then send one byte every ``pause`` seconds (bounded)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    sock.sendall((f"POST /api/v1/reports HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                  f"Content-Length: {length}\r\n\r\n").encode())

    def trickle() -> None:
        for _ in range(TRICKLE_BYTES):
            if stop.wait(pause):
                return
            try:
                sock.send(b" ")
            except OSError:
                return

    threading.Thread(target=trickle, daemon=True).start()
    return sock


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_trickled_upload_gets_408_by_its_deadline_without_a_proxy(config: Config, stores: Stores) -> None:
    # 2 s of grace plus 2000 bytes at 1000 bytes a second: the answer is due 4 s after the headers.
    served = replace(config, body_grace_seconds=2, body_min_rate=1000)
    stop = threading.Event()
    with running_server("public", served, workers=1, threads=4) as port:
        start = time.monotonic()
        sock = _trickled_upload(port, stop)
        try:
            answer = sock.makefile("rb").read()  # the server answers and closes: read to the end
        finally:
            stop.set()
            sock.close()
        took = time.monotonic() - start
    assert answer.split(b"\r\n", 1)[0].endswith(b"408 REQUEST TIMEOUT"), answer[:80]
    assert took < 8, took


@pytest.mark.parametrize(("host", "hops", "warned"), [("0.0.0.0", 0, True), ("192.0.2.10", 0, True),
                                                      ("::", 0, True), ("127.0.0.1", 0, False), ("::1", 0, False),
                                                      ("localhost", 0, False), ("0.0.0.0", 1, False)])
def test_serve_warns_when_it_listens_beyond_loopback_without_a_proxy(tmp_path, monkeypatch, host, hops,
                                                                       warned) -> None:
    from click.testing import CliRunner

    from web.cli import serve
    from web.cli.main import main

    monkeypatch.setattr(serve, "check_app", lambda kind, config: None)
    monkeypatch.setattr(serve, "run_server", lambda kind, config, options: None)
    config = Config(data_dir=tmp_path, proxy_hops=hops)
    result = CliRunner().invoke(main, ["serve", "public", "--host", host], obj=config)
    assert result.exit_code == 0, result.output
    assert ("without a reverse proxy" in result.output) is warned


# --- through Debian's nginx with the shipped configuration ---------------------------------------

ROOT = Path(__file__).resolve().parent.parent
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
SLOWLORIS = 200


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _self_signed(tmp: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "report.example.org")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=1)).sign(key, hashes.SHA256()))
    cert_path, key_path = tmp / "fullchain.pem", tmp / "privkey.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def render_nginx(tmp: Path, app_port: int) -> tuple[Path, dict[str, int]]:
    """deploy/nginx as shipped, with only ports, addresses and paths changed for a test on loopback."""
    ports = {"http": _free_port(), "https": _free_port(), "onion": _free_port()}
    cert, key = _self_signed(tmp)
    snippet = tmp / "clueguard-public.conf"
    snippet.write_text((ROOT / "deploy/nginx/clueguard-public.conf").read_text()
                       .replace("127.0.0.1:5000", f"127.0.0.1:{app_port}"))
    site = (ROOT / "deploy/nginx/clueguard.conf").read_text()
    for old, new in [("server 127.0.0.1:5000;", f"server 127.0.0.1:{app_port};"),
                     ("server 127.0.0.1:8443;", f"server 127.0.0.1:{_free_port()};"),
                     ("listen 80;", f"listen 127.0.0.1:{ports['http']};"), ("listen [::]:80;", ""),
                     ("listen 443 ssl http2;", f"listen 127.0.0.1:{ports['https']} ssl http2;"),
                     ("listen [::]:443 ssl http2;", ""),
                     ("listen 127.0.0.1:8080;", f"listen 127.0.0.1:{ports['onion']};"),
                     ("/etc/letsencrypt/live/report.example.org/fullchain.pem", str(cert)),
                     ("/etc/letsencrypt/live/report.example.org/privkey.pem", str(key)),
                     ("/etc/nginx/snippets/clueguard-public.conf", str(snippet)),
                     ("/var/log/nginx/clueguard-error.log", str(tmp / "clueguard-error.log"))]:
        assert old in site, old
        site = site.replace(old, new)
    (tmp / "clueguard.conf").write_text(site)
    temp = {name: tmp / name for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
    for path in temp.values():
        path.mkdir()
    # The outer file is Debian's nginx.conf reduced to what a test process needs (its own pid file,
    # logs and temporary directories; root's workers so they can write them).
    (tmp / "nginx.conf").write_text(
        f"daemon off;\nuser root;\nworker_processes 1;\npid {tmp}/nginx.pid;\nerror_log {tmp}/error.log warn;\n"
        "events { worker_connections 1024; }\n"
        f"http {{\n include /etc/nginx/mime.types;\n access_log off;\n client_body_temp_path {temp['body']};\n"
        f" proxy_temp_path {temp['proxy']};\n fastcgi_temp_path {temp['fastcgi']};\n"
        f" uwsgi_temp_path {temp['uwsgi']};\n scgi_temp_path {temp['scgi']};\n include {tmp}/clueguard.conf;\n}}\n")
    return tmp / "nginx.conf", ports


@contextmanager
def running_nginx(tmp: Path, app_port: int) -> Iterator[dict[str, int]]:
    conf, ports = render_nginx(tmp, app_port)
    check = subprocess.run([NGINX, "-t", "-c", str(conf), "-p", str(tmp)], capture_output=True, text=True,
                           check=False)
    assert check.returncode == 0, check.stderr
    proc = subprocess.Popen([NGINX, "-c", str(conf), "-p", str(tmp)], stderr=subprocess.PIPE)
    try:
        for _ in range(100):
            try:
                with socket.create_connection(("127.0.0.1", ports["onion"]), timeout=1):
                    break
            except OSError:
                time.sleep(0.1)
        yield ports
    finally:
        proc.terminate()
        proc.wait(15)
        if proc.stderr is not None:
            proc.stderr.close()


def _get(port: int, tls: bool = False) -> tuple[int, float]:
    start = time.monotonic()
    conn: http.client.HTTPConnection
    if tls:
        context = ssl.create_default_context()
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
        conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=1.0, context=context)
    else:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1.0)
    try:
        conn.request("GET", "/", headers={"Host": "report.example.org"})
        response = conn.getresponse()
        response.read()
        return response.status, time.monotonic() - start
    finally:
        conn.close()


@pytest.mark.parametrize("backend", ["sqlite"])
def test_through_the_shipped_nginx_slow_clients_leave_the_landing_page_answering(config: Config, stores: Stores,
                                                                                tmp_path: Path) -> None:
    if not Path(NGINX).exists():
        pytest.skip("Debian's nginx is not installed (make nginx)")
    served = replace(config, proxy_hops=1)
    stop = threading.Event()
    held: list[socket.socket] = []
    with running_server("public", served, workers=2, threads=8) as app_port, \
            running_nginx(tmp_path, app_port) as ports:
        try:
            for i in range(SLOWLORIS):  # half on the onion entrance, half on TLS's plain neighbour
                sock = socket.create_connection(("127.0.0.1", ports["onion"] if i % 2 else ports["http"]), timeout=5)
                sock.sendall(b"GET / HTTP/1.1\r\nHost: report.example.org\r\nX-a: ")
                held.append(sock)
            trickler = _trickled_upload(ports["onion"], stop)
            held.append(trickler)
            time.sleep(1)
            answers = [_get(ports["onion"]) for _ in range(3)] + [_get(ports["https"], tls=True) for _ in range(3)]
            assert all(status == 200 and took < 1.0 for status, took in answers), answers
            # nginx closes every slowloris when its head is not in after client_header_timeout (10 s).
            time.sleep(11)
            still_open = 0
            for sock in held[:-1]:
                sock.settimeout(0.2)
                try:
                    sock.recv(1024)  # b"" (closed) or nginx's 408 answer before it closes
                except ConnectionResetError:
                    pass  # reset_timedout_connection: closed with a reset
                except TimeoutError:
                    still_open += 1
            assert still_open == 0
            assert _get(ports["onion"])[0] == 200
        finally:
            stop.set()
            for sock in held:
                sock.close()
