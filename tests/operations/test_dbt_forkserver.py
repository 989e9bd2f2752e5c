"""dbt commands run in forks of a warm server behave as a fresh `dbt` process would, and die as one.

The server (orchestration/dbt_forkserver.py) is what `microfunnel run` and `demo` start so that dbt's
imports are paid once per run; `microfunnel-dbt` hands it each command. What a caller of `dbt` sees
must not change: its own streams, folder, environment and exit status, and a dbt that stops when
its caller is stopped or killed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from orchestration import dbt_forkserver
from tests.operations.ops_runs import child_processes, process_is_gone

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not dbt_forkserver.available(), reason="the fork server is Linux only"),
]

MICROFUNNEL_DBT = str(Path(sys.executable).with_name("microfunnel-dbt"))
FOREVER = "select count(*) from range(1000000000000)"  # a query that runs until it is stopped


@pytest.fixture
def server():
    with dbt_forkserver.serving() as address:
        assert address
        yield address


def dbt(*args: str, cwd: Path, **env: str) -> subprocess.Popen:
    """`microfunnel-dbt <args>` as dagster-dbt starts it: stdout piped, stderr into it."""
    inherited = {name: value for name, value in os.environ.items() if name != "DBT_PROFILES_DIR"}
    return subprocess.Popen(
        [MICROFUNNEL_DBT, *args],
        cwd=cwd,
        env={**inherited, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def forked_dbts() -> list[tuple[int, int]]:
    """(supervisor, dbt) of each command that runs below the server, a child of this test process:
    server -> supervisor -> dbt."""
    servers = [pid for pid, command in child_processes(os.getpid()) if "dbt_forkserver" in command]
    supervisors = [pid for server in servers for pid, _ in child_processes(server)]
    return [(supervisor, pid) for supervisor in supervisors for pid, _ in child_processes(supervisor)]


def wait_for(found, within: float = 60.0):
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if value := found():
            return value
        time.sleep(0.1)
    raise AssertionError("not within the time allowed")


def probe_project(root: Path) -> Path:
    """A one-file dbt project on its own DuckDB file: enough for `dbt show --inline`."""
    project = root / "probe"
    project.mkdir()
    (project / "dbt_project.yml").write_text(
        "name: probe\nversion: '1.0'\nconfig-version: 2\nprofile: probe\n"
    )
    outputs = f"    dev:\n      type: duckdb\n      path: {root / 'probe.duckdb'}\n"
    (project / "profiles.yml").write_text(f"probe:\n  target: dev\n  outputs:\n{outputs}")
    return project


def test_a_command_gets_the_callers_folder_environment_streams_and_exit_status(server, tmp_path):
    (tmp_path / "profiles.yml").write_text("{}\n")  # dbt's default profiles folder is the working one
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()

    from_the_folder = dbt("debug", "--config-dir", cwd=tmp_path)
    from_the_env = dbt("debug", "--config-dir", cwd=tmp_path, DBT_PROFILES_DIR=str(elsewhere))
    unknown = dbt("no-such-command", cwd=tmp_path)

    assert from_the_folder.wait(timeout=120) == 0
    assert str(tmp_path) in from_the_folder.stdout.read()
    assert from_the_env.wait(timeout=120) == 0
    assert str(elsewhere) in from_the_env.stdout.read()
    assert unknown.wait(timeout=120) == 2
    assert "No such command 'no-such-command'" in unknown.stdout.read()
    # Each status came once its dbt had exited: a dbt still finishing would hold the warehouse file
    # when the run's next step opens it (dbt-duckdb keeps it open until its process ends).
    assert forked_dbts() == []


def test_a_forked_dbt_leaves_its_warehouse_closed_and_its_log_written(server, tmp_path):
    """A forked dbt ends without the interpreter's teardown (orchestration/process_life.py), but
    with its clean-up: DuckDB checkpointed and closed the file (no WAL left for the next step to
    replay) and dbt's log file is complete."""
    import duckdb

    project = probe_project(tmp_path)
    (project / "models").mkdir()
    (project / "models" / "one.sql").write_text("select 42 as answer")
    done = dbt("run", cwd=project)
    assert done.wait(timeout=120) == 0, done.stdout.read()
    assert not (tmp_path / "probe.duckdb.wal").exists()
    with duckdb.connect(str(tmp_path / "probe.duckdb"), read_only=True) as warehouse:
        assert warehouse.sql("select answer from one").fetchall() == [(42,)]
    assert "Completed successfully" in (project / "logs" / "dbt.log").read_text()


