"""`microfunnel audiences export` against a real HTTP receiver on 127.0.0.1: batches, a retried 503,
a 4xx that fails at once, no raw email in any body, and entered/left deltas across exports."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import duckdb
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from commands.audiences import STATE_FILE, ExportError, export
from microfunnel.pii import hash_email
from microfunnel.settings import load_settings

KEY = "test-key"
AS_OF = datetime(2026, 10, 31, 23, 0)
TOKEN = "s3cret-bearer-token"
EMAILS = {f"p{n}": f"Person.{n}@Example.com" for n in range(1, 7)}  # p2 has no email on file


class Receiver:
    """A webhook receiver: answers the queued statuses first, then 200; keeps every request."""

    def __init__(self) -> None:
        self.statuses: list[int] = []
        self.requests: list[tuple[int, dict, bytes]] = []  # (status answered, headers, body)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                receiver.requests.append((status, dict(self.headers), body))
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b"unauthorized" if status == 401 else b"ok")

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/audiences"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def accepted(self) -> list[dict]:
        return [json.loads(body) for status, _, body in self.requests if status == 200]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.server.shutdown()
    r.server.server_close()


def publish(serving: Path, members: dict[str, list[str]]) -> None:
    """A serving snapshot holding the two audience marts."""
    serving.unlink(missing_ok=True)
    with duckdb.connect(str(serving)) as con:
        con.execute("create schema marts")
        con.execute(
            "create table marts.dim_audiences (audience_name varchar, members bigint, as_of timestamp)"
        )
        con.execute(
            "create table marts.fct_audience_members (audience_name varchar, person_id varchar, "
            "email_hash varchar, entered_at timestamp, as_of timestamp)"
        )
        for name, persons in members.items():
            con.execute("insert into marts.dim_audiences values (?, ?, ?)", [name, len(persons), AS_OF])
            for n, person in enumerate(persons):
                email = hash_email(EMAILS[person], KEY) if person != "p2" else None
                con.execute(
                    "insert into marts.fct_audience_members values (?, ?, ?, ?, ?)",
                    [name, person, email, datetime(2026, 10, 30, n), AS_OF],
                )


@pytest.fixture
def settings(tmp_path):
    return load_settings(
        {"WAREHOUSE_PATH": str(tmp_path / "w.duckdb"), "SERVING_PATH": str(tmp_path / "s.duckdb")}
    )


def run_export(settings, receiver, out: Path, **options) -> tuple[str, list[float]]:
    waits: list[float] = []
    report = export(
        settings,
        out_dir=out,
        webhook=receiver.url,
        token=TOKEN,
        batch_size=2,
        backoff_seconds=0.5,
        sleep=waits.append,
        **options,
    )
    return report, waits


def members_by_change(bodies: list[dict], audience: str) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for body in bodies:
        if body["audience"] == audience:
            out.setdefault(body["change"], set()).update(m["person_id"] for m in body["members"])
    return out


def test_a_503_is_retried_batches_carry_only_hashed_identifiers_and_the_deltas_follow_the_exports(
    settings, receiver, tmp_path
):
    out = tmp_path / "exports"
    publish(settings.serving_path, {"cart_abandoners": ["p1", "p2", "p3", "p4", "p5"], "empty_one": []})
    receiver.statuses = [503]
    report, waits = run_export(settings, receiver, out)

    # the first POST got a 503, was retried after the backoff, then 3 batches of at most 2 went through
    assert [status for status, _, _ in receiver.requests] == [503, 200, 200, 200]
    assert waits == [0.5]
    first = receiver.accepted()
    assert [(b["change"], b["batch"], b["batches"], len(b["members"])) for b in first] == [
        ("entered", 1, 3, 2),
        ("entered", 2, 3, 2),
        ("entered", 3, 3, 1),
    ]
    assert members_by_change(first, "cart_abandoners") == {"entered": {"p1", "p2", "p3", "p4", "p5"}}
    assert first[0]["members"][0] == {
        "person_id": "p1",
        "email_hash": hash_email(EMAILS["p1"], KEY),
        "entered_at": "2026-10-30T00:00:00",
    }
    assert all(h["Authorization"] == f"Bearer {TOKEN}" for _, h, _ in receiver.requests)
    assert "+5 entered  -0 left" in report and TOKEN not in report

    # a file per audience, the empty one with its header
    csv = pacsv.read_csv(out / "cart_abandoners.csv").to_pydict()
    assert csv["person_id"] == ["p1", "p2", "p3", "p4", "p5"]
    assert pacsv.read_csv(out / "empty_one.csv").column_names == [
        "audience_name",
        "person_id",
        "email_hash",
        "entered_at",
    ]

    # second export: p3, p4, p5 left, p6 entered, p1 and p2 stay (and are not sent again)
    publish(settings.serving_path, {"cart_abandoners": ["p1", "p2", "p6"], "empty_one": []})
    receiver.requests.clear()
    report, waits = run_export(settings, receiver, out)
    second = receiver.accepted()
    assert waits == [] and len(second) == 3  # 1 batch entered, 2 batches left
    assert members_by_change(second, "cart_abandoners") == {"entered": {"p6"}, "left": {"p3", "p4", "p5"}}
    left = [m for b in second if b["change"] == "left" for m in b["members"]]
    assert {m["email_hash"] for m in left} == {hash_email(EMAILS[p], KEY) for p in ("p3", "p4", "p5")}
    assert "+1 entered  -3 left" in report

    # nothing that leaves names anyone: no raw email (any case), no '@', in any body
    for _, _, body in receiver.requests:
        text = body.decode()
        assert "@" not in text
        assert not any(email.lower() in text.lower() for email in EMAILS.values())


def test_a_4xx_fails_at_once_names_the_status_keeps_the_token_secret_and_marks_nothing_exported(
    settings, receiver, tmp_path
):
    out = tmp_path / "exports"
    publish(settings.serving_path, {"cart_abandoners": ["p1"]})
    receiver.statuses = [401]
    with pytest.raises(ExportError) as caught:
        run_export(settings, receiver, out)
    assert "HTTP 401" in str(caught.value) and TOKEN not in str(caught.value)
    assert len(receiver.requests) == 1
    assert not (out / STATE_FILE).exists()
    # the next export sends the same change again
    run_export(settings, receiver, out)
    assert members_by_change(receiver.accepted(), "cart_abandoners") == {"entered": {"p1"}}


def test_connection_errors_are_retried_with_backoff_then_fail_clearly(settings, tmp_path, receiver):
    publish(settings.serving_path, {"cart_abandoners": ["p1"]})
    url = receiver.url
    receiver.server.shutdown()
    receiver.server.server_close()  # nothing listens on the port any more
    waits: list[float] = []
    with pytest.raises(ExportError, match="failed 3 times, last: could not connect"):
        export(
            settings,
            out_dir=tmp_path / "x",
            webhook=url + "?key=hidden",
            attempts=3,
            backoff_seconds=0.25,
            sleep=waits.append,
        )
    assert waits == [0.25, 0.5]


def test_parquet_files_without_a_webhook_and_the_state_holds_only_hashes(settings, tmp_path):
    publish(settings.serving_path, {"cart_abandoners": ["p1", "p2"]})
    report = export(settings, out_dir=tmp_path / "out", file_format="parquet")
    table = pq.read_table(tmp_path / "out" / "cart_abandoners.parquet").to_pydict()
    assert table["person_id"] == ["p1", "p2"] and table["email_hash"][1] is None
    state = (tmp_path / "out" / STATE_FILE).read_text()
    assert "@" not in state and "posted" not in report


def test_a_plain_text_email_in_the_mart_is_refused_and_nothing_is_written_or_sent(
    settings, tmp_path, receiver
):
    publish(settings.serving_path, {"cart_abandoners": ["p1", "p3"]})
    with duckdb.connect(str(settings.serving_path)) as con:
        con.execute(
            "update marts.fct_audience_members set email_hash = ? where person_id = 'p3'", [EMAILS["p3"]]
        )
    with pytest.raises(ExportError, match="email in plain text for 'cart_abandoners'"):
        run_export(settings, receiver, tmp_path / "out")
    assert receiver.requests == [] and not (tmp_path / "out" / STATE_FILE).exists()
    assert not (tmp_path / "out" / "cart_abandoners.csv").exists()
