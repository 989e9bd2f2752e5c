"""Audiences on the whole graph: the shipped conversions.yml's audiences, measured against the world.

The truth reads the rules (microfunnel.audiences.members_as_of) over each true person's real events
and orders (sandbox.truth_funnels.person_timelines); the warehouse must reach the same members
through its own SQL and its own identity graph.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest

from microfunnel.audiences import Occurrence, members_as_of
from microfunnel.conversions import load_catalog
from sandbox.truth_funnels import person_timelines
from tests.support.warehouse import rows

pytestmark = pytest.mark.slow


def _utc(ts_us: int) -> datetime:
    return datetime.fromtimestamp(ts_us / 1_000_000, UTC).replace(tzinfo=None)


def test_each_audience_has_the_members_the_worlds_events_imply_entering_when_the_truth_says(e2e_run):
    settings, world = e2e_run
    catalog = load_catalog(settings.conversions_config)
    timelines = person_timelines(world, catalog)
    occurrences = {
        person: [Occurrence(name, _utc(event.ts_us)) for event in events for name in event.matches]
        for person, events in timelines.items()
    }
    (as_of,) = {row[0] for row in rows(settings.warehouse_path, "select as_of from marts.dim_audiences")}
    # as of the end of the data: the newest event of anyone, not the wall clock
    assert as_of == max(_utc(e.ts_us) for events in timelines.values() for e in events)
    measured = rows(
        settings.warehouse_path, "select audience_name, entered_at from marts.fct_audience_members"
    )
    wrong = {}
    for audience in catalog.audiences:
        truth = Counter(members_as_of(audience, occurrences, as_of).values())
        got = Counter(entered for name, entered in measured if name == audience.name)
        if got != truth or not truth:
            wrong[audience.name] = (sorted(got.items()), sorted(truth.items()))
    assert not wrong, f"audiences differing from the truth (measured, truth) as of {as_of}: {wrong}"
