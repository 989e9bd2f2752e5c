"""The Klaviyo source against the sandbox's Klaviyo API: what it loads, re-runs, waits for and refuses."""

from __future__ import annotations

import dataclasses
import secrets
from collections import Counter

import pytest
from dlt.pipeline.exceptions import PipelineStepFailed

from microfunnel.pii import hash_email
from sandbox.server import SandboxServer
from tests.support.sources import FAST_RETRIES, counts, keys_are_unique, messages

pytestmark = pytest.mark.slow  # the sandbox's HTTP APIs and dlt loads

KLAVIYO_TABLES = ("events", "profiles", "campaigns", "flows")


def test_klaviyo_loads_every_email_event_profile_campaign_and_flow_of_the_world(
    server, load, query, world, monkeypatch
):
    monkeypatch.setenv("SOURCES__KLAVIYO__PAGE_SIZE", "7")
    load("klaviyo")
    loaded = dict(query("select metric_name, count(*) from raw_klaviyo.events group by 1"))
    assert loaded == dict(Counter(e.metric for e in world.email_events))
    assert query("select count(*) from raw_klaviyo.profiles") == [(len(world.email_profiles),)]
    sent_campaigns = {e.message_id for e in world.email_events if e.message_id and not e.flow_id}
    assert {r[0] for r in query("select id from raw_klaviyo.campaigns")} == sent_campaigns
    assert query("select name, trigger_type from raw_klaviyo.flows") == [("Welcome Series", "Added to List")]
    assert server.count("events") > len(world.email_events) // 7  # followed links.next page by page
    clicks = query(
        "select profile_id, message_id, url from raw_klaviyo.events where metric_name = 'Clicked Email'"
    )
    expected = {
        (e.profile.profile_id, e.message_id, e.url) for e in world.email_events if e.metric == "Clicked Email"
    }
    assert set(clicks) == expected


def test_klaviyo_profiles_reach_the_warehouse_only_as_keyed_email_hashes(server, load, query, world):
    load("klaviyo")
    text_columns = query(
        "select table_name, column_name from information_schema.columns "
        "where table_schema = 'raw_klaviyo' and data_type in ('VARCHAR', 'JSON')"
    )
    for table, column in text_columns:
        assert query(
            f'select count(*) from raw_klaviyo."{table}" where "{column}"::varchar like \'%@%\''
        ) == [(0,)], f"{table}.{column} holds an email address"
    profile = world.email_profiles[0]
    stored = query(f"select email_hash from raw_klaviyo.profiles where id = '{profile.profile_id}'")
    assert stored == [(hash_email(profile.email, "test-pii-key"),)]


def test_rerunning_the_klaviyo_load_adds_no_duplicates_and_reads_only_the_lookback(server, load, query):
    load("klaviyo")
    first = counts(query, "klaviyo")
    requests_before = server.count("events")
    load("klaviyo")
    assert counts(query, "klaviyo") == first
    assert keys_are_unique(query, "klaviyo")
    assert server.count("events") - requests_before <= 4  # one short page per metric: the last day only


def test_a_klaviyo_429_waits_for_retry_after_and_loses_nothing(server, load, query, world):
    server.faults.add("429@events#2:0.2", "429@profiles#1:0.1")
    load("klaviyo")
    assert query("select count(*) from raw_klaviyo.events") == [(len(world.email_events),)]
    assert query("select count(*) from raw_klaviyo.profiles") == [(len(world.email_profiles),)]
    throttled = [r for r in server.requests if r.status == 429]
    assert sorted((r.endpoint, r.number) for r in throttled) == [("events", 2), ("profiles", 1)]
    refused = next(r for r in throttled if r.endpoint == "events")
    retry = next(r for r in server.requests if r.endpoint == "events" and r.number == 3)
    assert retry.at - refused.at >= 0.2


def test_a_bad_klaviyo_key_fails_after_one_request_naming_the_key_never_the_secret(
    server, load, query, monkeypatch, caplog, capfd
):
    secret = "pk_WRONG" + secrets.token_hex(12)
    monkeypatch.setenv("SOURCES__KLAVIYO__API_KEY", secret)
    caplog.set_level("DEBUG")
    with pytest.raises(PipelineStepFailed) as failure:
        load("klaviyo")
    text = messages(failure.value)
    assert "SOURCES__KLAVIYO__API_KEY" in text and "not_authenticated" in text
    assert len([r for r in server.requests if r.endpoint in KLAVIYO_TABLES + ("metrics",)]) == 1
    out, err = capfd.readouterr()
    for where in (text, caplog.text, out, err):
        assert secret not in where


def test_an_unknown_klaviyo_revision_fails_at_once_naming_the_revision_setting(server, load, monkeypatch):
    monkeypatch.setenv("SOURCES__KLAVIYO__REVISION", "2031-01-15")
    with pytest.raises(PipelineStepFailed) as failure:
        load("klaviyo")
    assert "SOURCES__KLAVIYO__REVISION" in messages(failure.value)
    assert server.count("metrics") == 1


def test_an_empty_klaviyo_account_gives_every_table_typed_and_empty(world, load, query, monkeypatch):
    empty = dataclasses.replace(world, email_profiles=[], email_events=[])
    with SandboxServer(empty) as sandbox:
        for key, value in {**sandbox.source_env(), **FAST_RETRIES}.items():
            monkeypatch.setenv(key, value)
        load("klaviyo")
    assert counts(query, "klaviyo") == dict.fromkeys(KLAVIYO_TABLES, 0)
    types = dict(
        query(
            "select table_name || '.' || column_name, data_type from information_schema.columns "
            "where table_schema = 'raw_klaviyo'"
        )
    )
    assert types["events.datetime"] == "TIMESTAMP WITH TIME ZONE"
    assert types["events.profile_id"] == "VARCHAR"
    assert types["profiles.email_hash"] == "VARCHAR"
    assert types["campaigns.send_time"] == "TIMESTAMP WITH TIME ZONE"
