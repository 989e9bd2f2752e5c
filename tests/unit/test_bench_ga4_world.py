"""The benchmark's GA4 world generator (bench/ga4_world.py) writes exports the GA4 source reads.

Tiny worlds (a few thousand events over four days): the properties hold at any size, and the
benchmark itself measures the large ones.
"""

from __future__ import annotations

import gzip
import json
from collections import defaultdict
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from bench.ga4_world import (
    CHAIN_USER_ID_BASE,
    HUB_USER_ID,
    WorldShape,
    generate_world,
    population_table,
    write_day,
)
from ingestion.sources.ga4.helpers import export_day, parse_export_json, parse_export_parquet
from ingestion.sources.ga4.settings import EVENT_KEY_COLUMNS

EVENTS, DAYS = 5_000, 4
FIRST_DAY = date(2026, 10, 1)


def read_export(folder: Path) -> pa.Table:
    """Every export file of the folder, parsed by the GA4 source's own readers."""
    tables = []
    for path in sorted(folder.iterdir()):
        assert export_day(path.name) is not None, f"{path.name} is not an export file name"
        with path.open("rb") as stream:
            if path.name.endswith(".parquet"):
                tables.append(parse_export_parquet(stream, path.name))
            else:
                with gzip.open(stream) as text:
                    tables.append(parse_export_json(text, path.name))
    return pa.concat_tables(tables)


def param(table: pa.Table, key: str) -> list:
    """One event param per row (None where absent), whichever of its value fields is set."""
    values = []
    for params in table["event_params"].to_pylist():
        found = next((p["value"] for p in params if p["key"] == key), None)
        values.append(None if found is None else next((v for v in found.values() if v is not None), None))
    return values


@pytest.fixture(scope="module")
def worlds(tmp_path_factory) -> dict[str, tuple]:
    root = tmp_path_factory.mktemp("ga4_world")
    made = {}
    for file_format in ("parquet", "ndjson.gz"):
        world = generate_world(root / file_format, EVENTS, file_format, days=DAYS, first_day=FIRST_DAY)
        made[file_format] = (world, read_export(world.folder))
    return made


@pytest.fixture(scope="module")
def events(worlds) -> pa.Table:
    return worlds["parquet"][1]


def test_a_world_is_one_export_file_per_day_that_the_ga4_source_reads_with_exactly_the_events_asked(worlds):
    for file_format, (world, table) in worlds.items():
        files = sorted(p.name for p in world.folder.iterdir())
        suffix = "parquet" if file_format == "parquet" else "json.gz"
        assert files == [f"events_{day:%Y%m%d}.{suffix}" for day in (date(2026, 10, d) for d in range(1, 5))]
        assert table.num_rows == world.events == EVENTS
        assert (world.first_day, world.last_day, world.days) == (FIRST_DAY, date(2026, 10, 4), DAYS)
        assert 0 < world.persons < EVENTS


def test_both_formats_hold_the_same_rows(worlds):
    assert worlds["ndjson.gz"][1].equals(worlds["parquet"][1])


def test_the_json_files_use_bigquerys_encoding_int64_quoted_nulls_left_out(worlds):
    world = worlds["ndjson.gz"][0]
    with gzip.open(world.folder / "events_20261001.json.gz", "rt") as lines:
        rows = [json.loads(line) for line in lines]
    assert all(isinstance(row["event_timestamp"], str) and row["event_timestamp"].isdigit() for row in rows)
    assert all(None not in row.values() for row in rows), "NULL fields are left out, not null"
    assert all("ecommerce" not in row for row in rows if row["event_name"] != "purchase")
    purchase = next(row for row in rows if row["event_name"] == "purchase")
    assert isinstance(purchase["items"], list) and isinstance(purchase["items"][0]["quantity"], str)
    assert isinstance(purchase["ecommerce"]["purchase_revenue"], float | int)


def test_event_keys_are_unique_and_timestamps_fall_in_the_files_utc_day(events):
    keys = events.select(list(EVENT_KEY_COLUMNS)).group_by(list(EVENT_KEY_COLUMNS)).aggregate([])
    assert keys.num_rows == events.num_rows
    days = pc.strftime(pc.cast(events["event_timestamp"], pa.timestamp("us", "UTC")), "%Y%m%d")
    assert days.equals(events["event_date"])


