"""The two nodes in separate network namespaces, where the intake node cannot reach the internal one.

A veth pair joins the namespaces; the internal node's namespace rejects every connection it did
not open itself (nftables), so the only traffic is the internal node's own sync requests. Skips,
saying why, where the machine does not allow network namespaces (not root, no ``ip netns``, no
``nft``).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from models.cases import casework
from models.reporting import intake
from tests.conftest import submission
from tests.sync.procs import CLUEGUARD, Endpoint, node_env, sync_run
from tests.sync.test_data_files import loose_files
from tests.sync.test_processes import Pair, pair  # noqa: F401 (the fixture)
from tests.sync.test_purge import PLAINTEXTS, ciphertext_fragments, readable_leftovers, submit_canaries

INTERNAL_FIREWALL = """
table inet clueguard {
  chain input {
    type filter hook input priority 0; policy drop;
    iif lo accept
    ct state established,related accept
    meta l4proto tcp reject with tcp reset
    reject
  }
}
"""


def _run(*cmd: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(cmd), capture_output=True, text=True, timeout=60, check=check)


@dataclass(frozen=True)
class Namespaces:
    intake: str
    internal: str
    intake_ip: str
    internal_ip: str

    def exec_in(self, ns: str) -> list[str]:
        return ["ip", "netns", "exec", ns]


def _why_not() -> str | None:
    if not sys.platform.startswith("linux"):
        return "network namespaces need Linux"
    if os.geteuid() != 0:
        return "network namespaces need root (ip netns add)"
    if shutil.which("ip") is None:
        return "the ip command (iproute2) is not installed"
    if shutil.which("nft") is None:
        return "nft (nftables) is not installed; `make test` installs it when run as root"
    probe = f"cgprobe{secrets.token_hex(3)}"
    made = _run("ip", "netns", "add", probe, check=False)
    if made.returncode != 0:
        return f"ip netns is not allowed here: {made.stderr.strip()}"
    try:
        fw = subprocess.run(["ip", "netns", "exec", probe, "nft", "-f", "-"], input=INTERNAL_FIREWALL,
                            capture_output=True, text=True, timeout=60, check=False)
        if fw.returncode != 0:
            return f"nftables does not work in a network namespace here: {fw.stderr.strip()}"
    finally:
        _run("ip", "netns", "del", probe, check=False)
    return None


@pytest.fixture
def namespaces() -> Iterator[Namespaces]:
    reason = _why_not()
    if reason:
        pytest.skip(reason)
    tag = secrets.token_hex(3)
    net = secrets.randbelow(250) + 1
    ns = Namespaces(f"cg-intake-{tag}", f"cg-internal-{tag}", f"10.214.{net}.1", f"10.214.{net}.2")
    veth_a, veth_b = f"cgi{tag}", f"cgn{tag}"
    try:
        _run("ip", "netns", "add", ns.intake)
        _run("ip", "netns", "add", ns.internal)
        _run("ip", "link", "add", veth_a, "type", "veth", "peer", "name", veth_b)
        _run("ip", "link", "set", veth_a, "netns", ns.intake)
        _run("ip", "link", "set", veth_b, "netns", ns.internal)
        for name, veth, ip in ((ns.intake, veth_a, ns.intake_ip), (ns.internal, veth_b, ns.internal_ip)):
            _run("ip", "-n", name, "link", "set", "lo", "up")
            _run("ip", "-n", name, "addr", "add", f"{ip}/30", "dev", veth)
            _run("ip", "-n", name, "link", "set", veth, "up")
        subprocess.run([*ns.exec_in(ns.internal), "nft", "-f", "-"], input=INTERNAL_FIREWALL, text=True,
                       capture_output=True, timeout=60, check=True)
        yield ns
    finally:
        _run("ip", "netns", "del", ns.intake, check=False)
        _run("ip", "netns", "del", ns.internal, check=False)


def test_the_intake_node_cannot_reach_the_internal_node(namespaces: Namespaces) -> None:
    ns = namespaces
    listener = subprocess.Popen(
        [*ns.exec_in(ns.internal), sys.executable, "-c",
         "import socket; s = socket.socket(); s.bind(('0.0.0.0', 8099)); s.listen(); "
         "print('ready', flush=True); s.accept()"],
        stdout=subprocess.PIPE, text=True, start_new_session=True)
    try:
        assert listener.stdout is not None and listener.stdout.readline().strip() == "ready"
        attempt = _run(*ns.exec_in(ns.intake), sys.executable, "-c",
                       f"import socket; socket.create_connection(({ns.internal_ip!r}, 8099), timeout=20)",
                       check=False)
        assert attempt.returncode != 0 and "ConnectionRefusedError" in attempt.stderr
    finally:
        listener.kill()
        listener.wait()
        if listener.stdout is not None:
            listener.stdout.close()


def test_sync_across_namespaces(namespaces: Namespaces, pair: Pair) -> None:  # noqa: F811
    ns = namespaces
    endpoint = Endpoint(pair.intake.data_dir, host=ns.intake_ip, port=5002,
                        prefix=ns.exec_in(ns.intake)).start()
    internal = ns.exec_in(ns.internal)
    try:
        first = sync_run(pair.internal.data_dir, endpoint.url, internal)
        assert first.returncode == 0, first.stderr
        public = pair.public()
        receipt = intake.submit_report(public, submission(identity={"name": "王五"}))
        second = sync_run(pair.internal.data_dir, endpoint.url, internal)
        assert "1 item(s) received" in second.stdout, second.stderr
        staff = pair.staff()
        assert casework.open_case(staff, pair.clerk_id, receipt.report_id).clue["category"] == "village_bully"
        casework.reply_to_reporter(staff, pair.clerk_id, receipt.report_id, "已收到")
        third = sync_run(pair.internal.data_dir, endpoint.url, internal)
        assert third.returncode == 0, third.stderr
        assert [m.text for m in intake.reporter_status(public, receipt.code).messages] == ["已收到"]
    finally:
        endpoint.stop()
    # Nothing on the intake node names the internal network.
    for path in pair.intake.data_dir.rglob("*"):
        if path.is_file():
            assert ns.internal_ip.encode() not in path.read_bytes(), path.name


def _get(prefix: list[str], url: str) -> int:
    """The HTTP status of a GET made from inside a namespace."""
    probe = _run(*prefix, sys.executable, "-c",
                 "import sys, urllib.request, urllib.error\n"
                 f"try:\n    print(urllib.request.urlopen({url!r}, timeout=20).status)\n"
                 "except urllib.error.HTTPError as e:\n    print(e.code)", check=False)
    return int(probe.stdout.strip() or 0)


def test_unattended_runs_leave_nothing_behind_and_say_how_they_stand(
        namespaces: Namespaces, pair: Pair) -> None:  # noqa: F811
    """Issue 26 across the namespaces: overlapping timer runs, the purge's leftovers while the
    intake node's processes run, the reporter's file list, file modes, status and health."""
    ns = namespaces
    endpoint = Endpoint(pair.intake.data_dir, host=ns.intake_ip, port=5002, prefix=ns.exec_in(ns.intake)).start()
    internal = ns.exec_in(ns.internal)
    try:
        assert sync_run(pair.internal.data_dir, endpoint.url, internal).returncode == 0  # keys down
        public = pair.public()
        handed = submit_canaries(public)
        canaries = [c.encode() for c in PLAINTEXTS] + ciphertext_fragments(public)
        # A timer, a cron job and a hand start runs at once: one syncs, none fails.
        runs = [subprocess.Popen([*internal, CLUEGUARD, "sync", "run", "--url", endpoint.url],
                                 env=node_env(pair.internal.data_dir), stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True) for _ in range(3)]
        outs = [run.communicate(timeout=300) for run in runs]
        assert [run.returncode for run in runs] == [0, 0, 0], outs
        assert sum("2 item(s) received" in out for out, _err in outs) == 1, outs  # the clue, the follow-up
        # The sync endpoint that purged and the public app that wrote are both still running.
        assert endpoint.proc is not None and endpoint.proc.poll() is None
        assert readable_leftovers(pair.intake.data_dir, canaries) == []
        after = intake.reporter_status(public, handed.code)
        assert [f.name for f in after.files] == ["evidence.txt"]
        assert [f.name for m in after.messages for f in m.files] == ["notes.txt"]
        assert loose_files(pair.intake.data_dir) == [] and loose_files(pair.internal.data_dir) == []
        status = subprocess.run([*internal, CLUEGUARD, "sync", "status", "--json"], capture_output=True, text=True,
                                env=node_env(pair.internal.data_dir), timeout=60, check=False)
        figures = json.loads(status.stdout)
        assert status.returncode == 0, figures
        assert figures["waiting_on_peer"]["items"] == 0 and figures["lag_seconds"] < 120
        # Health from the internal side: yes; the intake node's figures: not to another host.
        assert _get(internal, f"{endpoint.url}/healthz") == 200
        assert _get(internal, f"{endpoint.url}/readyz") == 200
        assert _get(internal, f"{endpoint.url}/metrics") == 404
    finally:
        endpoint.stop()