def test_a_command_runs_in_a_fork_of_the_server_not_in_a_new_dbt(server, tmp_path):
    running = dbt("show", "--inline", FOREVER, cwd=probe_project(tmp_path))
    try:
        assert wait_for(forked_dbts), "no fork of the server ran the command"
    finally:
        running.kill()


def test_killing_the_caller_kills_its_dbt(server, tmp_path):
    running = dbt("show", "--inline", FOREVER, cwd=probe_project(tmp_path))
    ((supervisor, worker),) = wait_for(forked_dbts)
    time.sleep(2)  # into the query
    running.send_signal(signal.SIGKILL)
    running.wait(timeout=30)
    assert process_is_gone(worker), "the forked dbt kept running after its caller was killed"
    assert process_is_gone(supervisor)


def test_sigint_to_the_caller_stops_its_dbt_as_it_would_stop_dbt_itself(server, tmp_path):
    """dagster-dbt stops a cancelled run's dbt with SIGINT and waits for it to exit."""
    running = dbt("show", "--inline", FOREVER, cwd=probe_project(tmp_path))
    ((_, worker),) = wait_for(forked_dbts)
    # Into the query: a SIGINT between dbt's compile and DuckDB starting the query is lost, with or
    # without the server (dbt-duckdb interrupts the running query; the query then starts and dbt
    # waits for it), a race of dbt's that the test must not depend on.
    while "Concurrency:" not in running.stdout.readline():
        pass
    time.sleep(2)
    running.send_signal(signal.SIGINT)
    code = running.wait(timeout=60)
    assert code != 0
    assert process_is_gone(worker)


def test_without_a_server_the_caller_runs_dbt_itself(tmp_path):
    assert dbt_forkserver.run_command("microfunnel-dbt-nobody-listens-here", ["--help"]) is None
    (tmp_path / "profiles.yml").write_text("{}\n")
    direct = dbt("debug", "--config-dir", cwd=tmp_path, MICROFUNNEL_DBT_SERVER="microfunnel-dbt-gone")
    assert direct.wait(timeout=120) == 0
    assert str(tmp_path) in direct.stdout.read()


def test_the_cpu_of_a_command_counts_toward_the_server_as_a_dbt_of_its_own_would(server, tmp_path):
    """The server reaps its forks, so their CPU time reaches its children's times and, once the run
    reaps the server, the run's (what `time` and the bench's CPU column read). Reaped by the kernel,
    it was lost."""
    # this test's server: a test process may also run the suite's own (tests/support/dbt.py)
    (server_pid,) = [pid for pid, command in child_processes(os.getpid()) if server in command]
    assert children_cpu_seconds(server_pid) == 0.0
    busy = dbt(
        "show", "--inline", "select sum(range * range) from range(200000000)", cwd=probe_project(tmp_path)
    )
    assert busy.wait(timeout=120) == 0, busy.stdout.read()
    assert wait_for(lambda: children_cpu_seconds(server_pid) >= 0.5, within=10)


def children_cpu_seconds(pid: int) -> float:
    """cutime + cstime of `pid`: the CPU of its children that it has reaped."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(value) for value in fields[13:15]) / os.sysconf("SC_CLK_TCK")


def test_a_server_started_by_a_process_that_ignores_sigterm_still_stops():
    """Dagster gives SIGTERM the handler of SIGINT, which a run in the background of a script (or a
    pytest-xdist worker) ignores, and an ignored signal stays ignored through exec: the server
    ends on `stop` all the same (it once waited for it forever, and the run with it)."""
    before = signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        server = dbt_forkserver.start()
    finally:
        signal.signal(signal.SIGTERM, before)
    assert server is not None
    server.stop()
    assert server.process.returncode == -signal.SIGTERM, "ended by SIGTERM, not by the fallback SIGKILL"
    assert process_is_gone(server.process.pid)
