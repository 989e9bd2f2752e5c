"""The sandbox's Klaviyo API filters events by datetime and timestamp as Klaviyo does: each operator
against the bound, to the microsecond, an event exactly at the bound on the right side of it."""

from datetime import UTC, datetime

import pytest

from sandbox.server.klaviyo import _resources
from sandbox.server.state import Credentials, Limits, ServerState
from sandbox.simulate import WorldSpec, simulate

HOLDS = {
    "equals": lambda ts, bound: ts == bound,
    "greater-or-equal": lambda ts, bound: ts >= bound,
    "greater-than": lambda ts, bound: ts > bound,
    "less-than": lambda ts, bound: ts < bound,
    "less-or-equal": lambda ts, bound: ts <= bound,
}


@pytest.fixture(scope="module")
def state():
    return ServerState(simulate(WorldSpec(seed=5, persons=600, days=10)), None, Credentials(), Limits())


@pytest.mark.parametrize("operator", sorted(HOLDS))
def test_a_datetime_filter_keeps_the_events_on_its_side_of_the_bound_to_the_microsecond(state, operator):
    events = state.world.email_events
    bound_us = sorted(e.ts_us for e in events)[len(events) // 2]  # an event sits exactly at the bound
    bound = datetime.fromtimestamp(bound_us // 1_000_000, UTC).replace(microsecond=bound_us % 1_000_000)
    found, _ = _resources("events", state, [("datetime", operator, bound.isoformat())], None, "h")
    expected = {e.event_id for e in events if HOLDS[operator](e.ts_us, bound_us)}
    assert {resource["id"] for resource in found} == expected
    assert expected  # every operator keeps some events here: the bound is one of them


@pytest.mark.parametrize("operator", ["greater-or-equal", "less-than"])
def test_a_timestamp_filter_counts_whole_seconds(state, operator):
    events = state.world.email_events
    bound_s = sorted(e.ts_us for e in events)[len(events) // 3] // 1_000_000
    found, _ = _resources("events", state, [("timestamp", operator, str(bound_s))], None, "h")
    expected = {e.event_id for e in events if HOLDS[operator](e.ts_us, bound_s * 1_000_000)}
    assert {resource["id"] for resource in found} == expected
