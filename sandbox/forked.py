"""Work done by a forked child while this process goes on: how the sandbox uses the second core.

The child starts with the parent's objects (the simulated world) and needs no copy of them; it
reports a JSON result back through a pipe (`in_a_forked_child`), or talks with its parent, JSON
values one per line each way, for as long as both live (`talking_with_a_forked_child`). Only a
process with no other thread forks (`can_fork`).
"""

from __future__ import annotations

import json
import os
import queue
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, NoReturn

from microfunnel import garbage_collection


def can_fork() -> bool:
    """Only a process with no other thread forks here: a lock another thread held at the fork (an
    import, logging) would be held forever in the child."""
    return hasattr(os, "fork") and threading.active_count() == 1


@dataclass
class ChildWork:
    result: Any = None  # what the child's work returned, once the block has been left


@contextmanager
def in_a_forked_child(work: Callable[[], Any], what: str) -> Iterator[ChildWork]:
    """`work()` in a forked child while the block runs. Leaving the block waits for the child; if it
    failed (its traceback printed above), RuntimeError names `what`; else the yielded ChildWork holds
    its JSON-able result. The child ignores Ctrl-C: a stopped parent waits for it rather than leave
    its files half written. Call only where `can_fork()`."""
    read, write = os.pipe()
    child = _fork()
    if child == 0:  # pragma: no cover - the child's work is checked through what it writes
        os.close(read)

        def work_and_report() -> None:
            result = work()
            with os.fdopen(write, "wb") as pipe:
                pipe.write(json.dumps(result).encode())

        _live_as_the_child(work_and_report)
    os.close(write)
    outcome = ChildWork()
    try:
        yield outcome
    finally:
        with os.fdopen(read, "rb") as pipe:
            reported = pipe.read()
        _, status = os.waitpid(child, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{what} failed (see above)")
    outcome.result = json.loads(reported)


class Conversation:
    """One side of a conversation with a forked child (or with the parent): JSON values, one a line."""

    in_another_process = True

    def __init__(self, reading: int, writing: int, on_end: str | None, child: int | None = None):
        self._reading = os.fdopen(reading, "rb")
        self._writing = os.fdopen(writing, "wb")
        self._on_end = on_end  # the parent's side: the RuntimeError's message when the child is gone
        self._child = child  # the parent's side: the child's pid
        self.stopped = False

    def stop(self) -> None:
        """End the child now (SIGTERM), whatever it is doing; leaving the block then does not wait."""
        self.stopped = True
        if self._child is not None:
            _end(self._child)

    def send(self, value: Any) -> None:
        self._writing.write(json.dumps(value).encode() + b"\n")
        self._writing.flush()

    def receive(self) -> Any:
        """The other side's next value; None on the child's side once the parent is done or gone."""
        line = self._reading.readline()
        if line:
            return json.loads(line)
        if self._on_end is not None:
            raise RuntimeError(self._on_end)
        return None

    def close(self) -> None:
        for end in (self._writing, self._reading):
            try:
                end.close()
            except OSError:  # a child that is gone: nothing left to flush to
                pass


@contextmanager
def talking_with_a_forked_child(work: Callable[[Conversation], None], what: str) -> Iterator[Conversation]:
    """`work(conversation)` in a forked child; this side talks with it through the yielded
    conversation. The child's `receive()` returns None once this side has left the block, or has
    died however it died (the kernel closes its end), so a killed run leaves no child behind.
    Leaving the block waits for the child to return; leaving it on an exception (Ctrl-C) ends the
    child at once (SIGTERM). RuntimeError names `what` when the child is gone before answering or
    failed (its traceback printed above). The child ignores Ctrl-C. Call only where `can_fork()`."""
    parent_says, child_hears = os.pipe()[::-1]  # (write end, read end)
    child_says, parent_hears = os.pipe()[::-1]
    child = _fork()
    if child == 0:  # pragma: no cover - the child is checked through what it answers
        os.close(parent_says)
        os.close(parent_hears)
        _live_as_the_child(lambda: work(Conversation(child_hears, child_says, on_end=None)))
    os.close(child_hears)
    os.close(child_says)
    conversation = Conversation(parent_hears, parent_says, on_end=f"{what} stopped (see above)", child=child)
    failed = True
    try:
        yield conversation
        failed = False
    finally:
        if failed:
            _end(child)
        conversation.close()
        _, status = os.waitpid(child, 0)
    if os.waitstatus_to_exitcode(status) != 0 and not conversation.stopped:
        raise RuntimeError(f"{what} failed (see above)")


STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}


