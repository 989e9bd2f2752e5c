"""The HTTP client the Google Ads, Meta Ads and Shopify sources share: retries, timeouts, clear errors.

Why our own and not dlt's RESTClient: the three vendors signal "slow down" three different
ways (Google: 429 RESOURCE_EXHAUSTED with a retryDelay; Meta: HTTP 400 with error codes 4, 17,
613, 80000-80014; Shopify: HTTP 200 with a THROTTLED error), so each source passes a
`classify(response, payload)` that reads its vendor's signals, and this module does the rest
the same way for all three:

- transient failures (timeouts, resets, 5xx, throttling) are retried with exponential backoff,
  or after exactly the wait the vendor asks for (`Retry-After` integer or decimal seconds, or
  the vendor's own hint); a vendor asking for longer than `max_retry_wait` fails the run at once
  instead of sleeping for an hour inside a scheduler slot;
- permanent failures (bad request, bad credentials) fail at once, without retries;
- every error names the source, the endpoint and the HTTP status, and what to do;
- secrets never appear in messages or logs: every registered secret is replaced by `***`, also in
  the URLs urllib3 logs at DEBUG level.
"""

from __future__ import annotations

import json
import logging
import random
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any, Literal

import orjson
import requests
from dlt.common.configuration import resolve_configuration
from dlt.common.configuration.specs import BaseConfiguration, configspec

log = logging.getLogger(__name__)

_SECRETS: set[str] = set()
MAX_VENDOR_WAITS = 50  # waits the vendor prescribes that do not count as attempts, per request
_SECRETS_LOCK = threading.Lock()


# -- errors ----------------------------------------------------------------------------------------
class SourceApiError(RuntimeError):
    """A vendor API call failed; the message names the source, the endpoint, the status and the fix."""

    def __init__(self, source: str, endpoint: str, status: int | None, detail: str, hint: str = ""):
        self.source, self.endpoint, self.status = source, endpoint, status
        where = f"{source}: {endpoint}" + (f" returned HTTP {status}" if status is not None else " failed")
        super().__init__(redact(f"{where}: {detail}" + (f". {hint}" if hint else "")))


class PermanentApiError(SourceApiError):
    """Retrying cannot help (a bad query, a missing permission): fix the request or the config."""


class CredentialsError(PermanentApiError):
    """The vendor rejected the credentials; `config_key` is the setting to fix."""

    def __init__(self, source: str, endpoint: str, status: int | None, detail: str, config_key: str):
        self.config_key = config_key
        super().__init__(
            source,
            endpoint,
            status,
            detail,
            f"Check {config_key} (env var or .dlt/secrets.toml); no retries were made",
        )


class MalformedResponseError(PermanentApiError):
    """The vendor answered 2xx with a body that is not the documented JSON; nothing of it was loaded."""


class RetriesExhaustedError(SourceApiError):
    """A transient failure outlasted every retry."""


# -- classification --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Verdict:
    """What a vendor's classifier makes of one response."""

    kind: Literal["ok", "retry", "auth", "fail"]
    detail: str = ""
    wait_seconds: float | None = None  # the vendor's own "retry after"; None: exponential backoff
    config_key: str | None = None  # for "auth": the setting that holds the rejected credential


Classifier = Callable[[requests.Response, Any], Verdict]


def retry_after_seconds(response: requests.Response) -> float | None:
    """`Retry-After` as seconds: an integer, a decimal ("0.2", sent by some gateways) or an HTTP date."""
    value = (response.headers.get("Retry-After") or "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def body_excerpt(response: requests.Response, limit: int = 160) -> str:
    """A short readable excerpt of a body; HTML error pages are reduced to their text."""
    text = response.text or ""
    if "<html" in text[:200].lower() or "<!doctype" in text[:200].lower():
        text = "HTML error page: " + re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text)).strip()
    return text[:limit] + ("…" if len(text) > limit else "")


def http_verdict(response: requests.Response, payload: Any, auth_key: str) -> Verdict:
    """The classification shared by every vendor, for what their own signals leave undecided."""
    status = response.status_code
    if 200 <= status < 300:
        return Verdict("ok")
    detail = body_excerpt(response)
    if status in (408, 429) or status >= 500:
        return Verdict("retry", detail, retry_after_seconds(response))
    if status in (401, 403):
        return Verdict("auth", detail, config_key=auth_key)
    return Verdict("fail", detail)


# -- secrets ---------------------------------------------------------------------------------------
def register_secret(*values: str | None) -> None:
    """Never print these: every error message and urllib3 log line passes through `redact`."""
    with _SECRETS_LOCK:
        _SECRETS.update(v for v in values if v and len(v) >= 4)