def test_the_catalogs_events_and_params_are_there_so_every_funnel_has_data(events):
    names = set(events["event_name"].to_pylist())
    funnel_steps = {
        "session_start",
        "view_item",
        "add_to_cart",
        "begin_checkout",
        "add_payment_info",
        "purchase",
    }
    micro = {
        "first_visit",
        "page_view",
        "user_engagement",
        "login",
        "sign_up",
        "file_download",
        "video_complete",
    }
    assert funnel_steps | micro <= names
    rows = events.select(["event_name", "event_params"]).to_pylist()
    by_name = defaultdict(list)
    for row in rows:
        by_name[row["event_name"]].append({p["key"]: p["value"] for p in row["event_params"]})
    assert any(p["method"]["string_value"] == "newsletter" for p in by_name["sign_up"])
    assert all(p["file_name"]["string_value"] == "guide.pdf" for p in by_name["file_download"])
    locations = param(events, "page_location")
    assert any("/pricing" in location for location in locations)
    assert any("gclid=" in location for location in locations)
    assert all(p["engagement_time_msec"]["int_value"] >= 1 for p in by_name["user_engagement"])


def test_purchases_carry_a_unique_transaction_value_in_eur_and_their_items(events):
    purchases = events.filter(pc.equal(events["event_name"], "purchase"))
    transactions = param(purchases, "transaction_id")
    assert len(set(transactions)) == len(transactions) > 0
    assert set(param(purchases, "currency")) == {"EUR"}
    for row, value in zip(purchases.to_pylist(), param(purchases, "value"), strict=True):
        assert row["ecommerce"]["purchase_revenue"] == value > 0
        assert row["items"] and row["ecommerce"]["unique_items"] == len(row["items"])


def test_a_sessions_events_are_in_time_order_and_its_number_counts_the_browsers_sessions(events):
    rows = zip(
        events["user_pseudo_id"].to_pylist(),
        param(events, "ga_session_id"),
        param(events, "ga_session_number"),
        events["event_timestamp"].to_pylist(),
        events["event_name"].to_pylist(),
        strict=True,
    )
    sessions = defaultdict(list)
    for cookie, session_id, number, timestamp, name in rows:
        sessions[(cookie, session_id)].append((timestamp, number, name))
    numbers = defaultdict(list)
    for (cookie, _), session in sessions.items():
        assert [e[0] for e in session] == sorted(e[0] for e in session)
        assert session[0][2] in ("first_visit", "session_start")
        assert len({e[1] for e in session}) == 1
        numbers[cookie].append((session[0][0], session[0][1], session[0][2] == "first_visit"))
    for visits in numbers.values():
        ordered = [number for _, number, _ in sorted(visits)]
        assert ordered == sorted(set(ordered)), "session numbers grow with each session"
        assert all(number == 1 for _, number, first in visits if first)


def test_after_a_login_the_browsers_events_carry_the_user_id_linking_a_persons_browsers(events):
    rows = events.select(["user_pseudo_id", "user_id", "event_name"]).to_pylist()
    logins = [i for i, row in enumerate(rows) if row["event_name"] == "login"]
    assert logins
    for i in logins:
        following = rows[i + 1] if i + 1 < len(rows) else None
        if following and following["user_pseudo_id"] == rows[i]["user_pseudo_id"]:
            assert following["user_id"] is not None
    cookies_per_user = defaultdict(set)
    for row in rows:
        if row["user_id"]:
            cookies_per_user[row["user_id"]].add(row["user_pseudo_id"])
    assert max(len(cookies) for cookies in cookies_per_user.values()) >= 2
    truth = population_table(EVENTS, days=DAYS, first_day=FIRST_DAY).to_pylist()
    person = {row["user_pseudo_id"]: row["person"] for row in truth}
    for cookies in cookies_per_user.values():
        assert len({person[cookie] for cookie in cookies}) == 1, "a login links one person's browsers"


def test_heavy_persons_have_about_a_thousand_events_each(tmp_path):
    world = generate_world(tmp_path, EVENTS, "parquet", "heavy_persons", days=DAYS, first_day=FIRST_DAY)
    person = {
        row["user_pseudo_id"]: row["person"]
        for row in population_table(EVENTS, "heavy_persons", DAYS, first_day=FIRST_DAY).to_pylist()
    }
    per_person = defaultdict(int)
    for cookie in read_export(tmp_path)["user_pseudo_id"].to_pylist():
        per_person[person[cookie]] += 1
    assert world.persons == len(per_person) == EVENTS // 1_000
    assert all(700 <= count <= 1_300 for count in per_person.values()), per_person