def _fork() -> int:
    """os.fork, the child ignoring Ctrl-C (the terminal sends it to the whole group: the parent
    decides) and dying of SIGTERM at once. The parent's own handlers must never run in the child:
    one that raises KeyboardInterrupt (a run's, Dagster's) would unwind the child into the parent's
    code (under pytest-xdist, into the worker's, which then reported an interrupt to the
    controller). The two signals wait, blocked, until the child has its own dispositions."""
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    child = os.fork()
    if child == 0:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
    return child


def _live_as_the_child(work: Callable[[], None]) -> NoReturn:
    """A forked child's whole life: `work()` with the parent's objects left out of collection, its
    traceback printed if it fails (for the parent's error to point at), then `_exit`."""
    status = 1
    try:
        garbage_collection.objects_alive_now_left_alone().__enter__()  # until _exit
        work()
        status = 0
    except BaseException:  # noqa: BLE001 - printed, and the exit status says it failed
        traceback.print_exc()
    finally:
        _exit(status)


def _exit(status: int) -> NoReturn:
    """The child's end: what it printed reaches the terminal, then no clean-up of the parent's."""
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(status)


def _end(child: int) -> None:
    try:
        os.kill(child, signal.SIGTERM)
    except ProcessLookupError:
        pass


@contextmanager
def talking_with_a_child(work: Callable[[Conversation], None], what: str) -> Iterator[Conversation]:
    """`talking_with_a_forked_child` where this process can fork; else the same conversation with
    a thread of this process (one core for both, the same answers)."""
    if can_fork():
        with talking_with_a_forked_child(work, what) as conversation:
            yield conversation
        return
    with _talking_with_a_thread(work, what) as conversation:
        yield conversation


class _QueueConversation:
    in_another_process = False

    def __init__(self, hears: queue.Queue, says: queue.Queue, on_end: str | None):
        self._hears, self._says, self._on_end = hears, says, on_end
        self.stopped = False

    def stop(self) -> None:
        """A thread cannot be ended: it is told this side is done and left to finish (a daemon)."""
        self.stopped = True
        self.close()

    def send(self, value: Any) -> None:
        self._says.put(json.loads(json.dumps(value)))  # the same values a pipe would carry

    def receive(self) -> Any:
        value = self._hears.get()
        if value is _GONE and self._on_end is not None:
            raise RuntimeError(self._on_end)
        return None if value is _GONE else value

    def close(self) -> None:
        self._says.put(_GONE)


_GONE = object()


@contextmanager
def _talking_with_a_thread(work: Callable[[Conversation], None], what: str) -> Iterator[Conversation]:
    to_child, to_parent = queue.Queue(), queue.Queue()
    failures: list[BaseException] = []

    def child() -> None:
        try:
            work(_QueueConversation(to_child, to_parent, on_end=None))  # type: ignore[arg-type]
        except BaseException as exc:  # noqa: BLE001 - raised in this process on leaving the block
            traceback.print_exc()
            failures.append(exc)
        finally:
            to_parent.put(_GONE)

    thread = threading.Thread(target=child, name=what, daemon=True)
    thread.start()
    conversation = _QueueConversation(to_parent, to_child, on_end=f"{what} stopped (see above)")
    try:
        yield conversation  # type: ignore[misc]
    finally:
        conversation.close()
    if conversation.stopped:
        return
    thread.join()  # not after an exception (Ctrl-C) or a stop: a thread cannot be ended; it is a daemon
    if failures:
        raise RuntimeError(f"{what} failed (see above)") from failures[0]