def redact(text: str) -> str:
    for secret in sorted(_SECRETS, key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


class _RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if _SECRETS:
            record.msg = redact(record.getMessage())
            record.args = None
        return True


def _install_log_redaction() -> None:
    for name in ("urllib3.connectionpool", "urllib3.util.retry", __name__):
        logger = logging.getLogger(name)
        if not any(isinstance(f, _RedactingFilter) for f in logger.filters):
            logger.addFilter(_RedactingFilter())


# -- the client ------------------------------------------------------------------------------------
@configspec
class RetryPolicy(BaseConfiguration):
    """How patient the API sources are: one dlt configuration shared by all of them.

    Declared once, here, with its defaults; set any field for every source under `[sources]`
    (`SOURCES__MAX_ATTEMPTS`) or for one (`SOURCES__SHOPIFY__MAX_ATTEMPTS`): `retry_policy()`
    resolves it the way dlt resolves a source's own arguments."""

    max_attempts: int = 5  # tries per request, the first included
    backoff_seconds: float = 1.0  # first backoff; doubles per attempt, with up to 10% jitter
    max_backoff_seconds: float = 60.0
    max_retry_wait: float = 300.0  # a vendor asking to wait longer fails the run instead
    timeout_seconds: float = 60.0  # per request (connect and each read)

    def backoff(self, attempt: int) -> float:
        base = min(self.max_backoff_seconds, self.backoff_seconds * 2 ** (attempt - 1))
        return base * (1 + random.random() / 10)


def retry_policy(source: str) -> RetryPolicy:
    """The retry settings of `source`: per-source keys first, then the shared `[sources]` ones."""
    return resolve_configuration(RetryPolicy(), sections=("sources", source))


class ApiClient:
    """One vendor's HTTP calls, with the vendor's classifier and the shared retry policy."""

    def __init__(
        self, source: str, policy: RetryPolicy, classify: Classifier, secrets: tuple[str | None, ...] = ()
    ):
        self.source = source
        self.policy = policy
        self.classify = classify
        self.session = requests.Session()
        register_secret(*secrets)
        _install_log_redaction()

    def request_json(self, method: str, url: str, endpoint: str, **kwargs) -> Any:
        """Send until the vendor answers OK (returning the parsed JSON) or an error is final."""
        return self._request(method, url, endpoint, _parse, **kwargs)

    def request_content(self, method: str, url: str, endpoint: str, **kwargs) -> bytes:
        """Like request_json, for a file (a zip, a CSV): the raw bytes of the OK answer."""
        return self._request(method, url, endpoint, lambda response: (response.content, None), **kwargs)

    def _request(
        self,
        method: str,
        url: str,
        endpoint: str,
        decode: Callable[[requests.Response], tuple[Any, str | None]],
        **kwargs,
    ) -> Any:
        """Send until the vendor answers OK (returning the decoded body) or an error is final.

        A wait the vendor itself prescribes (Retry-After, retryDelay, Shopify's bucket refill) does
        not use up an attempt: a busy shop throttles a long load many times, and each time says
        exactly when to come back. Up to MAX_VENDOR_WAITS such waits are honoured per request.
        """
        policy = self.policy
        attempt, vendor_waits = 1, 0
        while True:
            status: int | None = None
            try:
                response = self.session.request(method, url, timeout=policy.timeout_seconds, **kwargs)
            except requests.Timeout:
                verdict = Verdict("retry", f"no answer within {policy.timeout_seconds:g}s (timeout)")
            except requests.ConnectionError as exc:
                verdict = Verdict("retry", f"connection failed ({_reason(exc)})")
            else:
                status = response.status_code
                payload, parse_error = decode(response)
                verdict = self.classify(response, payload)
                if verdict.kind == "ok":
                    if parse_error:
                        raise MalformedResponseError(
                            self.source,
                            endpoint,
                            status,
                            f"the body is not valid JSON ({parse_error}; "
                            f"starts with {body_excerpt(response, 80)!r})",
                            "The page was not loaded and the cursor did not move; re-run the load, and if it "
                            "persists, report it to the vendor",
                        )
                    return payload
            if verdict.kind == "auth":
                raise CredentialsError(
                    self.source, endpoint, status, verdict.detail, verdict.config_key or ""
                )
            if verdict.kind == "fail":
                raise PermanentApiError(
                    self.source,
                    endpoint,
                    status,
                    verdict.detail,
                    "This is not retried; fix the request or configuration it names",
                )
            wait = verdict.wait_seconds if verdict.wait_seconds is not None else policy.backoff(attempt)
            if wait > policy.max_retry_wait:
                raise RetriesExhaustedError(
                    self.source,
                    endpoint,
                    status,
                    f"{verdict.detail} (the vendor asks to wait {wait:.0f}s)",
                    f"That is longer than max_retry_wait={policy.max_retry_wait:g}s: re-run later, "
                    "nothing was loaded",
                )
            prescribed = verdict.wait_seconds is not None and vendor_waits < MAX_VENDOR_WAITS
            if attempt == policy.max_attempts and not prescribed:
                raise RetriesExhaustedError(
                    self.source,
                    endpoint,
                    status,
                    f"{verdict.detail}; gave up after {attempt} attempts",
                    "Nothing from this run was loaded and the cursor did not move; re-run the load later",
                )
            # a wait the vendor prescribes (throttling) is normal operation; a retry after an error is not
            (log.info if prescribed else log.warning)(
                "%s: %s %s: %s; %s in %.2fs",
                self.source,
                endpoint,
                f"HTTP {status}" if status is not None else "request",
                verdict.detail,
                "waiting as asked" if prescribed else f"retry {attempt}/{policy.max_attempts - 1}",
                wait,
            )
            time.sleep(wait)
            if prescribed:
                vendor_waits += 1
            else:
                attempt += 1


def _parse(response: requests.Response) -> tuple[Any, str | None]:
    """The body's JSON: orjson (3-4x faster than requests' decoder); what it refuses (an integer
    beyond 64 bits, NaN, a body not in UTF-8) is read as requests reads it, or named as not JSON."""
    try:
        return orjson.loads(response.content), None
    except orjson.JSONDecodeError:
        pass
    try:
        return response.json(), None
    except (ValueError, json.JSONDecodeError) as exc:
        return None, str(exc)


def _reason(exc: Exception) -> str:
    """The innermost cause, without the URL (which may carry a token in its query string)."""
    while exc.__cause__ is not None or exc.__context__ is not None:
        exc = exc.__cause__ or exc.__context__
    if isinstance(exc, OSError) and exc.args and not isinstance(exc.args[0], str):
        return type(exc).__name__
    return f"{type(exc).__name__}: {str(exc)[:120]}"
