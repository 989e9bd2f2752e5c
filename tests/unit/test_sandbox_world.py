"""Invariants of the simulated world: determinism, realistic identity links, the planted dirt."""

import json
from collections import defaultdict
from datetime import timedelta

import pytest

from sandbox import ga4_export
from sandbox.ga4_export import export_lines, write_ga4_export
from sandbox.simulate import WorldSpec, simulate
from sandbox.truth import identifier_truth

SPEC = WorldSpec(seed=11, persons=400, days=14)


@pytest.fixture(scope="module")
def world():
    return simulate(SPEC)


def test_the_same_spec_gives_the_same_export_byte_for_byte(tmp_path, world):
    write_ga4_export(world, tmp_path / "a")
    write_ga4_export(simulate(SPEC), tmp_path / "b")
    first = sorted((p.name, p.read_bytes()) for p in (tmp_path / "a").iterdir())
    second = sorted((p.name, p.read_bytes()) for p in (tmp_path / "b").iterdir())
    assert first == second and len(first) >= SPEC.days


def test_the_export_written_by_two_processes_equals_the_one_written_by_one(tmp_path, world, monkeypatch):
    as_of = SPEC.start_date + timedelta(days=3)  # with late events left for the next export
    monkeypatch.setattr(ga4_export, "FORK_FROM_EVENTS", 0)
    monkeypatch.setattr(ga4_export, "can_fork", lambda: False)
    one = write_ga4_export(world, tmp_path / "one", as_of=as_of)
    monkeypatch.setattr(ga4_export, "can_fork", lambda: True)
    two = write_ga4_export(world, tmp_path / "two", as_of=as_of)
    assert [path.name for path in two] == [path.name for path in one] and len(one) > 2
    for path in one:
        assert (tmp_path / "two" / path.name).read_bytes() == path.read_bytes(), path.name
    assert write_ga4_export(world, tmp_path / "two", as_of=as_of) == []  # nothing changed: nothing rewritten


def test_another_seed_gives_another_world(world):
    other = simulate(WorldSpec(seed=12, persons=400, days=14))
    assert [e.ts_us for e in other.events[:50]] != [e.ts_us for e in world.events[:50]]


def test_events_fall_inside_the_simulated_days(world):
    assert all(SPEC.start_us <= e.ts_us for e in world.events)
    assert max(e.event_date for e in world.events) <= SPEC.end_date + timedelta(days=1)


def test_ga4_user_id_is_the_customer_id_of_the_person_after_login(world):
    with_user = [e for e in world.events if e.user_id]
    assert with_user
    assert all(e.user_id == str(e.person.customer.customer_id) for e in with_user)


def test_purchase_events_carry_the_shopify_order_name_and_the_order_the_buying_cookie(world):
    purchases = [e for e in world.events if e.name == "purchase"]
    assert purchases
    for event in purchases:
        assert event.order.name.startswith("#")
        assert event.order.ga_client_id == event.session.device.cookie
    fired = {e.order.name for e in purchases}
    tracked = [o for o in world.orders if o.ga_client_id and not o.test]
    assert 0 < len(tracked) - len(fired & {o.name for o in tracked}) < 0.2 * len(tracked), (
        "some purchases unseen"
    )


def test_order_names_run_in_creation_order(world):
    created = [o.created_at_us for o in world.orders]
    assert created == sorted(created)
    assert [o.name for o in world.orders[:3]] == ["#1001", "#1002", "#1003"]


def test_every_device_of_a_person_is_observably_linked_to_them(world):
    """A second device that never logs in or buys would be a stranger to any observer."""
    linked = defaultdict(set)
    for event in world.events:
        if event.user_id:
            linked[event.person.person_id].add(event.session.device.cookie)
    for order in world.orders:
        if order.ga_client_id:
            linked[order.person.person_id].add(order.ga_client_id)
    for person in world.persons:
        used = {d.cookie for d in person.devices if d.sessions_started}
        if len(used) > 1:
            assert used <= linked[person.person_id], person.person_id


def test_the_planted_dirt_is_there(world):
    assert any(e.duplicated for e in world.events), "duplicate deliveries"
    assert any(e.arrival_delay_days for e in world.events), "late events"
    assert [o for o in world.orders if o.test], "test orders"
    assert [p for p in world.persons if p.kind == "bot"], "a bot"
    truth = identifier_truth(world, "k")
    shared = defaultdict(list)
    for t in truth:
        if t.is_shared:
            shared[t.identifier_type].append(t)
    assert shared["anonymous_id"], "a family computer"
    assert shared["email_hash"] and shared["customer_id"], "a throw-away email and its one Shopify customer"
    assert shared["gclid"], "a gclid pasted into strangers' sessions"


def test_the_throwaway_email_comes_in_several_spellings_that_normalize_to_one(world):
    spellings = {o.email for o in world.orders if o.person.kind == "throwaway_buyer"}
    assert len(spellings) > 1
    assert {s.strip().lower() for s in spellings} == {"test@example.com"}


def test_late_events_are_missing_from_an_early_export_and_present_in_a_later_one(world):
    late = [e for e in world.events if e.arrival_delay_days]
    event = late[len(late) // 2]
    day = event.event_date
    early = export_lines(world, as_of=day)
    later = export_lines(world, as_of=day + timedelta(days=event.arrival_delay_days))

    def contains(lines):
        return any(f'"event_timestamp":"{event.ts_us}"'.encode() in line for line in lines.get(day, []))

    assert not contains(early) and contains(later)


def test_the_json_export_uses_bigquery_encoding(world):
    line = next(iter(export_lines(world).values()))[0]
    row = json.loads(line)
    assert isinstance(row["event_timestamp"], str) and row["event_timestamp"].isdigit()
    param = next(p for p in row["event_params"] if p["key"] == "ga_session_id")
    assert (
        param["value"] == {"int_value": param["value"]["int_value"]} and param["value"]["int_value"].isdigit()
    )
    assert "user_id" not in row or row["user_id"] is not None, "NULL fields are left out, not null"


def test_ad_stats_are_consistent_with_the_sessions_they_drive(world):
    clicks = defaultdict(int)
    for day in world.campaign_days:
        clicks[day.campaign_id] += day.clicks
    visits = defaultdict(int)
    for click in world.ad_clicks:
        visits[click.campaign_id] += 1
    assert clicks == visits, "every click is either a landed visit or a bounced click, counted once"
    assert all(day.impressions > day.clicks for day in world.campaign_days)
