"""``clueguard bench served``: intake through the real WSGI server, and cheap pages meanwhile.

The public app runs under gunicorn exactly as ``clueguard serve public`` starts it (gthread
workers, hashing pool); client threads of this process speak HTTP to it over loopback, each from
its own forwarded address (one proxy hop), so the per-address limits behave as behind nginx.
The bound is what the cores can hash: cores ÷ one Argon2id run, measured in the same run.
"""

from __future__ import annotations

import http.client
import json
import multiprocessing
import os
import socket
import ssl
import statistics
import subprocess  # the layout's processes: our own command and nginx, fixed arguments # nosec B404
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import replace
from pathlib import Path

import click

import vault
from benchmarks.report import Report, Row
from models.datadir.setup import init_site
from models.store.config import Config
from web.cli.serve import DEFAULT_THREADS, DEFAULT_WORKERS, cores, gunicorn_options, run_server

CLUE = {"category": "usury", "description": "放贷人每天上门威胁，要求高额利息。" * 10, "notice_accepted": True,
        "location": "某市某区", "reported": [{"name": "钱某", "unit": "某投资公司"}], "identity": None}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_seconds(master_pid: int) -> float:
    """CPU time used so far by a gunicorn master's workers (Linux /proc; 0 elsewhere)."""
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == master_pid:  # ppid; then utime and stime at fields 11 and 12
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


@contextmanager
def running_server(kind: str, config: Config, workers: int = DEFAULT_WORKERS,
                   threads: int = DEFAULT_THREADS, attempts: int = 300,
                   master: list[int] | None = None) -> Iterator[int]:
    """Serve ``kind`` with gunicorn in a child process on a free loopback port; yields the port.

    ``master``, if given, receives the gunicorn master's pid (to read its workers' CPU time).
    """
    port = free_port()
    mp = multiprocessing.get_context("spawn")  # the child must not share this process's connections
    proc = mp.Process(target=run_server, daemon=True,
                      args=(kind, config, gunicorn_options(kind, "127.0.0.1", port, workers, threads)))
    proc.start()
    if master is not None and proc.pid is not None:
        master.append(proc.pid)
    try:
        for _ in range(attempts):
            if not proc.is_alive():
                raise RuntimeError("the server stopped while starting")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("the server did not start")
        yield port
    finally:
        proc.terminate()
        proc.join(15)
        if proc.is_alive():
            proc.kill()
            proc.join()


def request(conn: http.client.HTTPConnection, method: str, path: str, body: object = None,
            address: str = "192.0.2.1") -> tuple[int, bytes]:
    """One request on a kept-alive connection, as forwarded by a proxy for ``address``."""
    headers = {"X-Forwarded-For": address, "Accept-Language": "zh"}
    data = None
    if body is not None:
        data = json.dumps(body, ensure_ascii=False).encode()
        headers["Content-Type"] = "application/json"
    conn.request(method, path, body=data, headers=headers)
    resp = conn.getresponse()
    return resp.status, resp.read()


Connect = Callable[[int, int], http.client.HTTPConnection]


def direct(port: int, _index: int) -> http.client.HTTPConnection:
    """Straight to gunicorn; the client's address travels in X-Forwarded-For (one trusted hop)."""
    return http.client.HTTPConnection("127.0.0.1", port, timeout=60)


def through_nginx(ca: Path) -> Connect:
    """Over TLS to nginx, each client from its own loopback address (nginx writes X-Forwarded-For)."""
    context = ssl.create_default_context(cafile=str(ca))

    def connect(port: int, index: int) -> http.client.HTTPConnection:
        return http.client.HTTPSConnection("127.0.0.1", port, timeout=60, context=context,
                                           source_address=(f"127.0.9.{index + 2}", 0))

    return connect


def _intake_client(port: int, index: int, stop: threading.Event, times: list[float], errors: list[int],
                   connect: Connect = direct) -> None:
    conn = connect(port, index)
    address = f"198.51.100.{index + 1}"
    try:
        while not stop.is_set():
            start = time.perf_counter()
            try:
                status, _ = request(conn, "POST", "/api/v1/reports", CLUE, address)
            except (OSError, http.client.HTTPException):
                # Counted, not fatal: the table says how many requests the server dropped.
                conn.close()
                conn = connect(port, index)
                errors.append(0)
                time.sleep(0.1)
                continue
            if status == 201:
                times.append((time.perf_counter() - start) * 1000)
            else:
                errors.append(status)
    finally:
        conn.close()


