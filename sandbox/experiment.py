"""One landing-page A/B test in the simulated world, with a known true effect.

The shop tests a banner offering its free running guide on the first page of every visit:
`control` shows the page as it is, `guide_banner` adds the banner. A client-side testing tool
buckets each browser (cookie) 50/50 and tags the landing page view with the GA4 event params
`exp_id` and `exp_variant`, so a person using two browsers may see both variants, as in real
life. The banner has one effect: on a `guide_banner` landing, the visitor downloads the guide
(GA4 `file_download` of guide.pdf, the `lead_magnet` micro-conversion) 1-2.5 s after landing with
probability `WorldSpec.experiment_lift` (stated: 0.15), on top of whatever else they do. It
changes nothing else: no other step, no order (the true effect on purchase is 0).

Runs last, after email, on random streams of its own (seed, "experiment", cookie / session), so
every earlier draw stays as it was: the world with the experiment is the world without it plus
the two params on landing page views and the banner's downloads (tests/unit/test_sandbox_experiment.py).
For the truth (sandbox/truth_experiments.py) the banner's draw is made for every exposed landing of
either variant: it says what a control visitor would have done had they seen the banner.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sandbox import catalog
from sandbox.model import Event

if TYPE_CHECKING:
    from sandbox.simulate import World, WorldSpec

SECOND_US = 1_000_000
EXPERIMENT_ID = "landing_guide_offer"
CONTROL = "control"
TREATMENT = "guide_banner"
ID_PARAM, VARIANT_PARAM = "exp_id", "exp_variant"  # conversions.yml `experiments:` defaults
METRIC = "lead_magnet"  # the catalog's micro-conversion the banner moves


@dataclass
class LandingExperiment:
    """What the experiment did: each browser's variant, each exposure, the banner's downloads."""

    lift: float  # P(download from the banner | a guide_banner landing): the stated true effect
    variant_of_cookie: dict[str, str] = field(default_factory=dict)
    exposures: list[Event] = field(default_factory=list)  # the tagged landing page views
    # (exposure, download time) for every exposed landing whose banner draw succeeded, either variant
    banner_draws: list[tuple[Event, int]] = field(default_factory=list)
    downloads: list[Event] = field(default_factory=list)  # the banner downloads that happened (treatment)


def run_landing_experiment(spec: WorldSpec, world: World) -> LandingExperiment | None:
    """Tag every landing page view with its browser's variant and add the banner's downloads."""
    if spec.experiment_lift is None:
        return None
    experiment = LandingExperiment(spec.experiment_lift)
    landings = [e for e in world.events if e.name == "page_view" and e.batch_page_id == 1]
    for landing in landings:
        cookie = landing.session.device.cookie
        variant = experiment.variant_of_cookie.get(cookie)
        if variant is None:
            variant = (
                CONTROL if random.Random(f"{spec.seed}:experiment:{cookie}").random() < 0.5 else TREATMENT
            )
            experiment.variant_of_cookie[cookie] = variant
        landing.params.update({ID_PARAM: EXPERIMENT_ID, VARIANT_PARAM: variant})
        experiment.exposures.append(landing)
        rng = random.Random(f"{spec.seed}:experiment:{cookie}:{landing.session.ga_session_id}")
        if rng.random() >= experiment.lift:
            continue
        # before anything else the visitor does on the landing page (a login takes >= 3 s, leaving >= 5 s)
        at_us = landing.ts_us + int(rng.uniform(1.0, 2.5) * SECOND_US)
        experiment.banner_draws.append((landing, at_us))
        if variant == TREATMENT:
            experiment.downloads.append(_banner_download(landing, at_us))
    world.events.extend(experiment.downloads)
    return experiment


def _banner_download(landing: Event, at_us: int) -> Event:
    """The guide's download from the banner: in the landing page's batch, after its page view."""
    base = {k: v for k, v in landing.params.items() if k not in ("page_referrer", ID_PARAM, VARIANT_PARAM)}
    return Event(
        person=landing.person,
        session=landing.session,
        user_id=landing.user_id,
        ts_us=at_us,
        name="file_download",
        params={
            **base,
            "file_name": catalog.LEAD_MAGNET_FILE,
            "file_extension": "pdf",
            "link_url": f"{catalog.SHOP_URL}/files/{catalog.LEAD_MAGNET_FILE}",
        },
        page_location=landing.page_location,
        page_title=landing.page_title,
        batch_page_id=landing.batch_page_id,
        batch_ordering_id=landing.batch_ordering_id,
        batch_event_index=landing.batch_event_index + 1,
    )
