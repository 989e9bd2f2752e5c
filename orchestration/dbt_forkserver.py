"""A warm dbt for one run: dbt's imports paid once, in the background, each dbt command a fork.

Importing dbt-core and its adapter takes 3-4 s of CPU on the 2-core sandbox machine, before dbt
reads a single file, and a run starts dbt twice (the models, then the day-grained models); the
test suite starts it dozens of times. A DuckDB run starts this server first: it imports dbt while the
sources load, then waits on a Unix socket. `microfunnel-dbt` (dbt_process.py), which dagster-dbt
starts for every dbt command, hands the server its argv, working folder, environment and its
stdin/stdout/stderr; the server forks a supervisor, which forks the dbt that runs the command on
those streams, exactly as a fresh `dbt` process would, and reports dbt's exit status to the client
once dbt has exited (and so closed the warehouse). A fork of the server has only the server's
imports: no invocation ran in the server, so no dbt state (flags, manifest, adapter connections)
carries from one command to the next.

Crash-safety holds as before (DECISIONLOG "One writer: a kernel-released lock, not a Dagster
pool"): the server dies with the run that started it; the supervisor kills dbt when its client's
connection closes (the client dies with the run), and dbt dies with its supervisor; SIGINT/SIGTERM
sent to the client are passed to dbt. Without a server (the UI's runs, another OS, a server that
died) `microfunnel-dbt` execs dbt.

Linux only: an abstract-namespace socket (nothing on disk to clean up after a SIGKILL), accepting
only clients of the same user (SO_PEERCRED).
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import struct
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import NoReturn

from orchestration.process_life import die_with_parent, exit_without_teardown

SERVER_ENV = "MICROFUNNEL_DBT_SERVER"  # the socket's address while a run serves dbt
MAX_REQUEST_BYTES = 1 << 20
READY = b"listening\n"  # the server's one line on stdout, once clients can connect
STATUS = struct.Struct("!i")  # dbt's pid, then its exit status, as 4-byte integers
STOP_SECONDS = 10.0  # a server not gone this long after SIGTERM is killed


def available() -> bool:
    return sys.platform.startswith("linux")


@dataclass(frozen=True)
class Server:
    address: str
    process: subprocess.Popen

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it is still there after STOP_SECONDS: stopping never hangs a run."""
        self.process.terminate()
        try:
            self.process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start() -> Server | None:
    """A server child of this thread (it dies with it), listening once this returns; None where fork
    servers are not available or the server failed to start (dbt then starts as before)."""
    if not available():
        return None
    address = f"microfunnel-dbt-{os.getpid()}-{secrets.token_hex(8)}"
    process = subprocess.Popen(
        [sys.executable, "-m", "orchestration.dbt_forkserver", address],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
    )
    listening = process.stdout.readline() == READY  # a client connecting before would find no one
    process.stdout.close()
    if not listening:
        process.wait()
        return None
    return Server(address, process)


@contextmanager
def serving() -> Iterator[str | None]:
    """A server for this process's dbt commands; `SERVER_ENV` names it until the block ends.

    Yields its address, or None without one (also when a server is already named: an outer run's)."""
    server = None if os.environ.get(SERVER_ENV) else start()
    if server is None:
        yield None
        return
    os.environ[SERVER_ENV] = server.address
    try:
        yield server.address
    finally:
        del os.environ[SERVER_ENV]
        server.stop()


def run_command(address: str, argv: list[str]) -> int | None:
    """Run `dbt <argv>` in a fork of the server at `address` on this process's stdin, stdout and
    stderr; return its exit status, or None when no server answers (the caller runs dbt itself)."""
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        client.connect("\0" + address)
    except OSError:
        client.close()
        return None
    with client:
        request = json.dumps({"argv": argv, "cwd": os.getcwd(), "env": dict(os.environ)}).encode()
        socket.send_fds(client, [STATUS.pack(len(request)) + request], [0, 1, 2])
        dbt = _read_int(client)
        if dbt is None:
            return None  # the server closed before forking: nothing ran yet
        _forward_stop_signals_to(dbt)
        status = _read_int(client)
    if status is None:
        print(f"microfunnel-dbt: dbt (pid {dbt}) ended without an exit status: killed?", file=sys.stderr)
        return 1
    return status


def _forward_stop_signals_to(dbt: int) -> None:
    """dagster-dbt stops a dbt command with SIGINT (a cancelled run): dbt is the one to stop."""

    def forward(signum, _frame):
        try:
            os.kill(dbt, signum)
        except ProcessLookupError:
            pass

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, forward)


def _read_int(conn: socket.socket) -> int | None:
    data = b""
    while len(data) < STATUS.size:
        chunk = conn.recv(STATUS.size - len(data))
        if not chunk:
            return None
        data += chunk
    return STATUS.unpack(data)[0]