def _cheap_client(port: int, stop: threading.Event, times: list[float], connect: Connect = direct) -> None:
    conn = connect(port, 200)
    paths = ("/", "/status", "/api/v1/categories")
    i = 0
    try:
        while not stop.is_set():
            start = time.perf_counter()
            status, _ = request(conn, "GET", paths[i % len(paths)], address="203.0.113.9")
            if status == 200:
                times.append((time.perf_counter() - start) * 1000)
            i += 1
            time.sleep(0.12)  # a visitor, not a load generator (and under nginx's 10 requests/s)
    finally:
        conn.close()


def one_hash_ms(config: Config, rounds: int = 10) -> tuple[list[float], list[float]]:
    """Single Argon2id runs (the receipt derivation), nothing else running: wall and CPU time."""
    wall, cpu = [], []
    for _ in range(rounds):
        start, start_cpu = time.perf_counter(), time.process_time()
        vault.derive_receipt_keys(vault.new_receipt(), b"s" * 16, config.argon2)
        wall.append((time.perf_counter() - start) * 1000)
        # process_time counts the threads Argon2id starts (parallelism p) too.
        cpu.append((time.process_time() - start_cpu) * 1000)
    return wall, cpu


def hashing_flat_out(config: Config, threads: int, seconds: float = 3.0) -> float:
    """Hashes a second with ``threads`` threads doing nothing else: the server's ceiling in practice."""
    stop = time.perf_counter() + seconds
    counts = [0] * threads

    def hasher(i: int) -> None:
        while time.perf_counter() < stop:
            vault.derive_receipt_keys(vault.new_receipt(), b"s" * 16, config.argon2)
            counts[i] += 1

    workers = [threading.Thread(target=hasher, args=(i,)) for i in range(threads)]
    start = time.perf_counter()
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    return sum(counts) / (time.perf_counter() - start)


def _load(port: int, clients: int, seconds: float, cheap: bool,
          connect: Connect = direct) -> tuple[list[float], list[float], list[int], float]:
    stop = threading.Event()
    intake: list[float] = []
    pages: list[float] = []
    errors: list[int] = []
    threads = [threading.Thread(target=_intake_client, args=(port, i, stop, intake, errors, connect))
               for i in range(clients)]
    if cheap:
        threads.append(threading.Thread(target=_cheap_client, args=(port, stop, pages, connect)))
    start = time.perf_counter()
    for t in threads:
        t.start()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join()
    return intake, pages, errors, time.perf_counter() - start


Served = Callable[[], AbstractContextManager[tuple[int, int, Connect]]]


def gunicorn_alone(config: Config, workers: int, threads: int) -> Served:
    """``clueguard serve public``'s gunicorn in a child process, clients straight to it."""
    @contextmanager
    def serve() -> Iterator[tuple[int, int, Connect]]:
        master: list[int] = []
        with running_server("public", config, workers, threads, master=master) as port:
            yield port, master[0], direct

    return serve


def behind_nginx(postgres_url: str, redis_url: str | None, workers: int, threads: int, hash_slots: int,
                 base: Path) -> Served:
    """The production layout (benchmarks/layout.py): ``clueguard serve public`` with deploy/env/public.env
    as the public role, behind Debian's nginx with deploy/nginx over TLS."""
    from benchmarks import layout

    @contextmanager
    def serve() -> Iterator[tuple[int, int, Connect]]:
        db = layout.Databases(postgres_url, layout.new_prefix())
        db.create()
        procs: list[subprocess.Popen[bytes]] = []
        try:
            staff_dir, public_dir = base / "staff", base / "public"
            layout.run_cli(["init"], layout.owner_env(db, staff_dir))
            layout.run_cli(["roles", "apply", "--prefix", db.prefix, "--case-schema", db.names["case"],
                            "--vault-schema", db.names["vault"]], layout.owner_env(db, staff_dir))
            layout.copy_keys(staff_dir, public_dir, layout.PUBLIC_HOST_KEYS)
            port, tls = free_port(), layout.make_ca(base / "tls")
            env = layout.process_env("public", db, public_dir, redis_url, CLUEGUARD_HASH_SLOTS=str(hash_slots),
                                     CLUEGUARD_PUBLIC_RATE_LIMIT="100000 per minute",
                                     CLUEGUARD_RECEIPT_RATE_LIMIT="100000 per minute")
            procs.append(layout.start([layout.CLUEGUARD, "serve", "public", "--host", "127.0.0.1", "--port", str(port),
                                       "--workers", str(workers), "--threads", str(threads)], env, port))
            ports = {"http": free_port(), "https": free_port(), "tor": free_port()}
            command = layout.write_nginx(base / "nginx", ports, {"5000": [port], "8443": [free_port()]}, tls)
            procs.append(layout.start(command, dict(os.environ), ports["https"]))
            yield ports["https"], procs[0].pid, through_nginx(tls["ca"])
        finally:
            for proc in reversed(procs):
                layout.stop(proc)
            db.drop()

    return serve


