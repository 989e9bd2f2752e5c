"""The failure alert reaches a real HTTP receiver on 127.0.0.1: what it says, what it hides, retries."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from dagster import DagsterInstance, DefaultSensorStatus, build_run_status_sensor_context, job, op

from orchestration.alerts import failure_payload, post_alert, redact
from orchestration.sensors import alert_on_run_failure, new_ga4_export_files, sensors_switched_on

SHOPIFY_TOKEN = "shpat_5f3c9a0e1d2b4c6a8e7f"  # secret-looking, and set as a source credential
WEBHOOK_SECRET = "whsec-only-the-receiver-knows"


class Receiver:
    """An HTTP server on 127.0.0.1:<random port> that answers the scripted statuses, then 200."""

    def __init__(self, statuses: list[int]):
        self.statuses = list(statuses)
        self.bodies: list[bytes] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                receiver.bodies.append(self.rfile.read(int(self.headers["Content-Length"])))
                self.send_response(receiver.statuses.pop(0) if receiver.statuses else 200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/{WEBHOOK_SECRET}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def payloads(self) -> list[dict]:
        return [json.loads(body) for body in self.bodies]


@pytest.fixture
def receiver_factory():
    started = []

    def start(*statuses: int) -> Receiver:
        started.append(Receiver(list(statuses)))
        return started[-1]

    yield start
    for receiver in started:
        receiver.server.shutdown()
        receiver.server.server_close()


@op
def load_shopify_orders():
    import os

    token = os.environ["SOURCES__SHOPIFY__ACCESS_TOKEN"]
    raise RuntimeError(
        f"Shopify answered 401 Unauthorized for https://shop.example/admin/api/graphql.json "
        f"(X-Shopify-Access-Token: {token})"
    )


@job
def nightly_load():
    load_shopify_orders()


def failed_run_context():
    instance = DagsterInstance.ephemeral()
    result = nightly_load.execute_in_process(instance=instance, raise_on_error=False)
    assert not result.success
    return build_run_status_sensor_context(
        sensor_name="alert_on_run_failure",
        dagster_event=result.get_run_failure_event(),
        dagster_instance=instance,
        dagster_run=result.dagster_run,
    ).for_run_failure()


@pytest.fixture
def alert_env(monkeypatch, receiver_factory):
    monkeypatch.setenv("SOURCES__SHOPIFY__ACCESS_TOKEN", SHOPIFY_TOKEN)
    monkeypatch.setenv("MICROFUNNEL_UI_URL", "http://dagster.internal:3000/")

    def point_at(receiver: Receiver) -> Receiver:
        monkeypatch.setenv("MICROFUNNEL_ALERT_WEBHOOK_URL", receiver.url)
        return receiver

    return lambda *statuses: point_at(receiver_factory(*statuses))


@pytest.mark.slow  # runs a Dagster job
def test_a_failed_run_posts_its_id_job_failed_step_error_and_ui_link(alert_env):
    receiver = alert_env()
    context = failed_run_context()
    alert_on_run_failure(context)
    (payload,) = receiver.payloads()
    run_id = context.dagster_run.run_id
    assert payload["run_id"] == run_id and payload["job"] == "nightly_load"
    assert payload["failed_steps"] == ["load_shopify_orders"]
    assert "Shopify answered 401 Unauthorized" in payload["error"]
    assert payload["url"] == f"http://dagster.internal:3000/runs/{run_id}"
    assert payload["url"] in payload["text"] and "load_shopify_orders" in payload["text"]


@pytest.mark.slow  # runs a Dagster job
def test_the_alert_carries_no_secret_from_the_environment_or_the_error(alert_env):
    receiver = alert_env()
    alert_on_run_failure(failed_run_context())
    (body,) = receiver.bodies
    assert SHOPIFY_TOKEN.encode() not in body
    assert WEBHOOK_SECRET.encode() not in body
    assert b"X-Shopify-Access-Token: ***" in body


@pytest.mark.slow  # runs a Dagster job
def test_a_receiver_answering_5xx_gets_the_alert_again(alert_env):
    receiver = alert_env(503, 502)
    alert_on_run_failure(failed_run_context())
    payloads = receiver.payloads()
    assert len(payloads) == 3 and payloads[0] == payloads[1] == payloads[2]


def test_a_receiver_answering_4xx_is_not_retried(receiver_factory):
    receiver = receiver_factory(400)
    with pytest.raises(RuntimeError, match="answered 400 after 1 attempt"):
        post_alert(receiver.url, {"text": "x"}, backoff_seconds=0)
    assert len(receiver.bodies) == 1


def test_a_receiver_that_keeps_failing_is_given_up_on_with_a_clear_error(receiver_factory):
    receiver = receiver_factory(500, 500, 500)
    with pytest.raises(RuntimeError, match="answered 500 after 3 attempt"):
        post_alert(receiver.url, {"text": "x"}, attempts=3, backoff_seconds=0)
    assert len(receiver.bodies) == 3


def test_credentials_shaped_like_headers_urls_and_parameters_are_redacted():
    text = (
        "GET https://svc:hunter2pass@api.example/x?access_token=EAAB1234567890&page=2 "
        "Authorization: Bearer ya29.a0AfH6SMBx9 and the key sk-live-abcdef123"
    )
    cleaned = redact(text, env={"OPENAI_API_KEY": "sk-live-abcdef123", "RUNTIME__LOG_LEVEL": "WARNING"})
    for secret in ("hunter2pass", "EAAB1234567890", "ya29.a0AfH6SMBx9", "sk-live-abcdef123"):
        assert secret not in cleaned
    assert "page=2" in cleaned and "WARNING" not in cleaned  # only secrets go, and short values stay


def test_a_long_error_is_summarized():
    payload = failure_payload("r" * 36, "daily_refresh", ["dbt_models"], "boom\n" + "x" * 5000, env={})
    assert len(payload["error"]) <= 600 and payload["error"].startswith("boom")
    assert payload["url"] == f"http://127.0.0.1:3000/runs/{'r' * 36}"


def test_sensors_are_off_unless_microfunnel_sensors_names_them():
    assert new_ga4_export_files.default_status == DefaultSensorStatus.STOPPED
    assert alert_on_run_failure.default_status == DefaultSensorStatus.STOPPED
    assert sensors_switched_on({}) == set()
    assert sensors_switched_on({"MICROFUNNEL_SENSORS": "alert_on_run_failure"}) == {"alert_on_run_failure"}
    assert sensors_switched_on({"MICROFUNNEL_SENSORS": "all"}) == {
        "alert_on_run_failure",
        "new_ga4_export_files",
    }
    with pytest.raises(ValueError, match="unknown sensor.*alerts; known: new_ga4_export_files"):
        sensors_switched_on({"MICROFUNNEL_SENSORS": "alerts"})


@pytest.mark.slow  # imports Dagster afresh in a subprocess (~13 s under load)
def test_microfunnel_sensors_switches_a_sensor_on_when_the_code_location_loads():
    code = (
        "from orchestration.sensors import alert_on_run_failure as a, new_ga4_export_files as n;"
        "print(a.default_status.value, n.default_status.value)"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code],
        env={**__import__("os").environ, "MICROFUNNEL_SENSORS": "alert_on_run_failure"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert completed.stdout.split() == ["RUNNING", "STOPPED"]