def serve(address: str) -> None:
    """Listen first (a client arriving early waits in the backlog), import dbt, then fork per client."""
    # A process that ignores SIGTERM passes that on through exec: Dagster gives SIGTERM the handler
    # of SIGINT, which a run started in the background of a script (or a pytest-xdist worker)
    # ignores, and the server would then outlive `stop`. The server ends when told to.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind("\0" + address)
    listener.listen(8)
    os.write(1, READY)
    os.dup2(2, 1)  # the run reads no more from us: anything printed later goes to its stderr
    _import_dbt()
    # Reaped here, not by the kernel (SIG_IGN): a reaped child's CPU time counts toward its parent's
    # children, and so toward the run's, as a dbt of its own would (`time`, the bench's CPU column).
    signal.signal(signal.SIGCHLD, _reap_children)
    # Ctrl-C in a terminal reaches the whole process group: it is dbt's to stop (and the run's),
    # not the server's or a supervisor's, which end with them.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        conn, _ = listener.accept()
        try:
            request, fds = _receive(conn)
        except (OSError, ValueError) as exc:
            print(f"microfunnel-dbt server: refused a request: {exc}", file=sys.stderr, flush=True)
            conn.close()
            continue
        if os.fork() == 0:
            listener.close()
            _supervise(conn, request, fds)
        conn.close()
        for fd in fds:
            os.close(fd)


def _reap_children(_signum, _frame) -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _import_dbt() -> None:
    """dbt and the DuckDB adapter: a Spark run starts dbt itself (DECISIONLOG "On Spark, dbt's
    stderr goes to a file; the fork server serves DuckDB runs only")."""
    import dbt.adapters.duckdb.impl  # noqa: F401
    import dbt.cli.main  # noqa: F401


def _receive(conn: socket.socket) -> tuple[dict, list[int]]:
    """The client's request and its three streams; only from a process of this server's user."""
    uid = struct.unpack("3i", conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12))[1]
    if uid != os.getuid():
        raise ValueError(f"a client of user {uid}")
    message, fds, _, _ = socket.recv_fds(conn, MAX_REQUEST_BYTES + STATUS.size, 3)
    if len(fds) != 3 or len(message) < STATUS.size:
        for fd in fds:
            os.close(fd)
        raise ValueError("not a microfunnel-dbt request")
    (size,) = STATUS.unpack(message[: STATUS.size])
    body = message[STATUS.size :]
    while len(body) < size:
        chunk = conn.recv(size - len(body))
        if not chunk:
            raise ValueError("the request ended early")
        body += chunk
    return json.loads(body), fds


def _supervise(conn: socket.socket, request: dict, fds: list[int]) -> NoReturn:
    """Fork the command's dbt, tell the client its pid, report its exit status once it has exited.

    Only an exited dbt has closed the warehouse (dbt-duckdb holds the file until its process ends):
    the client, and so the run's next step, must not go on before. The client's end closing first
    means the client died (killed with its run): then dbt is killed too."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    dbt = os.fork()
    if dbt == 0:
        conn.close()
        _become_dbt(request, fds)
    for fd in fds:
        os.close(fd)  # dbt's streams are dbt's alone: the client's reader sees their end when dbt ends
    ended = threading.Event()
    status = 1
    try:
        threading.Thread(target=_kill_when_the_client_goes, args=(conn, dbt, ended), daemon=True).start()
        conn.sendall(STATUS.pack(dbt))
        status = os.waitstatus_to_exitcode(os.waitpid(dbt, 0)[1])
        ended.set()
        conn.sendall(STATUS.pack(status if status >= 0 else 128 - status))  # killed by signal N: 128+N
    except OSError:  # the client is gone
        _kill(dbt, ended)
    finally:
        os._exit(0 if status == 0 else 1)


def _kill_when_the_client_goes(conn: socket.socket, dbt: int, ended: threading.Event) -> None:
    """The client sends nothing after its request: its end closing means it is gone."""
    try:
        conn.recv(1)
    except OSError:
        pass
    _kill(dbt, ended)


def _kill(dbt: int, ended: threading.Event) -> None:
    if not ended.is_set():  # not reaped yet: the pid is still dbt's
        try:
            os.kill(dbt, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _become_dbt(request: dict, fds: list[int]) -> NoReturn:
    """The client's streams, folder, environment and argv, then dbt's own command line."""
    die_with_parent()  # the supervisor: if it is killed, so is dbt
    signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a dbt of its own
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    sys.argv = ["dbt", *request["argv"]]
    from dbt.cli.main import cli

    # As the `dbt` executable runs it, down to its exit's clean-up; not the interpreter's teardown,
    # which frees dbt's parsed project object by object (DECISIONLOG "dbt ends without the
    # interpreter's teardown").
    try:
        cli.main(args=request["argv"], prog_name="dbt")
    except SystemExit as exit_request:
        exit_without_teardown(exit_request.code)
    exit_without_teardown(0)


def main() -> None:
    die_with_parent()
    serve(sys.argv[1])


if __name__ == "__main__":
    main()