def measure_served(report: Report, config: Config, clients: int, seconds: float, workers: int,
                   threads: int, store: str = "sqlite", repeat: int = 1, served: Served | None = None) -> None:
    """Served intake rate against the bound, then cheap pages while intake runs flat out.

    Each repetition times the lone hash before the server starts and again after it stops, and
    its bound uses all those runs: a core's speed drifts over a minute (frequency, the host's
    other guests), and a bound taken at one moment would flatter or wrong the rate measured
    between. With several repetitions the verdict is their median, and the spread is shown.
    """
    shape = f"{workers}w×{threads}t, {store}"
    served = served or gunicorn_alone(config, workers, threads)
    runs = [_served_once(report, config, clients, seconds, workers, threads, store,
                         f" run {i + 1}/{repeat}" if repeat > 1 else "", served) for i in range(repeat)]
    if repeat > 1:
        ratios = sorted(r[0] for r in runs)
        cheap = sorted(r[1] for r in runs)
        mid = statistics.median(ratios)
        report.add(Row(f"served intake, median of {repeat} runs ({shape})", repeat, 0.0, 0.0,
                       rate_per_s=round(statistics.median(r[2] for r in runs), 2), ratio=round(mid, 3),
                       target="≥ 0.9", meets=mid >= 0.9,
                       note=f"ratios {ratios[0]:.2f}–{ratios[-1]:.2f}"))
        mid_cheap = statistics.median(cheap)
        report.add(Row(f"cheap pages during flat-out intake, median of {repeat} runs ({store})", repeat,
                       0.0, 0.0, ratio=round(mid_cheap, 3), target="≤ 0.5", meets=mid_cheap <= 0.5,
                       note=f"ratios {cheap[0]:.2f}–{cheap[-1]:.2f}"))


def _served_once(report: Report, config: Config, clients: int, seconds: float, workers: int, threads: int,
                 store: str, run: str, served: Served) -> tuple[float, float, float]:
    """One repetition; returns (intake ratio, cheap-page ratio, submissions per second)."""
    wall, cpu = one_hash_ms(config)
    with served() as (port, master, connect):
        _load(port, clients, 2.0, cheap=False, connect=connect)  # warm up: imports, pools, first connections
        cpu_before = cpu_seconds(master)
        intake, _, errors, elapsed = _load(port, clients, seconds, cheap=False, connect=connect)
        cpu_used = cpu_seconds(master) - cpu_before
        _, pages, _, _ = _load(port, clients, seconds, cheap=True, connect=connect)
    wall_after, cpu_after = one_hash_ms(config)
    wall, cpu = wall + wall_after, cpu + cpu_after
    concurrent = workers * config.hash_slots
    flat_out = hashing_flat_out(config, concurrent)
    one_hash = Row.of("x", wall).p50_ms
    n_cores = cores()
    # The bound: what the cores can hash, each hash costing its CPU time (p threads of it).
    bound = n_cores * 1000 / Row.of("x", cpu).p50_ms
    report.add(Row.of(f"one Argon2id run (receipt), wall ({store}){run}", wall, note="before and after the load"))
    report.add(Row.of(f"one Argon2id run (receipt), CPU ({store}){run}", cpu, rate_per_s=round(bound, 2),
                      note=f"bound: {n_cores} cores / CPU time of one hash"))
    report.add(Row(f"Argon2id alone, {concurrent} at once, no server ({store}){run}", 0, 0.0, 0.0,
                   rate_per_s=round(flat_out, 2), ratio=round(flat_out / bound, 3),
                   note="what the hashing pool's slots reach with nothing else to do"))
    rate = len(intake) / elapsed
    report.add(Row.of(f"served intake, {clients} clients ({workers}w×{threads}t, {store}){run}", intake,
                      rate_per_s=round(rate, 2), ratio=round(rate / bound, 3), target="≥ 0.9",
                      meets=rate / bound >= 0.9, note=f"{len(errors)} errors"))
    # Beside the lone-hash bound: against what the same number of hashes at once reach with no server.
    report.add(Row(f"served intake ÷ Argon2id alone at once, no server ({store}){run}", len(intake), 0.0, 0.0,
                   rate_per_s=round(rate, 2), ratio=round(rate / flat_out, 3),
                   note=f"{flat_out:.2f} hashes/s with {concurrent} at once"))
    # On a shared machine the server gets less than every core: how much of the CPU it did
    # get went into hashing (submissions per CPU second ÷ hashes per CPU second).
    if cpu_used > 0:
        per_cpu = len(intake) / cpu_used
        hashes_per_cpu = bound / n_cores
        report.add(Row(f"served intake per CPU second it got ({store}){run}", len(intake), 0.0, 0.0,
                       rate_per_s=round(per_cpu, 2), ratio=round(per_cpu / hashes_per_cpu, 3),
                       target="≥ 0.9", meets=per_cpu / hashes_per_cpu >= 0.9,
                       note=f"server CPU {cpu_used:.1f} s over {elapsed:.1f} s wall"))
    p95 = Row.of("x", pages).p95_ms
    report.add(Row.of(f"cheap pages during flat-out intake ({store}){run}", pages, ratio=round(p95 / one_hash, 3),
                      target="≤ 0.5", meets=p95 / one_hash <= 0.5))
    return rate / bound, p95 / one_hash, rate


