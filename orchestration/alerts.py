"""The failure alert: a JSON payload that says what failed and where to look, and its delivery.

Payload (Slack-compatible: `text` is the one line a chat shows):
  {"text", "run_id", "job", "failed_steps": [..], "error": "...", "url": "<UI>/runs/<run_id>"}
Nothing secret leaves: every value of a secret-looking environment variable (names containing
TOKEN, SECRET, PASSWORD, KEY, CREDENTIAL, and dlt's `*__ACCESS_TOKEN`, `*__CLIENT_SECRET`...)
and anything shaped like a credential in a URL or header is replaced by "***" before sending.
A receiver that answers 5xx (or cannot be reached) is retried with backoff; 4xx is not retried
(the request itself is wrong, sending it again will not help).
"""

from __future__ import annotations

import json
import os
import re
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence

ALERT_WEBHOOK_ENV = "MICROFUNNEL_ALERT_WEBHOOK_URL"
UI_URL_ENV = "MICROFUNNEL_UI_URL"
DEFAULT_UI_URL = "http://127.0.0.1:3000"
ERROR_SUMMARY_CHARS = 600
SECRET_NAME = re.compile(r"TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|PRIVATE|(^|_)KEY($|_)|API_?KEY", re.I)
SECRET_SHAPES = [
    re.compile(r"(?i)((?:bearer|token|basic)\s+)[A-Za-z0-9._~+/=-]{8,}"),
    re.compile(
        r"(?i)((?:access_?token|api_?key|secret|password|client_secret|refresh_token)[\"']?\s*[=:]\s*[\"']?)[^\s&\"',;]+"
    ),
    re.compile(r"(?i)(https?://)[^/\s:@]+:[^/\s@]+@"),  # user:password@host
]
MIN_SECRET_LENGTH = 6  # shorter values (e.g. "1") would blank out ordinary text


def secret_values(env: Mapping[str, str]) -> list[str]:
    """Values of the environment variables whose names say they hold a secret, longest first."""
    values = {
        value for name, value in env.items() if SECRET_NAME.search(name) and len(value) >= MIN_SECRET_LENGTH
    }
    return sorted(values, key=len, reverse=True)


def redact(text: str, env: Mapping[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    for value in secret_values(env):
        text = text.replace(value, "***")
    for shape in SECRET_SHAPES:
        text = shape.sub(lambda m: (m.group(1) if m.groups() else "") + "***", text)
    return text


def error_summary(message: str) -> str:
    """The error's first lines, at most ERROR_SUMMARY_CHARS characters: enough to triage from a phone."""
    summary = message.strip()
    return summary if len(summary) <= ERROR_SUMMARY_CHARS else summary[: ERROR_SUMMARY_CHARS - 1] + "…"


def first_line(text: str) -> str:
    return text.splitlines()[0] if text else ""


def failure_payload(
    run_id: str,
    job: str,
    failed_steps: Sequence[str],
    error: str,
    ui_url: str | None = None,
    env: Mapping[str, str] | None = None,
) -> dict:
    env = os.environ if env is None else env
    base = (ui_url or env.get(UI_URL_ENV) or DEFAULT_UI_URL).rstrip("/")
    steps = ", ".join(failed_steps) or "(no step; the run failed to start)"
    summary = redact(error_summary(error), env)
    url = f"{base}/runs/{run_id}"
    return {
        "text": f"microfunnel: run {run_id[:8]} of {job} failed in {steps}: {first_line(summary)} {url}",
        "run_id": run_id,
        "job": job,
        "failed_steps": list(failed_steps),
        "error": summary,
        "url": url,
    }


def post_alert(url: str, payload: dict, attempts: int = 4, backoff_seconds: float = 1.0) -> int:
    """POST the payload as JSON; retry 5xx and unreachable with exponential backoff; the final status."""
    body = json.dumps(payload).encode()
    for attempt in range(1, attempts + 1):
        request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            if exc.code < 500 or attempt == attempts:
                raise RuntimeError(f"alert webhook answered {exc.code} after {attempt} attempt(s)") from None
        except (urllib.error.URLError, TimeoutError) as exc:
            if attempt == attempts:
                raise RuntimeError(f"alert webhook unreachable after {attempt} attempts: {exc}") from None
        time.sleep(backoff_seconds * 2 ** (attempt - 1))
    raise AssertionError("unreachable")
