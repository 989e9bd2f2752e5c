"""Runs as a user starts them: `microfunnel run` (or `dagster ...`) in a subprocess with a plain environment.

One small world is simulated and served for the package; each test gets its own warehouse.
The subprocess environment holds only the documented variables (no DLT_PROJECT_DIR, no venv on
PATH), so these tests also prove that every layer finds its settings by itself.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from commands.runner import sandbox_clock
from microfunnel.settings import PROJECT_ROOT
from sandbox.simulate import WorldSpec

OPS_SPEC = WorldSpec(seed=3, persons=300, days=14)
RUN_TIMEOUT = 900  # seconds; only a hung run comes near it (a run of this world takes about a minute)
TEST_PII_KEY = "test-pii-key"


@dataclass
class ServedWorld:
    root: Path
    source_env: dict[str, str]

    def env(self, warehouse: Path, dagster_home: Path | None = None) -> dict[str, str]:
        """The documented variables only, as a user would set them in a fresh shell."""
        return {
            "PATH": "/usr/bin:/bin",
            "HOME": os.environ.get("HOME", "/tmp"),
            "LANG": "C.UTF-8",
            "WAREHOUSE_PATH": str(warehouse),
            "DAGSTER_HOME": str(dagster_home or warehouse.parent / "dagster_home"),
            "PII_HASH_KEY": TEST_PII_KEY,
            "SOURCES__GA4__BUCKET_URL": str(self.root / "ga4"),
            "RUNTIME__LOG_LEVEL": "WARNING",
            "MICROFUNNEL_SOURCES": "ga4,google_ads,meta_ads,shopify,klaviyo",
            "MICROFUNNEL_FRESHNESS_AS_OF": sandbox_clock(OPS_SPEC),  # the world is a replay of past days
            **self.source_env,
        }


class MicrofunnelProcess:
    """A command of ours in a subprocess; its output collected line by line as it comes."""

    def __init__(self, args: list[str], env: dict[str, str]):
        self.process = subprocess.Popen(
            args,
            env=env,
            cwd=PROJECT_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
        )
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    @classmethod
    def run(cls, env: dict[str, str], *args: str) -> MicrofunnelProcess:
        return cls([sys.executable, "-m", "commands.cli", "run", *args], env)

    def _read(self) -> None:
        for line in self.process.stdout:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_for(self, text: str, timeout: float = RUN_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        with self._changed:
            while not any(text in line for line in self.lines):
                if self.process.poll() is not None and not self._reader.is_alive():
                    raise AssertionError(f"the run ended before {text!r}:\n{self.output}")
                if time.monotonic() > deadline:
                    raise AssertionError(f"no {text!r} within {timeout} s:\n{self.output}")
                self._changed.wait(timeout=1)

    def children(self) -> list[tuple[int, str]]:
        """(pid, command line) of the run's child processes (Linux /proc); a thread or child that ends
        while they are read is left out, as it would be a moment later."""
        found = []
        for task in Path(f"/proc/{self.process.pid}/task").glob("*"):
            try:
                pids = (task / "children").read_text().split()
            except FileNotFoundError:  # the thread ended after the listing
                continue
            for pid in pids:
                try:
                    cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
                except FileNotFoundError:  # the child ended
                    continue
                found.append((int(pid), cmdline))
        return found

    def descendants(self) -> list[tuple[int, str]]:
        """(pid, command line) of every process below the run: dbt's client, the dbt fork server and
        the dbt it forked, whoever started whom."""
        return process_tree(self.process.pid)

    def signal(self, signum: int) -> None:
        self.process.send_signal(signum)

    def finish(self, timeout: float = RUN_TIMEOUT) -> tuple[int, str]:
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise AssertionError(f"the run did not end within {timeout} s (hung?):\n{self.output}") from None
        self._reader.join(timeout=10)
        return code, self.output


def child_processes(parent: int) -> list[tuple[int, str]]:
    """(pid, command line) of the processes `parent` started (Linux /proc); gone ones are skipped."""
    found = []
    for task in Path(f"/proc/{parent}/task").glob("*"):
        try:
            pids = (task / "children").read_text().split()
        except OSError:
            continue
        for pid in pids:
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            found.append((int(pid), cmdline))
    return found


def process_tree(root: int) -> list[tuple[int, str]]:
    """(pid, command line) of every process below `root`."""
    found, parents = [], [root]
    while parents:
        children = child_processes(parents.pop())
        found += children
        parents += [pid for pid, _ in children]
    return found


def process_is_gone(pid: int, within: float = 30.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
        except OSError:
            return True
        if state == "Z":  # a zombie no longer runs; its parent (init) reaps it
            return True
        time.sleep(0.1)
    return False
