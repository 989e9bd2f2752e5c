"""The sandbox's landing-page experiment: a known effect, and nothing else in the world moved."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from microfunnel.conversions import load_catalog
from microfunnel.settings import PROJECT_ROOT
from sandbox.experiment import CONTROL, EXPERIMENT_ID, ID_PARAM, TREATMENT, VARIANT_PARAM
from sandbox.ga4_export import export_lines
from sandbox.simulate import WorldSpec, simulate
from sandbox.truth import identifier_truth
from sandbox.truth_email import email_engagement
from sandbox.truth_experiments import assignments, conversions_after_exposure, exposure_counts, true_effect

SPEC = WorldSpec(seed=11, persons=400, days=14)
WEEK = 7 * 86_400


@pytest.fixture(scope="module")
def worlds():
    """(the world with the experiment, the same spec without it)."""
    return simulate(SPEC), simulate(replace(SPEC, experiment_lift=None))


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(PROJECT_ROOT / "conversions.yml")


def _rows(world, banner: set[tuple[str, str]] = frozenset()) -> dict:
    """The GA4 export as parsed rows per day, the experiment's params and banner downloads left out."""
    days = {}
    for day, lines in export_lines(world).items():
        rows = []
        for line in lines:
            row = json.loads(line)
            if (row["user_pseudo_id"], row["event_timestamp"]) in banner and row[
                "event_name"
            ] == "file_download":
                continue
            row["event_params"] = [
                p for p in row["event_params"] if p["key"] not in (ID_PARAM, VARIANT_PARAM)
            ]
            rows.append(row)
        days[day] = rows
    return days


def test_the_export_with_the_experiment_is_the_one_without_plus_its_params_and_banner_downloads(worlds):
    with_experiment, without = worlds
    banner = {(e.session.device.cookie, str(e.ts_us)) for e in with_experiment.experiment.downloads}
    assert banner and without.experiment is None
    assert _rows(with_experiment, banner) == _rows(without)
    assert len(with_experiment.events) == len(without.events) + len(banner)


def test_orders_emails_ad_stats_and_identity_truth_are_untouched_by_the_experiment(worlds):
    with_experiment, without = worlds

    def orders(world):
        return [(o.order_id, o.name, o.created_at_us, o.total, o.person.person_id) for o in world.orders]

    assert orders(with_experiment) == orders(without)
    assert [(e.event_id, e.metric, e.ts_us) for e in with_experiment.email_events] == [
        (e.event_id, e.metric, e.ts_us) for e in without.email_events
    ]
    assert with_experiment.campaign_days == without.campaign_days
    assert identifier_truth(with_experiment, "k", email_marketing=True) == identifier_truth(
        without, "k", email_marketing=True
    )
    assert email_engagement(with_experiment) == email_engagement(without)


def test_every_landing_page_view_carries_its_browsers_variant_and_browsers_split_about_evenly(worlds):
    world, _ = worlds
    experiment = world.experiment
    landings = [e for e in world.events if e.name == "page_view" and e.batch_page_id == 1]
    assert landings and all(e.params[ID_PARAM] == EXPERIMENT_ID for e in landings)
    assert all(
        e.params[VARIANT_PARAM] == experiment.variant_of_cookie[e.session.device.cookie] for e in landings
    )
    assert not [e for e in world.events if ID_PARAM in e.params and e not in landings]
    treated = sum(v == TREATMENT for v in experiment.variant_of_cookie.values())
    assert 0.4 < treated / len(experiment.variant_of_cookie) < 0.6


def test_the_banner_downloads_at_the_stated_rate_on_treatment_landings_only(worlds):
    world, _ = worlds
    experiment = world.experiment
    treated = [e for e in experiment.exposures if e.params[VARIANT_PARAM] == TREATMENT]
    assert {d.session.device.cookie for d in experiment.downloads} <= {
        c for c, v in experiment.variant_of_cookie.items() if v == TREATMENT
    }
    rate = len(experiment.downloads) / len(treated)
    n = len(treated)
    assert abs(rate - experiment.lift) < 3 * (experiment.lift * (1 - experiment.lift) / n) ** 0.5, (rate, n)
    for download in experiment.downloads:  # before anything else happens on the landing page
        later = [e for e in world.events if e.session is download.session and e.ts_us < download.ts_us]
        assert [e.name for e in later if e.name not in ("first_visit", "session_start")] == ["page_view"]


def test_the_truth_counts_a_person_in_their_first_variant_and_knows_who_saw_two(worlds):
    world, _ = worlds
    persons = assignments(world)[EXPERIMENT_ID]
    several = [a for a in persons.values() if a.in_several_variants]
    assert several, "a person whose two browsers were bucketed differently"
    for assignment in several:
        first = min(
            (e.ts_us, e.params[VARIANT_PARAM])
            for e in world.experiment.exposures
            if e.person.person_id == assignment.person_id
        )
        assert assignment.variant == first[1] and assignment.variants == {CONTROL, TREATMENT}
    counts = exposure_counts(world)
    assert sum(n for n, _ in counts.values()) == len(persons)
    assert sum(s for _, s in counts.values()) == len(several)


def test_the_true_effect_is_on_the_lead_magnet_and_purchases_do_not_move(worlds, catalog):
    with_experiment, without = worlds
    effect = true_effect(with_experiment, catalog, WEEK)
    assert 0.5 * effect.lift < effect.difference <= effect.lift * 2
    converted = conversions_after_exposure(with_experiment, catalog, WEEK)
    treated, control = (EXPERIMENT_ID, TREATMENT), (EXPERIMENT_ID, CONTROL)
    assert converted[(*treated, "lead_magnet")] > converted[(*control, "lead_magnet")]
    orders = [(o.person.person_id, o.created_at_us) for o in with_experiment.orders]
    assert orders == [(o.person.person_id, o.created_at_us) for o in without.orders]


def test_the_world_files_hold_the_assignment_truth(tmp_path):
    import pyarrow.parquet as pq

    from sandbox.world_files import write_world_files

    world = write_world_files(WorldSpec(seed=5, persons=40, days=3), tmp_path)
    table = pq.read_table(tmp_path / "truth" / "experiment_assignments.parquet").to_pylist()
    persons = assignments(world)[EXPERIMENT_ID]
    assert len(table) == len(persons) > 0
    assert {(r["person_id"], r["variant"], r["variants_seen"]) for r in table} == {
        (a.person_id, a.variant, len(a.variants)) for a in persons.values()
    }
