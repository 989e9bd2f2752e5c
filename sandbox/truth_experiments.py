"""The ground truth of the landing-page experiment (sandbox/experiment.py): who was assigned to which
variant, who converted after their first exposure, and the true effect.

Persons are the true persons; a person's variant is that of their first exposure (a browser they
used first), as `fct_experiment_results` counts them, and a person whose browsers were bucketed
differently is `in_several_variants`. Conversions are read from the catalog's independent Python
rendering (sandbox/truth_funnels.py `person_timelines`), not from the warehouse's SQL.

The true effect is known person by person, because the banner's draw was made for every exposed
landing of either variant: a person's outcome without the banner (the world's own downloads) and
with it (plus the banner's draws on their exposed landings in the window) are both known, and
their mean difference over the exposed persons is the effect the experiment estimates.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import pyarrow as pa

from microfunnel.conversions import MACRO_STEP, Catalog
from sandbox.experiment import ID_PARAM, METRIC, VARIANT_PARAM
from sandbox.simulate import World
from sandbox.truth_funnels import person_timelines


@dataclass(frozen=True)
class Assignment:
    """One true person in one experiment."""

    person_id: str
    variant: str  # the variant of the person's first exposure
    first_exposed_us: int
    variants: frozenset[str]  # every variant the person saw

    @property
    def in_several_variants(self) -> bool:
        return len(self.variants) > 1


@dataclass(frozen=True)
class TrueEffect:
    """The banner's true effect on METRIC (persons converting within the window)."""

    lift: float  # the stated P(download from the banner | a guide_banner landing)
    persons: int  # exposed persons
    rate_without_banner: float  # had nobody seen the banner
    rate_with_banner: float  # had everybody seen it

    @property
    def difference(self) -> float:
        """What `fct_experiment_results.difference` estimates for METRIC."""
        return self.rate_with_banner - self.rate_without_banner


def assignments(world: World) -> dict[str, dict[str, Assignment]]:
    """{experiment id: {true person: Assignment}} from the GA4 events carrying both experiment params."""
    firsts: dict[tuple[str, str], tuple[int, str]] = {}
    seen: dict[tuple[str, str], set[str]] = defaultdict(set)
    for event in world.events:
        experiment, variant = event.params.get(ID_PARAM), event.params.get(VARIANT_PARAM)
        if not experiment or not variant:
            continue
        key = (str(experiment), event.person.person_id)
        seen[key].add(str(variant))
        firsts[key] = min(firsts.get(key, (event.ts_us, str(variant))), (event.ts_us, str(variant)))
    result: dict[str, dict[str, Assignment]] = defaultdict(dict)
    for (experiment, person), (first_us, variant) in firsts.items():
        result[experiment][person] = Assignment(
            person, variant, first_us, frozenset(seen[(experiment, person)])
        )
    return dict(result)


EXPERIMENT_ASSIGNMENT_SCHEMA = pa.schema(
    [
        ("experiment_id", pa.string()),
        ("person_id", pa.string()),
        ("variant", pa.string()),
        ("first_exposed_us", pa.int64()),
        ("variants_seen", pa.int64()),
    ]
)


def experiment_assignment_rows(world: World) -> list[dict]:
    """The assignments as rows, as world_files.py writes them to truth/experiment_assignments.parquet."""
    return [
        {
            "experiment_id": experiment,
            "person_id": person,
            "variant": a.variant,
            "first_exposed_us": a.first_exposed_us,
            "variants_seen": len(a.variants),
        }
        for experiment, persons in sorted(assignments(world).items())
        for person, a in sorted(persons.items())
    ]


def exposure_counts(world: World) -> dict[tuple[str, str], tuple[int, int]]:
    """{(experiment, variant): (persons first exposed to it, of them seen in several variants)}."""
    counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for experiment, persons in assignments(world).items():
        for assignment in persons.values():
            counts[(experiment, assignment.variant)][0] += 1
            counts[(experiment, assignment.variant)][1] += assignment.in_several_variants
    return {key: (n, several) for key, (n, several) in counts.items()}


def conversions_after_exposure(
    world: World, catalog: Catalog, window_seconds: int
) -> dict[tuple[str, str, str], int]:
    """{(experiment, variant, conversion): persons converting strictly after their first exposure and
    at most window_seconds later}, for every catalog micro-conversion and `purchase` (orders)."""
    timelines = person_timelines(world, catalog)
    counts: dict[tuple[str, str, str], int] = defaultdict(int)
    for experiment, persons in assignments(world).items():
        for person, assignment in persons.items():
            start, end = assignment.first_exposed_us, assignment.first_exposed_us + window_seconds * 1_000_000
            reached = set()
            for event in timelines.get(person, []):
                if start < event.ts_us <= end:
                    reached |= event.matches
            for conversion in reached:
                counts[(experiment, assignment.variant, conversion)] += 1
    names = [c.name for c in catalog.micro_conversions] + [MACRO_STEP]
    return {
        (experiment, variant, name): counts.get((experiment, variant, name), 0)
        for experiment, variant in exposure_counts(world)
        for name in names
    }


def true_effect(world: World, catalog: Catalog, window_seconds: int) -> TrueEffect:
    """Each exposed person's METRIC outcome without and with the banner; their means."""
    experiment = world.experiment
    if experiment is None:
        raise ValueError("this world runs no experiment (WorldSpec.experiment_lift is None)")
    banner = {id(event) for event in experiment.downloads}
    timelines = person_timelines(_without(world, banner), catalog)
    draws: dict[str, list[int]] = defaultdict(list)
    for landing, at_us in experiment.banner_draws:
        draws[landing.person.person_id].append(at_us)
    without, with_banner = 0, 0
    persons = next(iter(assignments(world).values()), {})
    for person, assignment in persons.items():
        start, end = assignment.first_exposed_us, assignment.first_exposed_us + window_seconds * 1_000_000
        own = any(start < e.ts_us <= end and METRIC in e.matches for e in timelines.get(person, []))
        drawn = any(start < at_us <= end for at_us in draws.get(person, []))
        without += own
        with_banner += own or drawn
    n = len(persons)
    return TrueEffect(experiment.lift, n, without / n, with_banner / n)


def _without(world: World, event_ids: set[int]) -> World:
    """A shallow copy of the world without some events (the banner's downloads)."""
    from dataclasses import replace

    return replace(world, events=[e for e in world.events if id(e) not in event_ids])
