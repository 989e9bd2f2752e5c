"""person_id is stable: unchanged by a rebuild, kept by persons a new week did not change, and the
older id survives a merge, with person_id_history pointing the younger one at it."""

from __future__ import annotations

import shutil
from collections import defaultdict

import pytest

from tests.support.identity import build_identity

pytestmark = pytest.mark.slow


def persons_of(stitched: dict) -> dict[str, frozenset]:
    members = defaultdict(set)
    for key, person in stitched.items():
        members[person].add(key)
    return {person: frozenset(keys) for person, keys in members.items()}


def test_rebuilding_without_new_data_changes_no_person_id(identity_world):
    assert identity_world["rebuilt"].stitched == identity_world["week_before"].stitched


def test_a_person_whose_identifiers_did_not_change_keeps_its_id_after_a_week_of_data(identity_world):
    before, after = (
        persons_of(identity_world["week_before"].stitched),
        persons_of(identity_world["final"].stitched),
    )
    after_by_members = {members: person for person, members in after.items()}
    unchanged = {
        person: after_by_members[members] for person, members in before.items() if members in after_by_members
    }
    assert len(unchanged) > 0.5 * len(before), "most persons were untouched by the last week"
    assert all(old == new for old, new in unchanged.items())


def test_when_a_week_merges_persons_the_oldest_id_survives_and_history_maps_the_others(identity_world):
    week_before, final = identity_world["week_before"], identity_world["final"]
    before = persons_of(week_before.stitched)
    merges = defaultdict(set)  # final person -> earlier persons now inside it
    for person, members in before.items():
        merges[final.stitched[next(iter(members))]].add(person)
    merged = {survivor: olds for survivor, olds in merges.items() if len(olds) > 1}
    assert merged, "the last week's logins and orders merged some persons"

    def first_seen(person: str) -> str:
        return min(
            final.first_seen[("customer_id" if k[0] == "user_id" else k[0], k[1])] for k in before[person]
        )

    for survivor, olds in merged.items():
        assert survivor == min(olds, key=lambda p: (first_seen(p), p))
        assert all(final.history[old] == survivor for old in olds)


def test_the_incremental_runs_give_the_same_persons_and_ids_as_a_full_refresh(identity_world, tmp_path):
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(identity_world["warehouse"], copy)
    incremental, refreshed = identity_world["final"].stitched, build_identity(copy, "--full-refresh").stitched
    assert set(incremental) == set(refreshed)
    assert {frozenset(m) for m in persons_of(incremental).values()} == {
        frozenset(m) for m in persons_of(refreshed).values()
    }
    assert incremental == refreshed, (
        "a full refresh re-mints the same ids: each from the person's first-seen identifier"
    )