@click.command("served")
@click.option("--clients", default=8, show_default=True, help="Concurrent intake clients.")
@click.option("--seconds", default=10.0, show_default=True, help="How long each phase runs.")
@click.option("--repeat", default=3, show_default=True, help="Repetitions; the verdict is their median.")
@click.option("--workers", default=DEFAULT_WORKERS, show_default=True)
@click.option("--threads", default=DEFAULT_THREADS, show_default=True)
@click.option("--hash-slots", default=Config.hash_slots, show_default=True, help="Argon2id runs at once per process.")
@click.option("--postgres-url", envvar="CLUEGUARD_BENCH_POSTGRES_URL", default="",
              help="Both stores on this PostgreSQL server (fresh schemas, dropped after); default SQLite.")
@click.option("--nginx", "via_nginx", is_flag=True,
              help="Through the production layout: Debian's nginx with deploy/nginx over TLS, the public app "
                   "as its least-privilege role with deploy/env/public.env (needs --postgres-url).")
@click.option("--redis-url", envvar="CLUEGUARD_BENCH_REDIS_URL", default="",
              help="With --nginx: Redis for the rate limits (default: the data directory's SQLite file).")
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Add the figures to this JSON file.")
def served_bench(clients: int, seconds: float, repeat: int, workers: int, threads: int, hash_slots: int,
                 postgres_url: str, via_nginx: bool, redis_url: str, json_path: Path | None) -> None:
    """Intake through gunicorn with concurrent clients, and cheap pages meanwhile (production Argon2id)."""
    from benchmarks.inbox import bench_stores

    if via_nginx and not postgres_url:
        raise click.UsageError("--nginx runs the production layout: give --postgres-url too")
    store = "postgres" if postgres_url else "sqlite"
    with tempfile.TemporaryDirectory() as tmp, bench_stores(store, postgres_url, Path(tmp)) as stores_config:
        config = replace(stores_config, argon2=vault.PRODUCTION, proxy_hops=1, hash_slots=hash_slots,
                         public_rate_limit="100000 per minute", receipt_rate_limit="100000 per minute")
        init_site(config)
        report = Report(settings={"argon2": f"t={config.argon2.time_cost} m={config.argon2.memory_cost} KiB "
                                            f"p={config.argon2.parallelism}",
                                  "served": {"workers": workers, "threads": threads, "hash_slots": hash_slots,
                                             "clients": clients, "seconds": seconds, "repeat": repeat,
                                             "store": store, "nginx": via_nginx}})
        served = (behind_nginx(postgres_url, redis_url or None, workers, threads, hash_slots, Path(tmp) / "layout")
                  if via_nginx else None)
        measure_served(report, config, clients, seconds, workers, threads,
                       f"{store}, nginx, public role" if via_nginx else store, repeat, served)
        report.write(json_path)
