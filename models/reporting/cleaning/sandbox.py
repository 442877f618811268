"""Running a cleaner on an untrusted file in a child process with limits (R7).

The child (``child.py``) limits its own CPU time, address space and written file size before it
reads the file; this side adds a wall-clock limit and kills the child's whole process group
(ffmpeg included) when it runs past it. Where bubblewrap (``bwrap``) is installed and works, the
child also runs in it: no network, its own PID, IPC and UTS namespaces, a private ``/tmp``, and
only the system's programs and libraries, the Python installation and ClueGuard's own code
visible, read-only: not the data directory, not a key file. The child's environment is empty but
for PATH and a locale, so no secret of this process reaches it.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import shutil
import signal
import subprocess  # a fixed argument list, no shell # nosec B404
import sys
from dataclasses import dataclass
from pathlib import Path

from models.reporting.cleaning.errors import CleaningFailed


@dataclass(frozen=True)
class Limits:
    """What one cleaning may cost: CPU seconds, wall seconds, memory, bytes written to files."""

    cpu_seconds: int = 30
    wall_seconds: float = 60.0
    memory_bytes: int = 1536 * 2**20
    file_bytes: int = 256 * 2**20


LIMITS = Limits()
# The child's /tmp is a fresh tmpfs of its own inside bubblewrap, seen by nobody else.
_TMP = "/tmp"  # noqa: S108 # nosec B108
_ROOT = Path(__file__).resolve().parents[3]  # the folder that holds the ``models`` package
_ENV = {"PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8", "PYTHONPATH": str(_ROOT), "PYTHONDONTWRITEBYTECODE": "1"}


@functools.cache
def bubblewrap() -> list[str]:
    """The bwrap prefix when bubblewrap is installed and can make namespaces here; else nothing."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return []
    visible = {"/usr", "/lib", "/lib64", "/bin", "/etc/ld.so.cache", "/etc/alternatives", sys.prefix,
               sys.base_prefix, str(Path(sys.executable).resolve().parents[1]), str(_ROOT)}
    prefix = [bwrap, "--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
              "--proc", "/proc", "--dev", "/dev", "--tmpfs", _TMP]
    for path in sorted(visible):
        prefix += ["--ro-bind-try", path, path]
    prefix += ["--setenv", "TMPDIR", _TMP, "--"]
    try:
        probe = subprocess.run([*prefix, "/bin/true"], capture_output=True, timeout=10, check=False)  # noqa: S603 # nosec B603
    except (OSError, subprocess.TimeoutExpired):
        return []
    return prefix if probe.returncode == 0 else []


def run_cleaner(data: bytes, mime: str, limits: Limits = LIMITS) -> tuple[bytes, dict[str, str]]:
    """Clean ``data`` in a limited child; raise ``CleaningFailed`` with the reason it was refused."""
    command = [*bubblewrap(), sys.executable, "-m", "models.reporting.cleaning.child", mime,
               str(limits.cpu_seconds), str(limits.memory_bytes), str(limits.file_bytes)]
    with subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,  # noqa: S603 # nosec B603
                          stderr=subprocess.DEVNULL, env=_ENV, cwd="/", start_new_session=True) as child:
        try:
            out, _ = child.communicate(data, timeout=limits.wall_seconds)
        except subprocess.TimeoutExpired as exc:
            raise CleaningFailed("limit") from exc
        except OSError as exc:  # the child died before it took the whole file (a limit, at start)
            raise CleaningFailed("limit") from exc
        finally:
            _kill(child)
    header, _, cleaned = out.partition(b"\n")
    try:
        answer = json.loads(header)
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        # No answer at all: the child was killed, by a limit (a signal) or by a crash of a parser.
        raise CleaningFailed("limit" if child.returncode < 0 or child.returncode == 137 else "unreadable")
    if not answer.get("ok"):
        raise CleaningFailed(str(answer.get("reason")))
    removed = answer.get("removed")
    if not cleaned or not isinstance(removed, dict):
        raise CleaningFailed("unreadable")
    return cleaned, {str(k): str(v) for k, v in removed.items()}


def _kill(child: subprocess.Popen[bytes]) -> None:
    if child.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGKILL)
    child.wait()
