"""The processes of the soak and a supervisor that restarts any that die (as systemd would)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
LOOPBACK = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            probe.settimeout(1)
            if probe.connect_ex((LOOPBACK, port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"nothing listens on {LOOPBACK}:{port} after {timeout}s")


def pgbouncer_binary() -> str:
    """PgBouncer's path, installing Debian's package first when it is missing (CI, as root)."""
    found = shutil.which("pgbouncer") or next(
        (p for p in ("/usr/sbin/pgbouncer", "/usr/bin/pgbouncer") if Path(p).exists()), None
    )
    if found:
        return found
    print("soak: installing pgbouncer (apt-get)", flush=True)
    quiet = {"stdout": subprocess.DEVNULL, "check": True}
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update"], env=env, **quiet)  # noqa: S607 (the system's apt)
    subprocess.run(["apt-get", "install", "-y", "pgbouncer"], env=env, **quiet)  # noqa: S607
    return shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"


def pgbouncer_config(workdir: Path, *, port: int, database: str, upstream_port: int) -> Path:
    """An ini in transaction pooling mode in front of 127.0.0.1:upstream_port, trust auth."""
    userlist = workdir / "userlist.txt"
    userlist.write_text('"postgres" ""\n')
    ini = workdir / "pgbouncer.ini"
    ini.write_text(
        "[databases]\n"
        f"{database} = host={LOOPBACK} port={upstream_port} dbname={database}\n"
        "[pgbouncer]\n"
        f"listen_addr = {LOOPBACK}\nlisten_port = {port}\n"
        f"unix_socket_dir = {workdir}\n"
        "auth_type = trust\n"
        f"auth_file = {userlist}\n"
        "pool_mode = transaction\n"
        "default_pool_size = 20\nmax_client_conn = 400\n"
        "server_reset_query =\n"
        "ignore_startup_parameters = extra_float_digits,options\n"
    )
    return ini


@dataclass
class Managed:
    """One supervised process: its command, its log file and its current Popen."""

    name: str
    command: list[str]
    env: dict[str, str]
    log: Path
    port: int | None = None
    process: subprocess.Popen | None = None
    restarts: int = 0

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                self.command, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill9(self) -> None:
        """SIGKILL the process (gunicorn: its whole group, master and workers)."""
        if self.alive():
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.alive():
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill9()


@dataclass
class Stack:
    """Every process of the soak, started and supervised from here."""

    env: dict[str, str]
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="soak-")))
    processes: dict[str, Managed] = field(default_factory=dict)

    def add(self, name: str, command: list[str], port: int | None = None) -> Managed:
        managed = Managed(name, command, self.env, self.workdir / f"{name}.log", port)
        self.processes[name] = managed
        managed.start()
        return managed

    def named(self, prefix: str) -> list[Managed]:
        return [p for name, p in self.processes.items() if name.startswith(prefix)]

    def revive(self) -> list[str]:
        """Start again every process that died (the supervisor's one job); their names."""
        revived = []
        for managed in self.processes.values():
            if not managed.alive():
                managed.restarts += 1
                managed.start()
                revived.append(managed.name)
        return revived

    def restarts(self) -> dict[str, int]:
        return {name: p.restarts for name, p in self.processes.items() if p.restarts}

    def stop(self) -> None:
        for managed in reversed(list(self.processes.values())):
            managed.stop()


def gunicorn_command(port: int) -> list[str]:
    return [
        sys.executable, "-m", "gunicorn", "config.wsgi:application", "--workers=2",
        "--threads=4", f"--bind={LOOPBACK}:{port}", "--timeout=30", "--log-level=warning",
    ]  # fmt: skip


def wait_for_http(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=2)
            return
        except requests.RequestException:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {timeout}s")
