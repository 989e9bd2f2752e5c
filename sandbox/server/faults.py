"""Faults the emulator injects on demand, deterministically, per endpoint and request number.

A fault says "the Nth request to this endpoint (and the next TIMES-1 ones) goes wrong this
way", so a test can say exactly what the connector meets: "the 2nd request to /insights gets
a 429 with Retry-After 0.2". Counters are per endpoint and count every request, including
the retries the fault provokes, so `times=3` fails three attempts in a row.

Command-line form (`microfunnel sandbox serve --fault ...`): `KIND@ENDPOINT[#N][xTIMES][:ARG]`,
e.g. `429@insights#2:0.2`, `503@searchStream#1x3`, `slow@graphql#2:5`, `reset@token`,
`throttle@insights:80004`, `malformed@graphql#3`, `new_field@insights#1x0` (x0 = forever).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field

ENDPOINTS = (
    "token",
    "searchStream",
    "insights",
    "campaigns",
    "graphql",
    "metrics",
    "events",
    "profiles",
    "email_campaigns",
    "flows",
)
KINDS = {
    "429": "HTTP 429 with Retry-After ARG seconds (integer or decimal; default 1)",
    "5xx": "HTTP ARG (default 503) with the vendor's error body",
    "html": "HTTP ARG (default 502) with an HTML error page, as a proxy or load balancer sends",
    "slow": "answer after ARG seconds (default 5), past a short client timeout",
    "reset": "close the connection with a TCP reset before answering",
    "malformed": "HTTP 200 whose JSON body is cut off half-way",
    "throttle": "the vendor's own throttling: Google 429 RESOURCE_EXHAUSTED with retryDelay ARG s "
    "(default 1), Meta HTTP 400 with error code ARG (default 80000), Shopify THROTTLED on HTTP 200 with "
    "a bucket ARG s (default 0.2) short, Klaviyo 429 `throttled` with Retry-After ARG s (default 1)",
    "auth": "the vendor's 401 for bad credentials, whatever was sent",
    "duplicate": "every row of the page is delivered twice",
    "new_field": "every row carries a field the connector has never seen",
    "type_change": "a numeric field of every row arrives as a non-numeric string",
}
ROW_MUTATIONS = ("duplicate", "new_field", "type_change")
_SPEC = re.compile(
    r"^(?P<kind>[\w]+)@(?P<endpoint>\w+)(?:#(?P<nth>\d+))?(?:x(?P<times>\d+))?(?::(?P<arg>.+))?$"
)


@dataclass(frozen=True)
class Fault:
    """Inject `kind` into requests nth .. nth+times-1 to `endpoint` (times=0: from nth on, forever)."""

    kind: str
    endpoint: str
    nth: int = 1
    times: int = 1
    arg: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; known kinds: {', '.join(KINDS)}")
        if self.endpoint not in ENDPOINTS:
            raise ValueError(
                f"unknown fault endpoint {self.endpoint!r}; known endpoints: {', '.join(ENDPOINTS)}"
            )
        if self.nth < 1 or self.times < 0:
            raise ValueError(f"fault {self}: nth must be >= 1 and times >= 0")

    def applies_to(self, request_number: int) -> bool:
        if request_number < self.nth:
            return False
        return self.times == 0 or request_number < self.nth + self.times

    def number(self, default: float) -> float:
        return float(self.arg) if self.arg is not None else default


def parse_fault(text: str) -> Fault:
    """`429@insights#2:0.2` -> Fault("429", "insights", nth=2, arg="0.2"); the message lists the forms."""
    match = _SPEC.match(text.strip())
    if not match:
        raise ValueError(
            f"fault {text!r} is not KIND@ENDPOINT[#N][xTIMES][:ARG] (e.g. 429@insights#2:0.2); "
            f"kinds: {', '.join(KINDS)}; endpoints: {', '.join(ENDPOINTS)}"
        )
    return Fault(
        kind=match["kind"],
        endpoint=match["endpoint"],
        nth=int(match["nth"] or 1),
        times=int(match["times"]) if match["times"] is not None else 1,
        arg=match["arg"],
    )


@dataclass
class FaultPlan:
    """The faults of one server, and how many requests each endpoint has seen (thread-safe)."""

    faults: list[Fault] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, *faults: Fault | str) -> None:
        with self._lock:
            self.faults.extend(f if isinstance(f, Fault) else parse_fault(f) for f in faults)

    def clear(self) -> None:
        with self._lock:
            self.faults.clear()

    def next_request(self, endpoint: str) -> tuple[int, list[Fault]]:
        """Count one request to `endpoint`; return its number and the faults that hit it."""
        with self._lock:
            number = self.counts.get(endpoint, 0) + 1
            self.counts[endpoint] = number
            return number, [f for f in self.faults if f.endpoint == endpoint and f.applies_to(number)]
