"""The demo's sandbox in a child process (sandbox/served_world.py, sandbox/forked.py): the sources'
settings before the world exists, the world's files and APIs once it says so, the identity scores
it answers, and a child that never outlives its parent, however the parent ends."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import urllib.request
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from microfunnel.pii import pii_key
from sandbox import forked
from sandbox.served_world import identity_scores, served_world
from sandbox.simulate import WorldSpec, simulate
from sandbox.truth import identifier_truth
from sandbox.world_files import write_truth

SPEC = WorldSpec(seed=11, persons=300, days=7)
PROJECT_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def world():
    return simulate(SPEC)


def serving_file_of(path: Path, world, wrong: int = 0) -> Path:
    """A serving file whose dim_person_identifiers puts every identifier on its true person, but for
    `wrong` identifiers moved to the person of the first one (worse precision)."""
    truth = [t for t in identifier_truth(world, pii_key()) if not t.is_shared]
    rows = [(t.identifier_type, t.identifier_value, t.person_id) for t in truth]
    rows[1 : 1 + wrong] = [(kind, value, rows[0][2]) for kind, value, _ in rows[1 : 1 + wrong]]
    with duckdb.connect(str(path)) as connection:
        connection.execute("create schema marts")
        connection.execute(
            "create table marts.dim_person_identifiers (identifier_type varchar, identifier_value varchar, "
            "person_id varchar)"
        )
        connection.executemany("insert into marts.dim_person_identifiers values (?, ?, ?)", rows)
    return path


@pytest.mark.parametrize("fork", [True, False], ids=["forked child", "thread"])
def test_the_served_world_writes_its_files_serves_its_apis_and_answers_its_scores(
    tmp_path, world, monkeypatch, fork
):
    monkeypatch.setenv("PII_HASH_KEY", "k" * 32)
    monkeypatch.setattr(forked, "can_fork", lambda: fork)  # pytest-xdist's workers run threads
    serving = serving_file_of(tmp_path / "serving.duckdb", world, wrong=25)
    with served_world(SPEC, tmp_path / "sandbox") as sandbox:
        base_url = sandbox.env["SOURCES__KLAVIYO__BASE_URL"]  # known before the world is simulated
        assert sandbox.env["SOURCES__GA4__BUCKET_URL"] == str(tmp_path / "sandbox" / "ga4")
        sandbox.wait_until_served()
        assert len(list((tmp_path / "sandbox" / "ga4").glob("events_*.json"))) >= SPEC.days
        request = urllib.request.Request(
            f"{base_url}/api/metrics",
            headers={
                "Authorization": f"Klaviyo-API-Key {sandbox.env['SOURCES__KLAVIYO__API_KEY']}",
                "revision": "2026-10-15",
            },
        )
        with urllib.request.urlopen(request, timeout=10) as answer:  # the sources' credentials work
            assert answer.status == 200 and json.load(answer)["data"]
        scores = sandbox.identity_scores(serving)()
    assert scores == identity_scores(world, serving)
    assert 0 < scores["precision"] < 1 and 0 < scores["recall"] < 1  # the moved identifiers counted
    assert {"precision", "recall", "orders_right"} <= set(scores)  # what the summary prints
    write_truth(world, tmp_path / "here")  # the block waited for the truth, written after serving
    for name in ("identifiers.parquet", "email_engagement.parquet", "experiment_assignments.parquet"):
        assert pq.read_table(tmp_path / "sandbox" / "truth" / name).equals(
            pq.read_table(tmp_path / "here" / "truth" / name)
        ), name


def test_a_world_that_cannot_be_written_fails_the_wait_and_names_the_sandbox(tmp_path, monkeypatch):
    monkeypatch.setattr(forked, "can_fork", lambda: True)
    (tmp_path / "sandbox").write_text("a file where the folder should be")
    with pytest.raises(RuntimeError, match=r"the sandbox world \(simulating into .*sandbox\) stopped"):
        with served_world(WorldSpec(seed=1, persons=20, days=2), tmp_path / "sandbox") as sandbox:
            sandbox.wait_until_served()


def echo(conversation):
    while (value := conversation.receive()) is not None:
        if value == "fail":
            raise ValueError("asked to fail")
        conversation.send({"echo": value})


@pytest.mark.parametrize("fork", [True, False], ids=["forked child", "thread"])
def test_a_conversation_carries_json_both_ways_and_a_failed_child_fails_the_block(monkeypatch, fork):
    monkeypatch.setattr(forked, "can_fork", lambda: fork)
    with forked.talking_with_a_child(echo, "the echo") as conversation:
        conversation.send([1, "two"])
        assert conversation.receive() == {"echo": [1, "two"]}
    with pytest.raises(RuntimeError, match="the echo failed"):
        with forked.talking_with_a_child(echo, "the echo") as conversation:
            conversation.send("fail")
            with pytest.raises(RuntimeError, match="the echo stopped"):
                conversation.receive()  # gone without an answer


def test_an_exception_in_the_block_ends_the_child_at_once_whatever_handler_the_parent_had(
    tmp_path, monkeypatch
):
    """The parent's SIGTERM handler raises KeyboardInterrupt (as a run's and Dagster's do): run in the
    child, it unwound the child into the parent's code (under pytest-xdist, the worker's)."""
    monkeypatch.setattr(forked, "can_fork", lambda: True)
    handled = tmp_path / "handled"

    def sleeper(conversation):
        conversation.send("sleeping")
        try:
            time.sleep(60)
        except KeyboardInterrupt:
            handled.write_text("the parent's handler ran in the child")
            raise

    def interrupt(_signum, _frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    started = time.monotonic()
    try:
        with pytest.raises(RuntimeError, match="stopped by the test"):
            with forked.talking_with_a_child(sleeper, "the sleeper") as conversation:
                assert conversation.receive() == "sleeping"
                raise RuntimeError("stopped by the test")  # the child is not waited for: SIGTERM
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert time.monotonic() - started < 30
    assert not handled.exists()


@pytest.mark.parametrize("fork", [True, False], ids=["forked child", "thread"])
def test_a_stopped_child_is_not_waited_for_and_its_end_is_no_failure(monkeypatch, fork):
    """The demo's run stopped by Ctrl-C: the sandbox ends now, not once its world and truth are written."""
    monkeypatch.setattr(forked, "can_fork", lambda: fork)

    def sleeper(conversation):
        conversation.send("sleeping")
        time.sleep(60)

    started = time.monotonic()
    with forked.talking_with_a_child(sleeper, "the sleeper") as conversation:
        assert conversation.receive() == "sleeping"
        conversation.stop()
    assert time.monotonic() - started < 30