def test_the_hub_is_one_user_id_logged_in_on_hub_size_browsers(tmp_path):
    shape = WorldShape("hub", hub_size=40)
    generate_world(tmp_path, EVENTS, "parquet", shape, days=DAYS, first_day=FIRST_DAY)
    table = read_export(tmp_path)
    hub = table.filter(pc.equal(table["user_id"], str(HUB_USER_ID)))
    assert pc.count_distinct(hub["user_pseudo_id"]).as_py() == 40
    assert table.num_rows == EVENTS


def test_the_chain_is_a_path_of_browsers_each_logged_in_as_two_consecutive_users(tmp_path):
    shape = WorldShape("chain", chain_length=12)
    generate_world(tmp_path, EVENTS, "ndjson.gz", shape, days=DAYS, first_day=FIRST_DAY)
    table = read_export(tmp_path)
    links = {
        (row["user_pseudo_id"], int(row["user_id"]))
        for row in table.select(["user_pseudo_id", "user_id"]).to_pylist()
        if row["user_id"] and CHAIN_USER_ID_BASE <= int(row["user_id"]) < HUB_USER_ID
    }
    users_of = defaultdict(set)
    for cookie, user in links:
        users_of[cookie].add(user - CHAIN_USER_ID_BASE)
    assert len(users_of) == 12
    assert sorted(sorted(users) for users in users_of.values()) == [[i, i + 1] for i in range(12)]


def test_a_world_is_the_same_for_the_same_seed_and_another_for_another_seed(tmp_path, events):
    generate_world(tmp_path / "again", EVENTS, "parquet", days=DAYS, first_day=FIRST_DAY)
    generate_world(tmp_path / "other", EVENTS, "parquet", days=DAYS, seed=8, first_day=FIRST_DAY)
    assert read_export(tmp_path / "again").equals(events)
    assert not read_export(tmp_path / "other").equals(events)


def test_write_day_rewrites_a_day_of_the_world_and_writes_the_next_day_of_the_same_browsers(tmp_path, worlds):
    world = worlds["ndjson.gz"][0]
    again = write_day(tmp_path, date(2026, 10, 3), EVENTS, "ndjson.gz", days=DAYS, first_day=FIRST_DAY)
    assert again.read_bytes() == (world.folder / again.name).read_bytes()
    next_day = write_day(tmp_path, date(2026, 10, 5), EVENTS, "ndjson.gz", days=DAYS, first_day=FIRST_DAY)
    assert next_day.name == "events_20261005.json.gz"
    with next_day.open("rb") as stream, gzip.open(stream) as text:
        table = parse_export_json(text, next_day.name)
    assert table.num_rows == EVENTS // DAYS
    cookies = set(population_table(EVENTS, days=DAYS, first_day=FIRST_DAY)["user_pseudo_id"].to_pylist())
    assert set(table["user_pseudo_id"].to_pylist()) <= cookies
    seen = worlds["ndjson.gz"][1]
    last_number = defaultdict(int)
    for cookie, number in zip(
        seen["user_pseudo_id"].to_pylist(), param(seen, "ga_session_number"), strict=True
    ):
        last_number[cookie] = max(last_number[cookie], number)
    for cookie, number in zip(
        table["user_pseudo_id"].to_pylist(), param(table, "ga_session_number"), strict=True
    ):
        assert number > last_number[cookie], "session numbers continue from the days before"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"shape": "funnel"}, "unknown world shape 'funnel'"),
        ({"file_format": "csv"}, "unknown file format 'csv'"),
        ({"shape": WorldShape("hub", hub_size=10_000)}, "exceed the day's"),
    ],
)
def test_an_unknown_shape_or_format_or_a_hub_too_big_for_the_world_is_refused(tmp_path, kwargs, message):
    arguments = {"out_dir": tmp_path, "events": EVENTS, "file_format": "parquet", "days": DAYS} | kwargs
    with pytest.raises(ValueError, match=message):
        generate_world(**arguments)