def test_the_truth_files_are_written_whole(tmp_path, world, monkeypatch):
    monkeypatch.setenv("PII_HASH_KEY", "k" * 32)
    write_truth(world, tmp_path)
    names = sorted(path.name for path in (tmp_path / "truth").iterdir())
    assert names == ["email_engagement.parquet", "experiment_assignments.parquet", "identifiers.parquet"]


PARENT = textwrap.dedent(
    """
    import os, signal, sys
    from sandbox.forked import talking_with_a_forked_child

    def wait_for_the_parent(conversation):
        conversation.send(os.getpid())
        conversation.receive()  # None once the parent is gone

    with talking_with_a_forked_child(wait_for_the_parent, "the child") as conversation:
        print(conversation.receive(), flush=True)
        os.kill(os.getpid(), signal.SIGKILL)  # the parent dies without leaving the block
    """
)


def test_a_parent_killed_with_sigkill_leaves_no_child_behind():
    parent = subprocess.run(
        [sys.executable, "-c", PARENT], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60
    )
    assert parent.returncode == -signal.SIGKILL, parent.stderr
    child = int(parent.stdout.strip())
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and _alive(child):
        time.sleep(0.1)
    assert not _alive(child)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:  # a zombie waits for init to reap it: it is gone
        return stat.read().split(") ")[1][0] != "Z"
