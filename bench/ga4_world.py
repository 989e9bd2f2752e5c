"""A GA4-only world written fast as BigQuery export files: the input of `python -m bench whole`.

The sandbox's exporter (sandbox/ga4_export.py) writes one Python dict per event: right for a few
thousand persons, hours for the benchmark's 10-50 million events. This module writes the same wire
format from numpy arrays: each day's sessions are planned as arrays, expanded into events through
small per-block templates, assembled into one pyarrow Table of GA4_EXPORT_SCHEMA (nested columns
from flat arrays and offsets), and written as `events_YYYYMMDD.parquet` or, through pyarrow string
kernels, as BigQuery's newline-delimited JSON (`events_YYYYMMDD.json.gz`: INT64 quoted, NULL fields
left out, REPEATED fields as arrays). Both formats of one world hold the same rows.

The shop: persons with 1-3 browsers (user_pseudo_id "<random>.<first-touch second>"); 35% hold an
account (~30% of the persons seen in 28 days log in), and from a browser's login on GA4 sets
user_id on its events (the login event itself has none, as gtag sends it before the id is set),
so a person's browsers share a customer_id. Sessions land (first_visit on a browser's first
session, session_start, page_view), browse (page_view, user_engagement with engagement_time_msec,
view_item with items, pricing and guide pages, guide.pdf downloads, newsletter sign_up, videos)
and some go down the funnel (add_to_cart, begin_checkout, add_payment_info, purchase with a unique
transaction_id, value, EUR and items): the names and params conversions.yml's micro-conversions
and funnels match.
Traffic comes direct, organic, through Google Ads (a gclid per click), Meta (fbclid and UTMs),
the newsletter or referrals. Timestamps are microseconds inside the file's UTC day, ordered within
a session. The same arguments (events, shape, days, seed, first_day) write the same rows, in
either file format.

Shapes (the issue's stress shapes; every shape writes exactly `events` rows):
- normal: the shop above.
- heavy_persons: persons of ~1,000 events each (events / 1,000 persons, all returning visitors).
- hub: normal, plus one user_id (HUB_USER_ID) logged in on `hub_size` (10,000) new browsers, a
  shared shop-floor login. Under the default guardrails (microfunnel/conversions.py
  DEFAULT_MAX_LINKS: a customer_id may link 4 anonymous_ids) int_identifiers_cut cuts that
  customer_id, so it links nothing and the 10,000 browsers stay apart; with the cap lifted the hub
  is one component of 10,001 identifiers (plus the browsers' click ids).
- chain: normal, plus `chain_length` (2,000) browsers where browser i logs in as CHAIN_USER_ID+i
  in one session and as CHAIN_USER_ID+i+1 in a later one: a path u0-c0-u1-c1-...-u2000 of 4,001
  identifiers and 4,000 edges. Under the default guardrails every chain browser links 2
  customer_ids (cap 1: anonymous_id -> customer_id), so all 2,000 are cut and the chain falls
  apart into single identifiers; only with that cap lifted does the stitcher see the long path.
  (No GA4-only graph can hold a long path under the defaults: a browser links at most one
  customer, a click id at most one browser.)

Incremental days: `write_day(out_dir, day, ...)` with the arguments of the world writes the file
of any one day of it, byte for byte what generate_world wrote, or a day after the world's last
(day index >= days): the same persons and browsers, session numbers and logins continuing from
the days before (it replays their cheap session plan, not their events), at the world's daily
volume (events // days). Browsers first seen up to 7 days after the world are born then.

Speed, measured on the shared 2-core machine (load ~2-5 from other work): Parquet 1M events in
2.9 s, 10M in 38 s, 50M in 253 s (peak memory 0.26 / 0.63 / 1.1 GB: a day is built and written
CHUNK_EVENTS rows at a time); NDJSON.gz 1M in 11 s, about 4x Parquet (text building by Arrow
kernels, gzip level 1 in a second thread). `python -m bench.ga4_world --help` to try it.
"""

from __future__ import annotations

import argparse
import gzip
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from microfunnel.ga4_export_schema import GA4_EXPORT_SCHEMA, KEY_VALUE
from sandbox import catalog

SECOND_US = 1_000_000
HOUR_US = 3_600 * SECOND_US
DAY_US = 24 * HOUR_US
FILE_SUFFIX = {"ndjson.gz": "json.gz", "parquet": "parquet"}
SHAPES = ("normal", "heavy_persons", "hub", "chain")
KEEP = -2  # a forced session's user_id override meaning: what the browser's state says
CUSTOMER_ID_BASE = 7_300_000_000_000  # + person index: the shop's customer id, GA4's user_id
HUB_USER_ID = 7_390_000_000_000
CHAIN_USER_ID_BASE = 7_380_000_000_000
CHUNK_EVENTS = 250_000  # rows built and written at a time (a Parquet row group): bounds memory
JSON_SLICE_ROWS = 20_000  # rows turned into JSON text at a time
GZIP_LEVEL = 1  # the fastest level: gzip is most of the NDJSON time; reading is as fast as at 6
LOOKAHEAD_DAYS = 7  # new visitors keep arriving for a week after the world, for incremental days
ACCOUNT_SHARE = 0.35  # of persons hold an account; ~30% of the persons seen log in within 28 days
NEW_VISITOR_SHARE = 0.25  # of a day's events, roughly, in new browsers' first sessions
RETURNING_PERSONS_PER_NEW = 0.6  # returning persons before the world, per new person per day
P_CART, P_CHECKOUT, P_PURCHASE = 0.12, 0.5, 0.6  # session -> cart -> checkout -> purchase

EVENT_NAMES = (
    "first_visit",
    "session_start",
    "page_view",
    "login",
    "user_engagement",
    "view_item",
    "video_start",
    "video_complete",
    "file_download",
    "sign_up",
    "add_to_cart",
    "begin_checkout",
    "add_payment_info",
    "purchase",
)
EV = {name: code for code, name in enumerate(EVENT_NAMES)}
# seconds from the previous event of the session to this one: minimum + exponential mean
GAP_SECONDS = {
    "page_view": (0.2, 0.5),
    "login": (3, 10),
    "user_engagement": (3, 35),
    "view_item": (1, 0.5),
    "video_start": (4, 3),
    "video_complete": (20, 30),
    "file_download": (5, 5),
    "sign_up": (6, 5),
    "add_to_cart": (3, 15),
    "begin_checkout": (1, 1),
    "add_payment_info": (20, 40),
    "purchase": (1.5, 1),
}

# A session is a sequence of blocks: (name, the page the block opens, its events in order).
BLOCKS = (
    ("land_new", "landing", ("first_visit", "session_start", "page_view")),
    ("land", "landing", ("session_start", "page_view")),
    ("login", None, ("login",)),
    ("content", "content", ("user_engagement", "page_view")),
    ("product", "product", ("user_engagement", "page_view", "view_item")),
    ("video", "product", ("user_engagement", "page_view", "view_item", "video_start", "video_complete")),
    ("pricing", "pricing", ("user_engagement", "page_view")),
    ("guide", "guide", ("user_engagement", "page_view")),
    ("download", "guide", ("user_engagement", "page_view", "file_download")),
    ("sign_up", None, ("sign_up",)),
    ("cart", "product", ("user_engagement", "page_view", "view_item", "add_to_cart")),
    ("checkout", "checkout", ("user_engagement", "page_view", "begin_checkout")),
    ("pay", None, ("add_payment_info",)),
    ("purchase", "thank_you", ("user_engagement", "page_view", "purchase")),
    ("end", None, ("user_engagement",)),
)
BL = {name: code for code, (name, _, _) in enumerate(BLOCKS)}
BROWSE_MIX = {
    "content": 0.30,
    "product": 0.40,
    "video": 0.05,
    "pricing": 0.10,
    "guide": 0.07,
    "download": 0.05,
    "sign_up": 0.03,
}
PAGE_KINDS = ("landing", "content", "product", "pricing", "guide", "checkout", "thank_you")

PRODUCT_PAGES = [(f"/products/{p.slug}", p.name) for p in catalog.PRODUCTS]
PAGES = (
    catalog.CONTENT_PAGES
    + PRODUCT_PAGES
    + catalog.PRICING_PAGES
    + [catalog.GUIDE_PAGE, ("/checkout", "Checkout"), ("/checkout/thank-you", "Thank you")]
)
PAGE_CODE = {path: code for code, (path, _) in enumerate(PAGES)}
PRODUCT_PAGE_0 = PAGE_CODE[PRODUCT_PAGES[0][0]]
PRICING_PAGE_0 = PAGE_CODE[catalog.PRICING_PAGES[0][0]]
LANDINGS = ("/", "/collections/shoes", "product", "/blog/how-to-choose-trail-shoes", catalog.GUIDE_PAGE[0])
LANDING_SHARES = (0.3, 0.25, 0.25, 0.1, 0.1)

_META = next(c for c in catalog.CAMPAIGNS if c.platform == "meta_ads" and not c.retargeting)


@dataclass(frozen=True)
class Channel:
    """How a session arrived: event params, collected_traffic_source and the landing URL's query."""

    source: str
    medium: str
    campaign: str | None
    referrer: str
    share: float
    query: str | None = None  # appended to the landing page_location, before the click id
    click_prefix: str | None = None  # gclid / fbclid: a new click id per session
    manual: bool = False  # collected_traffic_source carries manual_* (UTMs, referrals)
    campaign_id: str | None = None
    content: str | None = None


CHANNELS = (
    Channel("(direct)", "(none)", None, "", 0.30),
    Channel("google", "organic", None, "https://www.google.com/", 0.25),
    *(  # Google Ads: 13% of visits, split as the campaigns acquire
        Channel(
            "google",
            "cpc",
            c.utm_campaign,
            "https://www.google.com/",
            0.13 * c.acquisition_weight,
            "?gclid=",
            "Cj0KCQ",
        )
        for c in catalog.campaigns_of("google_ads")
    ),
    Channel(
        "facebook",
        "paid_social",
        _META.utm_campaign,
        "https://m.facebook.com/",
        0.10,
        f"?utm_source=facebook&utm_medium=paid_social&utm_campaign={_META.utm_campaign}"
        f"&utm_id={_META.campaign_id}&utm_content={_META.ad_group_ids[0]}&fbclid=",
        "IwAR",
        manual=True,
        campaign_id=_META.campaign_id,
        content=_META.ad_group_ids[0],
    ),
    Channel(
        "newsletter",
        "email",
        "weekly_digest",
        "",
        0.08,
        "?utm_source=newsletter&utm_medium=email&utm_campaign=weekly_digest",
        manual=True,
    ),
    Channel(
        "blog.runners.example", "referral", None, "https://blog.runners.example/best-shoes", 0.14, manual=True
    ),
)
CHANNEL_NONE = np.array([c.medium == "(none)" for c in CHANNELS])
DEVICES = (  # category, operating system, browser, mobile brand, share
    ("desktop", "Windows", "Chrome", None, 0.30),
    ("desktop", "Macintosh", "Safari", None, 0.12),
    ("mobile", "iOS", "Safari", "Apple", 0.30),
    ("mobile", "Android", "Chrome", "Google", 0.20),
    ("tablet", "iOS", "Safari", "Apple", 0.08),
)
COUNTRIES = (  # country, city, continent, sub-continent
    ("Germany", "Berlin", "Europe", "Western Europe"),
    ("Austria", "Vienna", "Europe", "Western Europe"),
    ("Switzerland", "Zurich", "Europe", "Western Europe"),
    ("Netherlands", "Amsterdam", "Europe", "Western Europe"),
)
EXPERIMENT = ("landing_guide_offer", ("control", "guide_banner"))
LEAD_MAGNET_URL = f"{catalog.SHOP_URL}/files/{catalog.LEAD_MAGNET_FILE}"


@dataclass(frozen=True)
class WorldShape:
    """What kind of shop: a normal one, or one of the identity stress shapes (module docstring)."""

    name: str = "normal"  # "normal" | "heavy_persons" | "hub" | "chain"
    person_events: int = 1_000  # heavy_persons: events per person
    hub_size: int = 10_000  # hub: browsers sharing the one user_id
    chain_length: int = 2_000  # chain: browsers in the login chain (2 edges each)


@dataclass(frozen=True)
class GeneratedWorld:
    folder: Path  # the export folder (one file per day: events_YYYYMMDD.json.gz or events_YYYYMMDD.parquet)
    file_format: str  # "ndjson.gz" | "parquet"
    events: int  # rows written
    persons: int  # persons with at least one event
    days: int
    first_day: date
    last_day: date
    seconds: float  # time it took to generate


def generate_world(
    out_dir: Path,
    events: int,
    file_format: str,
    shape: str | WorldShape = "normal",
    days: int = 28,
    seed: int = 7,
    first_day: date = date(2026, 10, 1),
) -> GeneratedWorld:
    """Write `days` export files holding `events` rows in all into `out_dir` (files of other days
    in it are left alone); a world is the same for the same arguments."""
    started = time.perf_counter()
    world = _World(events, _shape(shape), days, seed, first_day)
    _check_format(file_format)
    out_dir.mkdir(parents=True, exist_ok=True)
    state = world.initial_state()
    for day_index in range(days):
        _write_day(world, state, day_index, out_dir, file_format)
    return GeneratedWorld(
        folder=out_dir,
        file_format=file_format,
        events=events,
        persons=int(state.seen_person.sum()),
        days=days,
        first_day=first_day,
        last_day=first_day + timedelta(days=days - 1),
        seconds=time.perf_counter() - started,
    )


def write_day(
    out_dir: Path,
    day: date,
    events: int,
    file_format: str,
    shape: str | WorldShape = "normal",
    days: int = 28,
    seed: int = 7,
    first_day: date = date(2026, 10, 1),
) -> Path:
    """Write the export file of one `day` of the world generate_world(out_dir, events, ...) makes
    with the same arguments: a day inside it (the same file again) or after it (the next day of an
    incremental run: the same persons, sessions and logins continuing, events // days rows)."""
    world = _World(events, _shape(shape), days, seed, first_day)
    _check_format(file_format)
    day_index = (day - first_day).days
    if day_index < 0:
        raise ValueError(f"day {day} is before the world's first day {first_day}")
    out_dir.mkdir(parents=True, exist_ok=True)
    state = world.initial_state()
    for earlier in range(day_index):
        _plan_day(world, state, earlier)
    return _write_day(world, state, day_index, out_dir, file_format)


def population_table(
    events: int,
    shape: str | WorldShape = "normal",
    days: int = 28,
    seed: int = 7,
    first_day: date = date(2026, 10, 1),
) -> pa.Table:
    """The world's browsers and who they belong to, the truth a stitcher is measured against:
    user_pseudo_id, person (an index), and user_id (the account it logs in as, if any; the hub's
    and chain's ids are not listed, they are the shape's doing, not a person's)."""
    world = _World(events, _shape(shape), days, seed, first_day)
    customer = world.cookie_uid
    return pa.table(
        {
            "user_pseudo_id": world.pseudo_ids,
            "person": pa.array(world.cookie_person),
            "user_id": pc.cast(pa.array(customer, mask=customer < 0), pa.string()),
        }
    )


def _shape(shape: str | WorldShape) -> WorldShape:
    shape = shape if isinstance(shape, WorldShape) else WorldShape(shape)
    if shape.name not in SHAPES:
        raise ValueError(f"unknown world shape {shape.name!r}; choose from {', '.join(SHAPES)}")
    return shape


def _check_format(file_format: str) -> None:
    if file_format not in FILE_SUFFIX:
        raise ValueError(f"unknown file format {file_format!r}; choose from {', '.join(FILE_SUFFIX)}")


# -- the population: persons, browsers, accounts, and the sessions that must happen -------------------


class _World:
    """Everything fixed about a world before its first day: persons, their browsers, when each
    browser first appears and logs in, and the forced sessions (new browsers' first sessions,
    the hub's and the chain's logins); the days only decide who else visits."""

    def __init__(self, events: int, shape: WorldShape, days: int, seed: int, first_day: date):
        if events < 0 or days < 1:
            raise ValueError(f"need events >= 0 and days >= 1, got events={events}, days={days}")
        self.events, self.shape, self.days, self.seed, self.first_day = events, shape, days, seed, first_day
        midnight = datetime(first_day.year, first_day.month, first_day.day, tzinfo=UTC)
        self.start_us = int(midnight.timestamp()) * SECOND_US
        self.mean_pages = 8.0 if shape.name == "heavy_persons" else 3.0
        rng = np.random.default_rng([seed, 1])
        first_birth, weight, account_login_day = self._persons(rng)
        special = {"hub": shape.hub_size, "chain": shape.chain_length}.get(shape.name, 0)
        self.regular_persons, self.n_persons = len(first_birth), len(first_birth) + special
        self.person_weight = np.concatenate([weight, np.zeros(special)])  # hub, chain: forced only
        first_birth = np.concatenate([first_birth, (np.arange(special) * days) // max(special, 1)])
        self._browsers(rng, first_birth, account_login_day)
        self._forced()
        sample = _draw_bodies(np.random.default_rng([seed, 2]), 4_000, self.mean_pages)
        self.mean_session_events = float(sample[2].mean()) + 2.4  # + landing and login

    def _persons(self, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The shop's own persons: the day each is first seen (negative: a returning visitor from
        before the world), how often they come back, and the day account holders log in (-1: no
        account)."""
        if self.shape.name == "heavy_persons":
            persons = max(1, round(self.events / self.shape.person_events))
            first_birth = -rng.integers(1, 91, persons)
            weight = np.ones(persons)
        else:  # new persons every day (and a week after, for incremental days) and returning ones
            new_per_day = round(NEW_VISITOR_SHARE * (self.events // self.days) / 12)
            returning = max(1, round(RETURNING_PERSONS_PER_NEW * new_per_day * self.days))
            first_birth = np.concatenate(
                [
                    -rng.integers(1, 91, returning),
                    np.repeat(np.arange(self.days + LOOKAHEAD_DAYS), new_per_day),
                ]
            )
            weight = rng.lognormal(0, 1, len(first_birth))
        # most account holders log in on their first visit (to see an order), the rest days later
        later = np.where(rng.random(len(first_birth)) < 0.7, 0, np.ceil(rng.exponential(5, len(first_birth))))
        login_day = np.maximum(first_birth, 0) + later.astype(np.int64)
        has_account = rng.random(len(first_birth)) < ACCOUNT_SHARE
        return first_birth, weight, np.where(has_account, login_day, -1)

    def _browsers(
        self, rng: np.random.Generator, first_birth: np.ndarray, account_login_day: np.ndarray
    ) -> None:
        """Each person's browsers (1-3; the hub's and chain's one), born days apart, and how each
        looks in the export: device, first-touch channel, user_pseudo_id, the account it logs in as."""
        n_cookies = rng.choice([1, 2, 3], self.n_persons, p=[0.6, 0.3, 0.1])
        n_cookies[self.regular_persons :] = 1
        self.first_cookie = np.cumsum(n_cookies) - n_cookies
        self.cookie_person = person = np.repeat(np.arange(self.n_persons), n_cookies)
        cookies = len(person)
        is_first = np.arange(cookies) == self.first_cookie[person]
        later = np.cumsum(np.where(is_first, 0, np.ceil(rng.exponential(10, cookies)).astype(np.int64)))
        self.cookie_birth_day = first_birth[person] + later - later[self.first_cookie][person]
        self.special_cookie = person >= self.regular_persons
        chain = self.special_cookie & (self.shape.name == "chain")  # first login before noon
        time_of_day = np.where(
            chain, rng.integers(0, 10 * HOUR_US, cookies), rng.integers(0, 22 * HOUR_US, cookies)
        )
        self.cookie_birth_us = self.start_us + self.cookie_birth_day * DAY_US + time_of_day
        login_day = np.concatenate([account_login_day, np.full(self.n_persons - self.regular_persons, -1)])[
            person
        ]
        logs_in = (login_day >= 0) & (is_first | (rng.random(cookies) < 0.8))
        self.cookie_uid = np.where(logs_in, CUSTOMER_ID_BASE + person, -1)
        self.cookie_login_day = np.maximum(login_day, self.cookie_birth_day)
        self.cookie_device = rng.choice(len(DEVICES), cookies, p=[d[-1] for d in DEVICES])
        self.cookie_channel = rng.choice(len(CHANNELS), cookies, p=[c.share for c in CHANNELS])
        self.person_country = rng.integers(0, len(COUNTRIES), self.n_persons)
        self.initial_sessions = np.where(self.cookie_birth_day < 0, rng.geometric(0.3, cookies), 0)
        random_part = pc.cast(pa.array(rng.integers(1_000_000_000, 2_147_483_647, cookies)), pa.string())
        first_touch = pc.cast(pa.array(self.cookie_birth_us // SECOND_US), pa.string())
        self.pseudo_ids = pc.binary_join_element_wise(random_part, first_touch, ".")

    def _forced(self) -> None:
        """Sessions that happen whoever else visits: each browser's first (first_visit; the hub's
        login, the chain's first login) and every chain browser's second login; by day and start."""
        born = np.flatnonzero(self.cookie_birth_day >= 0)
        day, start = self.cookie_birth_day[born], self.cookie_birth_us[born]
        limit = self.start_us + (day + 1) * DAY_US - SECOND_US
        before = np.full(len(born), KEEP)
        after = np.full(len(born), KEEP)
        special = self.special_cookie[born]
        link = born[special] - self.first_cookie[self.regular_persons] if special.any() else born[special]
        new = np.ones(len(born), bool)
        if self.shape.name == "hub":
            after[special] = HUB_USER_ID
        if self.shape.name == "chain":
            after[special] = CHAIN_USER_ID_BASE + link
            limit[special] = self.start_us + day[special] * DAY_US + 12 * HOUR_US
            second_day = np.minimum(day[special] + 1, self.days - 1)
            afternoon = np.random.default_rng([self.seed, 3]).integers(0, 10 * HOUR_US, len(link))
            born = np.concatenate([born, born[special]])
            day = np.concatenate([day, second_day])
            start = np.concatenate([start, self.start_us + second_day * DAY_US + 12 * HOUR_US + afternoon])
            limit = np.concatenate([limit, self.start_us + (second_day + 1) * DAY_US - SECOND_US])
            before = np.concatenate([before, CHAIN_USER_ID_BASE + link])
            after = np.concatenate([after, CHAIN_USER_ID_BASE + link + 1])
            new = np.concatenate([new, np.zeros(len(link), bool)])
        order = np.lexsort((start, day))
        self.forced = {
            "cookie": born[order],
            "day": day[order],
            "start": start[order],
            "limit": limit[order],
            "before": before[order],
            "after": after[order],
            "new": new[order],
        }

    def day_events(self, day_index: int) -> int:
        """The world's events spread evenly over its days; a day after them gets the daily base."""
        base, extra = divmod(self.events, self.days)
        return base + (1 if day_index < extra else 0)

    def initial_state(self) -> _State:
        return _State(
            sessions=self.initial_sessions.astype(np.int64),
            uid=np.full(len(self.cookie_person), -1, np.int64),
            seen_person=np.zeros(self.n_persons, bool),
        )


@dataclass
class _State:
    """What the days so far leave behind: sessions per browser, who is logged in on it."""

    sessions: np.ndarray
    uid: np.ndarray
    seen_person: np.ndarray


@dataclass
class _Sessions:
    """Sessions of one day, in the order their events are written."""

    cookie: np.ndarray
    start: np.ndarray  # microseconds since the epoch
    limit: np.ndarray  # the session must end before this
    new: np.ndarray  # the browser's first session: first_visit
    login: np.ndarray  # a login event after landing
    uid_before: np.ndarray  # user_id before the login (-1: none)
    uid_after: np.ndarray
    number: np.ndarray  # ga_session_number
    body_offsets: np.ndarray  # blocks after the landing (and login), per session
    body: np.ndarray
    length: np.ndarray  # events written (the day's last session may be cut short)

    def __len__(self) -> int:
        return len(self.cookie)

    def slice(self, start: int, stop: int) -> _Sessions:
        """Sessions start..stop-1; their blocks stay in `body`, found through the offsets."""
        fields = {k: v[start:stop] for k, v in vars(self).items() if k not in ("body_offsets", "body")}
        return _Sessions(**fields, body_offsets=self.body_offsets[start : stop + 1], body=self.body)

    def head(self, n: int) -> _Sessions:
        fields = {k: v[:n] for k, v in vars(self).items() if k not in ("body_offsets", "body")}
        offsets = self.body_offsets[: n + 1]
        return _Sessions(**fields, body_offsets=offsets, body=self.body[: offsets[-1]])

    @staticmethod
    def concat(parts: list[_Sessions]) -> _Sessions:
        fields = {
            k: np.concatenate([getattr(p, k) for p in parts])
            for k in vars(parts[0])
            if k not in ("body_offsets", "body")
        }
        shifts = np.cumsum([0] + [p.body_offsets[-1] for p in parts[:-1]])
        offsets = np.concatenate(
            [parts[0].body_offsets[:1]] + [p.body_offsets[1:] + s for p, s in zip(parts, shifts, strict=True)]
        )
        return _Sessions(**fields, body_offsets=offsets, body=np.concatenate([p.body for p in parts]))


# -- planning a day: who visits, how long, who logs in ----------------------------------------------


def _plan_day(world: _World, state: _State, day_index: int) -> _Sessions:
    """The day's sessions, exactly world.day_events(day_index) events in all, and the state after.

    First the forced sessions (new browsers, hub and chain logins); then returning persons, in a
    random order weighted by how often they visit, one session each, until the day's events are
    reached (the last session cut short). A day needing more goes round again, each round in its
    own stretch of the day, so one browser's sessions never overlap."""
    rng = np.random.default_rng([world.seed, day_index, 0])
    budget = world.day_events(day_index)
    forced = world.forced
    lo, hi = np.searchsorted(forced["day"], [day_index, day_index + 1])
    pick = {k: v[lo:hi] for k, v in forced.items()}
    parts = []
    if hi > lo:
        sessions = _sessions(
            world, state, rng, day_index, pick["cookie"], pick["new"], pick["before"], pick["after"]
        )
        sessions.start, sessions.limit = pick["start"], pick["limit"]
        if sessions.length.sum() > budget:
            raise ValueError(
                f"day {day_index}: the {int(sessions.length.sum()):,} events of the sessions that must "
                f"happen (new browsers' first visits, {world.shape.name} logins) exceed the day's "
                f"{budget:,} events; generate more events or a smaller hub_size/chain_length"
            )
        _advance(world, state, sessions)
        parts.append(sessions)
        budget -= int(sessions.length.sum())
    eligible_cookies = np.add.reduceat(world.cookie_birth_day < day_index, world.first_cookie)
    eligible = np.flatnonzero((eligible_cookies > 0) & (world.person_weight > 0))
    fill: list[tuple[int, _Sessions]] = []
    rounds = 0
    while budget > 0:
        if eligible.size == 0:
            raise ValueError(f"day {day_index}: no returning visitor to fill {budget:,} events with")
        keys = np.log(rng.random(eligible.size)) / world.person_weight[eligible]
        order = eligible[np.argsort(-keys, kind="stable")]
        position = 0
        while budget > 0 and position < order.size:
            n = min(order.size - position, int(budget / world.mean_session_events * 1.2) + 16)
            persons = order[position : position + n]
            position += n
            cookie = world.first_cookie[persons] + (rng.random(n) * eligible_cookies[persons]).astype(
                np.int64
            )
            keep = np.full(n, KEEP)
            sessions = _sessions(world, state, rng, day_index, cookie, np.zeros(n, bool), keep, keep)
            total = np.cumsum(sessions.length)
            if total[-1] >= budget:
                cut = int(np.searchsorted(total, budget))
                sessions = sessions.head(cut + 1)
                sessions.length[cut] -= total[cut] - budget
                budget = 0
            else:
                budget -= int(total[-1])
            _advance(world, state, sessions)
            fill.append((rounds, sessions))
        rounds += 1
    window = DAY_US // max(rounds, 1)
    day_start = world.start_us + day_index * DAY_US
    for round_index, sessions in fill:
        offset = (rng.random(len(sessions)) * 0.9 * window).astype(np.int64)
        sessions.start = day_start + round_index * window + offset
        sessions.limit = np.full(len(sessions), day_start + (round_index + 1) * window - SECOND_US)
        parts.append(sessions)
    if not parts:
        return _empty_sessions()
    return _Sessions.concat(parts)


def _sessions(world, state, rng, day_index, cookie, new, before, after) -> _Sessions:
    """Sessions of these browsers today: who is logged in before and after, how many events."""
    known = state.uid[cookie]
    uid_before = np.where(before != KEEP, before, known)
    due = (world.cookie_uid[cookie] >= 0) & (known < 0) & (world.cookie_login_day[cookie] <= day_index)
    login = np.where(after != KEEP, True, due)
    uid_after = np.where(after != KEEP, after, np.where(due, world.cookie_uid[cookie], uid_before))
    offsets, body, body_events = _draw_bodies(rng, len(cookie), world.mean_pages)
    length = np.where(new, 3, 2) + login + body_events
    order = np.argsort(cookie, kind="stable")  # a browser can have two (a chain's logins on one day)
    ranked = cookie[order]
    first_of_run = np.r_[True, ranked[1:] != ranked[:-1]]
    rank = np.empty(len(cookie), np.int64)
    rank[order] = np.arange(len(cookie)) - np.maximum.accumulate(
        np.where(first_of_run, np.arange(len(cookie)), 0)
    )
    zeros = np.zeros(len(cookie), np.int64)
    return _Sessions(
        cookie=cookie,
        start=zeros,
        limit=zeros,
        new=new,
        login=login,
        uid_before=uid_before,
        uid_after=uid_after,
        number=state.sessions[cookie] + rank + 1,
        body_offsets=offsets,
        body=body,
        length=length.astype(np.int64),
    )


def _advance(world: _World, state: _State, sessions: _Sessions) -> None:
    np.add.at(state.sessions, sessions.cookie, 1)
    logged_in = sessions.login & (sessions.length > np.where(sessions.new, 3, 2))
    state.uid[sessions.cookie[logged_in]] = sessions.uid_after[logged_in]
    state.seen_person[world.cookie_person[sessions.cookie]] = True


def _draw_bodies(rng: np.random.Generator, n: int, mean_pages: float):
    """What n sessions do after landing, as block codes: browsing, maybe the funnel, the last
    user_engagement. Returns (offsets, blocks, events per session)."""
    pages = rng.geometric(1 / mean_pages, n)
    browse = rng.choice([BL[b] for b in BROWSE_MIX], int(pages.sum()), p=list(BROWSE_MIX.values()))
    roll = rng.random((4, n))
    carts = (roll[0] < P_CART) * (1 + (roll[1] < 0.25))
    checkout = (carts > 0) & (roll[2] < P_CHECKOUT)
    bought = checkout & (roll[3] < P_PURCHASE)
    count = pages + carts + checkout + 2 * bought + 1
    offsets = np.concatenate([[0], np.cumsum(count)])
    start = offsets[:-1]
    body = np.empty(offsets[-1], np.int8)
    body[np.repeat(start, pages) + _ranges(pages)] = browse
    body[np.repeat(start + pages, carts) + _ranges(carts)] = BL["cart"]
    at = start + pages + carts
    body[at[checkout]] = BL["checkout"]
    body[at[bought] + 1] = BL["pay"]
    body[at[bought] + 2] = BL["purchase"]
    body[offsets[1:] - 1] = BL["end"]
    events = np.add.reduceat(_templates().length[body], start) if n else np.zeros(0, np.int64)
    return offsets, body, events


def _empty_sessions() -> _Sessions:
    empty = {f.name: np.zeros(0, np.int64) for f in fields(_Sessions)}
    flags = {"new": np.zeros(0, bool), "login": np.zeros(0, bool)}
    return _Sessions(**empty | flags | {"body_offsets": np.zeros(1, np.int64)})


def _ranges(counts: np.ndarray) -> np.ndarray:
    """0..c-1 for each count c, concatenated."""
    counts = np.asarray(counts, np.int64)
    return np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)


# -- building a day's events as an Arrow table -------------------------------------------------------


@dataclass(frozen=True)
class _Templates:
    length: np.ndarray  # events per block
    start: np.ndarray  # where each block's events start in the flat arrays below
    page_kind: np.ndarray  # per block: index in PAGE_KINDS, -1 none
    name: np.ndarray  # per template event: event name code
    batch_index: np.ndarray  # batch_event_index (the landing events share one batch)
    opens_page: np.ndarray  # the event a new page (batch_page_id) starts at
    gap_min: np.ndarray  # per event name
    gap_mean: np.ndarray


@cache
def _templates() -> _Templates:
    length = np.array([len(events) for _, _, events in BLOCKS])
    names, batch_index, opens = [], [], []
    for _, page, events in BLOCKS:
        landing = page == "landing"
        for position, name in enumerate(events):
            names.append(EV[name])
            batch_index.append(position if landing else 0)
            opens.append(position == 0 if landing else name == "page_view")
    gaps = [GAP_SECONDS.get(name, (0, 0)) for name in EVENT_NAMES]
    return _Templates(
        length=length,
        start=np.cumsum(length) - length,
        page_kind=np.array([PAGE_KINDS.index(page) if page else -1 for _, page, _ in BLOCKS]),
        name=np.array(names),
        batch_index=np.array(batch_index),
        opens_page=np.array(opens),
        gap_min=np.array([g[0] for g in gaps]) * SECOND_US,
        gap_mean=np.array([g[1] for g in gaps]) * SECOND_US,
    )


class _Strings:
    """The fixed strings of the export (pages, titles, params), each with a code."""

    def __init__(self):
        self.values: list[str] = []
        self.codes: dict[str, int] = {}

    def code(self, value: str | None) -> int:
        if value is None:
            return -1
        if value not in self.codes:
            self.codes[value] = len(self.values)
            self.values.append(value)
        return self.codes[value]


@dataclass(frozen=True)
class _Static:
    strings: pa.Array
    code: dict[str, int]
    page_location: np.ndarray
    page_title: np.ndarray
    video_title: np.ndarray  # per product
    channel: dict[str, np.ndarray]  # per channel: source, medium, campaign, referrer, query, ...
    keys: pa.Array  # event_params keys
    key_code: dict[str, int]
    devices: pa.Array
    geos: pa.Array
    traffic: pa.Array  # traffic_source per channel (the browser's first touch)
    privacy: pa.Array
    item_id: pa.Array
    item_name: pa.Array
    item_category: pa.Array
    price: np.ndarray


@cache
def _static() -> _Static:
    strings = _Strings()
    code = strings.code
    for value in ("EUR", "email", "newsletter", "card", "pdf", "", *EXPERIMENT[1], EXPERIMENT[0]):
        code(value)
    code(catalog.LEAD_MAGNET_FILE)
    code(LEAD_MAGNET_URL)
    channel = {
        field: np.array([code(getattr(c, field)) for c in CHANNELS])
        for field in (
            "source",
            "medium",
            "campaign",
            "referrer",
            "query",
            "click_prefix",
            "campaign_id",
            "content",
        )
    }
    channel["manual"] = np.array([c.manual for c in CHANNELS])
    param_keys = (
        "ga_session_id ga_session_number page_location page_title page_referrer entrances "
        "engagement_time_msec "
        "exp_id exp_variant method file_name file_extension link_url video_title payment_type currency value "
        "transaction_id source medium campaign"
    ).split()
    struct = GA4_EXPORT_SCHEMA.field
    device_type = struct("device").type
    devices = [
        {
            "category": category,
            "mobile_brand_name": brand,
            "operating_system": system,
            "language": "de-de",
            "is_limited_ad_tracking": "No",
            "web_info": {"browser": browser, "browser_version": "130.0", "hostname": catalog.SHOP_HOST},
        }
        for category, system, browser, brand, _ in DEVICES
    ]
    geos = [
        {"city": city, "country": country, "continent": continent, "region": city, "sub_continent": sub}
        for country, city, continent, sub in COUNTRIES
    ]
    traffic = [{"name": c.campaign or "(direct)", "medium": c.medium, "source": c.source} for c in CHANNELS]
    privacy = [{"analytics_storage": "Yes", "ads_storage": "Yes", "uses_transient_token": "No"}]
    page_location = np.array([code(f"{catalog.SHOP_URL}{path}") for path, _ in PAGES])
    page_title = np.array([code(title) for _, title in PAGES])
    video_title = np.array([code(f"{p.name} in action") for p in catalog.PRODUCTS])
    return _Static(  # every string coded above: the array holds them all
        strings=pa.array(strings.values, pa.string()),
        code=strings.codes,
        page_location=page_location,
        page_title=page_title,
        video_title=video_title,
        channel=channel,
        keys=pa.array(param_keys),
        key_code={key: n for n, key in enumerate(param_keys)},
        devices=pa.array(devices, device_type),
        geos=pa.array(geos, struct("geo").type),
        traffic=pa.array(traffic, struct("traffic_source").type),
        privacy=pa.array(privacy, struct("privacy_info").type),
        item_id=pa.array([p.item_id for p in catalog.PRODUCTS]),
        item_name=pa.array([p.name for p in catalog.PRODUCTS]),
        item_category=pa.array([p.category for p in catalog.PRODUCTS]),
        price=np.array([float(p.price) for p in catalog.PRODUCTS]),
    )


class _Params:
    """event_params built key by key (one scatter per key, no per-event loop), in a fixed order."""

    def __init__(self, events: int):
        self.events = events
        self.items: list[tuple[str, str, np.ndarray, np.ndarray]] = []

    def add(self, key: str, kind: str, where: np.ndarray | None, values: np.ndarray) -> None:
        index = np.arange(self.events) if where is None else np.flatnonzero(where)
        values = values if where is None else values[where]
        self.items.append((key, kind, index, values))

    def build(self, static: _Static, pool: pa.Array) -> pa.Array:
        count = np.zeros(self.events, np.int64)
        for _, _, index, _ in self.items:
            count[index] += 1
        offsets = np.concatenate([[0], np.cumsum(count)])
        total = int(offsets[-1])
        fill = offsets[:-1].copy()
        key = np.empty(total, np.int16)
        text = np.full(total, -1, np.int64)
        number = np.zeros(total, np.int64)
        has_number = np.zeros(total, bool)
        double = np.zeros(total)
        has_double = np.zeros(total, bool)
        for name, kind, index, values in self.items:
            at = fill[index]
            fill[index] += 1
            key[at] = static.key_code[name]
            if kind == "string":
                text[at] = values
            elif kind == "int":
                number[at], has_number[at] = values, True
            else:
                double[at], has_double[at] = values, True
        value_type = GA4_EXPORT_SCHEMA.field("event_params").type.value_type.field("value").type
        value = pa.StructArray.from_arrays(
            [
                pool.take(pa.array(text, mask=text < 0)),
                pa.array(number, mask=~has_number),
                pa.nulls(total, pa.float64()),
                pa.array(double, mask=~has_double),
            ],
            fields=list(value_type),
        )
        entries = pa.StructArray.from_arrays([static.keys.take(key), value], names=["key", "value"])
        return pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), entries)


def _build(world: _World, sessions: _Sessions, day_index: int, chunk: int, first_order: int) -> pa.Table:
    """The export rows of these sessions (a chunk of a day) with GA4_EXPORT_SCHEMA's columns; the
    columns repeating a few values (device, geo, event_name, ...) dictionary-encoded, so the JSON
    writer encodes each value once (`_plain` decodes them for Parquet)."""
    c = _Chunk(sessions, np.random.default_rng([world.seed, day_index, 1, chunk]))
    s = _static()
    _draw_pages(c, world)
    _clock(c)
    _cart(c, s.price)
    pool = _pool(c, s, day_index, first_order)
    cookie = sessions.cookie[c.session]
    user = np.where(c.after_login, sessions.uid_after[c.session], sessions.uid_before[c.session])
    zeros = np.zeros(c.m, np.int8)
    columns = {
        "event_date": _coded(pa.array([f"{world.first_day + timedelta(days=day_index):%Y%m%d}"]), zeros),
        "event_timestamp": pa.array(c.timestamp),
        "event_name": _coded(pa.array(EVENT_NAMES), c.name),
        "event_params": _params(c, s).build(s, pool),
        "event_bundle_sequence_id": pa.array(c.ordering_id),
        "event_server_timestamp_offset": pa.array(250_000 + c.timestamp % 700_000),
        "user_id": pc.cast(pa.array(user, mask=user < 0), pa.string()),
        "user_pseudo_id": world.pseudo_ids.take(pa.array(cookie)),
        "privacy_info": _coded(s.privacy, zeros),
        "user_properties": _coded(pa.array([[]], GA4_EXPORT_SCHEMA.field("user_properties").type), zeros),
        "user_first_touch_timestamp": pa.array(world.cookie_birth_us[cookie]),
        "device": _coded(s.devices, world.cookie_device[cookie]),
        "geo": _coded(s.geos, world.person_country[world.cookie_person[cookie]]),
        "traffic_source": _coded(s.traffic, world.cookie_channel[cookie]),
        "stream_id": _coded(pa.array([catalog.STREAM_ID]), zeros),
        "platform": _coded(pa.array(["WEB"]), zeros),
        "ecommerce": _ecommerce(c, pool),
        "items": _items(c, s),
        "collected_traffic_source": _collected(c, s, pool),
        "is_active_user": _coded(pa.array([True]), zeros),
        "batch_event_index": pa.array(c.batch_index.astype(np.int64)),
        "batch_page_id": pa.array(c.page_id),
        "batch_ordering_id": pa.array(c.ordering_id),
    }
    arrays = [columns.get(f.name, pa.nulls(c.m, f.type)) for f in GA4_EXPORT_SCHEMA]
    return pa.Table.from_arrays(arrays, names=GA4_EXPORT_SCHEMA.names)


class _Chunk:
    """Sessions expanded into events: flat arrays, one entry per event unless named otherwise
    (per session, per block), filled in by the steps of `_build`."""

    def __init__(self, sessions: _Sessions, rng: np.random.Generator):
        t = _templates()
        self.sessions, self.rng, self.n = sessions, rng, len(sessions)
        body_count = np.diff(sessions.body_offsets)
        per_session = 1 + sessions.login + body_count  # landing, login, body
        block_start = np.cumsum(per_session) - per_session
        blocks = np.empty(int(per_session.sum()), np.int8)
        blocks[block_start] = np.where(sessions.new, BL["land_new"], BL["land"])
        blocks[block_start[sessions.login] + 1] = BL["login"]
        body = sessions.body[sessions.body_offsets[0] : sessions.body_offsets[-1]]
        blocks[np.repeat(block_start + 1 + sessions.login, body_count) + _ranges(body_count)] = body
        self.blocks, self.block_session = blocks, np.repeat(np.arange(self.n), per_session)
        block_events = t.length[blocks]
        event_block = np.repeat(np.arange(len(blocks)), block_events)
        template = t.start[blocks][event_block] + _ranges(block_events)
        position = _ranges(np.add.reduceat(block_events, block_start))
        keep = position < np.repeat(sessions.length, np.add.reduceat(block_events, block_start))
        self.event_block, self.position = event_block[keep], position[keep]
        template = template[keep]
        self.m = len(self.event_block)
        self.session = self.block_session[self.event_block]
        self.first_event = np.cumsum(sessions.length) - sessions.length
        self.name = t.name[template]
        self.batch_index = t.batch_index[template]
        opens = t.opens_page[template]
        self.opener = np.maximum.accumulate(np.where(opens, np.arange(self.m), 0))  # of the page it is on
        self.page_id = _within(np.cumsum(opens), self.first_event, self.session)
        self.ordering_id = _within(np.cumsum(self.batch_index == 0), self.first_event, self.session)
        self.on_landing = self.page_id == 1
        login_at = np.where(sessions.new, 3, 2)  # the login event follows the landing events
        self.after_login = self.position > login_at[self.session]

    def named(self, *names: str) -> np.ndarray:
        return np.isin(self.name, [EV[name] for name in names])


def _draw_pages(c: _Chunk, world: _World) -> None:
    """How each session arrived and where it landed; the page and product of every block."""
    rng, blocks = c.rng, len(c.blocks)
    shares = [channel.share for channel in CHANNELS]
    first_touch = world.cookie_channel[c.sessions.cookie]
    c.channel = np.where(c.sessions.new, first_touch, rng.choice(len(CHANNELS), c.n, p=shares))
    landing = np.array([PAGE_CODE.get(path, -1) for path in LANDINGS])[
        rng.choice(len(LANDINGS), c.n, p=LANDING_SHARES)
    ]
    c.landing_page = np.where(landing < 0, PRODUCT_PAGE_0 + rng.integers(0, len(PRODUCT_PAGES), c.n), landing)
    c.block_product = rng.integers(0, len(catalog.PRODUCTS), blocks)
    c.block_quantity = np.where(rng.random(blocks) < 0.25, 2, 1)
    kind = _templates().page_kind[c.blocks]
    block_page = np.select(
        [kind == PAGE_KINDS.index(k) for k in PAGE_KINDS],
        [
            c.landing_page[c.block_session],
            rng.integers(0, len(catalog.CONTENT_PAGES), blocks),
            PRODUCT_PAGE_0 + c.block_product,
            PRICING_PAGE_0 + rng.integers(0, len(catalog.PRICING_PAGES), blocks),
            np.full(blocks, PAGE_CODE[catalog.GUIDE_PAGE[0]]),
            np.full(blocks, PAGE_CODE["/checkout"]),
            np.full(blocks, PAGE_CODE["/checkout/thank-you"]),
        ],
        -1,
    )
    c.page = block_page[c.event_block[c.opener]]
    c.product = c.block_product[c.event_block]
    c.campaign_visit = c.on_landing & ~CHANNEL_NONE[c.channel][c.session]
    c.in_experiment = (rng.random(c.n) < 0.3)[c.session] & c.on_landing & (c.name == EV["page_view"])


def _clock(c: _Chunk) -> None:
    """Timestamps: gaps by event name, squeezed into the session's stretch of the day if need be."""
    t = _templates()
    gap = (t.gap_min[c.name] + t.gap_mean[c.name] * c.rng.exponential(1.0, c.m)).astype(np.int64)
    gap[(c.batch_index > 0) | (c.position == 0)] = 0
    elapsed = np.cumsum(gap)
    elapsed -= elapsed[c.first_event][c.session]
    duration = elapsed[c.first_event + c.sessions.length - 1]
    squeeze = np.minimum(1.0, (c.sessions.limit - c.sessions.start) / np.maximum(duration, 1))[c.session]
    squeezed = squeeze < 1
    elapsed[squeezed] = (elapsed[squeezed] * squeeze[squeezed]).astype(np.int64)
    c.timestamp = c.sessions.start[c.session] + elapsed


def _cart(c: _Chunk, price: np.ndarray) -> None:
    """Each session's cart: the products of its add_to_cart blocks, and what checkout charges."""
    kept = np.zeros(len(c.blocks), bool)
    kept[c.event_block] = True
    cart_block = np.flatnonzero((c.blocks == BL["cart"]) & kept)
    line_session = c.block_session[cart_block]
    c.line_product, c.line_quantity = c.block_product[cart_block], c.block_quantity[cart_block]
    c.lines = np.bincount(line_session, minlength=c.n)
    c.line_start = np.cumsum(c.lines) - c.lines
    amount = price[c.line_product] * c.line_quantity
    c.cart_value = np.round(np.bincount(line_session, amount, minlength=c.n), 2)
    c.cart_quantity = np.bincount(line_session, c.line_quantity, minlength=c.n).astype(np.int64)
    c.shipping = np.where(c.cart_value >= 100, 0.0, 4.90)
    c.tax = np.round(c.cart_value * 0.19, 2)
    c.revenue = np.round(c.cart_value + c.shipping + c.tax, 2)
    c.is_purchase = c.name == EV["purchase"]


def _pool(c: _Chunk, s: _Static, day_index: int, first_order: int) -> pa.Array:
    """The strings params and columns take by code: the fixed ones, then this chunk's landing
    URLs (with UTMs and click ids) and click ids per session, and transaction ids per purchase."""
    empty = s.code[""]
    prefix = s.channel["click_prefix"][c.channel]
    number = pc.cast(pa.array(c.rng.integers(10**17, 10**18, c.n)), pa.string())
    clicked = s.strings.take(pa.array(np.where(prefix >= 0, prefix, empty)))
    click = pc.if_else(pa.array(prefix >= 0), pc.binary_join_element_wise(clicked, number, ""), "")
    query = s.channel["query"][c.channel]
    landing_url = pc.binary_join_element_wise(
        s.strings.take(pa.array(s.page_location[c.landing_page])),
        s.strings.take(pa.array(np.where(query >= 0, query, empty))),
        click,
        "",
    )
    orders = first_order + np.arange(int(c.is_purchase.sum()))
    transaction = pc.binary_join_element_wise(
        "#", pc.cast(pa.array(1001 + day_index * 1_000_000 + orders), pa.string()), ""
    )
    c.landing_url_code = len(s.strings) + np.arange(c.n)
    c.click_code = np.where(prefix >= 0, len(s.strings) + c.n + np.arange(c.n), -1)
    c.transaction_code = len(s.strings) + 2 * c.n + np.cumsum(c.is_purchase) - 1
    return pa.concat_arrays([s.strings, landing_url, click, transaction])


def _params(c: _Chunk, s: _Static) -> _Params:
    params = _Params(c.m)
    per_session = c.session
    with_query = (s.channel["query"][c.channel] >= 0)[per_session]
    location = np.where(c.on_landing & with_query, c.landing_url_code[per_session], s.page_location[c.page])
    params.add("ga_session_id", "int", None, (c.sessions.start // SECOND_US)[per_session])
    params.add("ga_session_number", "int", None, c.sessions.number[per_session])
    params.add("page_location", "string", None, location)
    params.add("page_title", "string", None, s.page_title[c.page])
    page_view = c.name == EV["page_view"]
    previous_page = s.page_location[c.page[np.maximum(np.arange(c.m) - 1, 0)]]
    referrer = np.where(c.on_landing, s.channel["referrer"][c.channel][per_session], previous_page)
    params.add("page_referrer", "string", page_view, referrer)
    entrance = c.on_landing & c.named("first_visit", "session_start", "page_view")
    params.add("entrances", "int", entrance, np.ones(c.m, np.int64))
    engaged = np.maximum((c.timestamp - c.timestamp[c.opener]) // 1000, 1)
    params.add("engagement_time_msec", "int", c.name == EV["user_engagement"], engaged)
    variant = np.array([s.code[v] for v in EXPERIMENT[1]])[c.sessions.cookie % 2][per_session]
    params.add("exp_id", "string", c.in_experiment, np.full(c.m, s.code[EXPERIMENT[0]]))
    params.add("exp_variant", "string", c.in_experiment, variant)
    method = np.where(c.name == EV["login"], s.code["email"], s.code["newsletter"])
    params.add("method", "string", c.named("login", "sign_up"), method)
    download = c.name == EV["file_download"]
    params.add("file_name", "string", download, np.full(c.m, s.code[catalog.LEAD_MAGNET_FILE]))
    params.add("file_extension", "string", download, np.full(c.m, s.code["pdf"]))
    params.add("link_url", "string", download, np.full(c.m, s.code[LEAD_MAGNET_URL]))
    params.add("video_title", "string", c.named("video_start", "video_complete"), s.video_title[c.product])
    params.add("payment_type", "string", c.name == EV["add_payment_info"], np.full(c.m, s.code["card"]))
    single = c.named("view_item", "add_to_cart")
    quantity = np.where(c.name == EV["add_to_cart"], c.block_quantity[c.event_block], 1)
    value = np.select(
        [single, c.name == EV["begin_checkout"], c.is_purchase],
        [np.round(s.price[c.product] * quantity, 2), c.cart_value[per_session], c.revenue[per_session]],
        0.0,
    )
    valued = c.named("view_item", "add_to_cart", "begin_checkout", "purchase")
    params.add("currency", "string", valued, np.full(c.m, s.code[catalog.SHOP_CURRENCY]))
    params.add("value", "double", valued, value)
    params.add("transaction_id", "string", c.is_purchase, c.transaction_code)
    for field in ("source", "medium"):
        params.add(field, "string", c.campaign_visit, s.channel[field][c.channel][per_session])
    campaign = s.channel["campaign"][c.channel][per_session]
    params.add("campaign", "string", c.campaign_visit & (campaign >= 0), campaign)
    return params


def _items(c: _Chunk, s: _Static) -> pa.Array:
    """One item on view_item / add_to_cart; the cart's lines on begin_checkout / purchase."""
    single = c.named("view_item", "add_to_cart")
    from_cart = c.named("begin_checkout", "purchase")
    count = np.where(single, 1, np.where(from_cart, c.lines[c.session], 0))
    event = np.repeat(np.arange(c.m), count)
    line = np.minimum(c.line_start[c.session[event]] + _ranges(count), max(len(c.line_product) - 1, 0))
    cart_item = from_cart[event]
    own_quantity = np.where(c.name == EV["add_to_cart"], c.block_quantity[c.event_block], 1)
    line_product = c.line_product[line] if len(c.line_product) else np.zeros(len(line), np.int64)
    line_quantity = c.line_quantity[line] if len(c.line_quantity) else np.ones(len(line), np.int64)
    product = np.where(cart_item, line_product, c.product[event])
    quantity = np.where(cart_item, line_quantity, own_quantity[event]).astype(np.int64)
    price = s.price[product]
    products = pa.array(product)
    values = pa.StructArray.from_arrays(
        [
            s.item_id.take(products),
            s.item_name.take(products),
            pa.nulls(len(event), pa.string()),
            pa.nulls(len(event), pa.string()),
            s.item_category.take(products),
            pa.array(price),
            pa.array(quantity),
            pa.array(np.round(price * quantity, 2), mask=~c.is_purchase[event]),
        ],
        fields=list(GA4_EXPORT_SCHEMA.field("items").type.value_type),
    )
    offsets = pa.array(np.concatenate([[0], np.cumsum(count)]), pa.int32())
    return pa.ListArray.from_arrays(offsets, values, mask=pa.array(count == 0))


def _ecommerce(c: _Chunk, pool: pa.Array) -> pa.Array:
    """The order on purchase events, NULL on the others."""
    no_purchase = ~c.is_purchase
    per_session = {
        "total_item_quantity": c.cart_quantity,
        "purchase_revenue": c.revenue,
        "shipping_value": c.shipping,
        "tax_value": c.tax,
        "unique_items": c.lines.astype(np.int64),
    }
    fields = list(GA4_EXPORT_SCHEMA.field("ecommerce").type)
    arrays = [
        pa.array(per_session[f.name][c.session], mask=no_purchase)
        if f.name in per_session
        else pa.nulls(c.m, f.type)
        for f in fields
    ]
    arrays[-1] = pool.take(pa.array(c.transaction_code, mask=no_purchase))
    return pa.StructArray.from_arrays(arrays, fields=fields, mask=pa.array(no_purchase))


def _collected(c: _Chunk, s: _Static, pool: pa.Array) -> pa.Array:
    """collected_traffic_source on the landing page of a visit that came from somewhere (not
    direct): UTMs and referrals as manual_*, a Google Ads click as gclid."""
    manual = s.channel["manual"][c.channel][c.session] & c.campaign_visit
    codes = {
        f"manual_{field}": np.where(manual, s.channel[name][c.channel][c.session], -1)
        for field, name in (
            ("campaign_id", "campaign_id"),
            ("campaign_name", "campaign"),
            ("source", "source"),
            ("medium", "medium"),
            ("content", "content"),
        )
    }
    google_ads = s.channel["click_prefix"][c.channel] == s.code["Cj0KCQ"]
    codes["gclid"] = np.where(c.campaign_visit & google_ads[c.session], c.click_code[c.session], -1)
    fields = list(GA4_EXPORT_SCHEMA.field("collected_traffic_source").type)
    arrays = [
        pool.take(pa.array(codes[f.name], mask=codes[f.name] < 0))
        if f.name in codes
        else pa.nulls(c.m, f.type)
        for f in fields
    ]
    return pa.StructArray.from_arrays(arrays, fields=fields, mask=pa.array(~c.campaign_visit))


def _coded(dictionary: pa.Array, codes: np.ndarray) -> pa.DictionaryArray:
    return pa.DictionaryArray.from_arrays(pa.array(codes.astype(np.int32)), dictionary)


def _plain(table: pa.Table) -> pa.Table:
    """The table as GA4_EXPORT_SCHEMA, its dictionary-encoded columns decoded (Parquet
    dictionary-encodes them again on its own)."""
    if table.schema.equals(GA4_EXPORT_SCHEMA):
        return table
    arrays = []
    for column in table.columns:
        array = column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()
        arrays.append(array.dictionary.take(array.indices) if pa.types.is_dictionary(array.type) else array)
    return pa.Table.from_arrays(arrays, schema=GA4_EXPORT_SCHEMA)


def _within(running: np.ndarray, first_event: np.ndarray, session: np.ndarray) -> np.ndarray:
    """A running count restarted at each session's first event (which counts as 1)."""
    base = running[first_event] - 1 if len(running) else first_event
    return (running - base[session]).astype(np.int64)


# -- writing the files -----------------------------------------------------------------------------


def _write_day(world: _World, state: _State, day_index: int, out_dir: Path, file_format: str) -> Path:
    """Plan, build and write one day's file; it appears under its export name only when complete."""
    sessions = _plan_day(world, state, day_index)
    day = world.first_day + timedelta(days=day_index)
    path = out_dir / f"events_{day:%Y%m%d}.{FILE_SUFFIX[file_format]}"
    partial = out_dir / f".{path.name}.partial"  # no export file name: a reader never sees half a day
    tables = _tables(world, sessions, day_index)
    if file_format == "parquet":
        with pq.ParquetWriter(partial, GA4_EXPORT_SCHEMA, compression="snappy") as writer:
            for table in tables:
                writer.write_table(_plain(table))
    else:
        _write_ndjson_gz(tables, partial)
    os.replace(partial, path)
    return path


def _tables(world: _World, sessions: _Sessions, day_index: int):
    """The day's rows as tables of whole sessions, about CHUNK_EVENTS rows each, built one at a time."""
    if len(sessions) == 0:
        yield GA4_EXPORT_SCHEMA.empty_table()
        return
    ends = np.cumsum(sessions.length)
    start, chunk, orders = 0, 0, 0
    while start < len(sessions):
        done = int(ends[start - 1]) if start else 0
        stop = min(
            max(int(np.searchsorted(ends, done + CHUNK_EVENTS, side="right")), start + 1), len(sessions)
        )
        table = _build(world, sessions.slice(start, stop), day_index, chunk, orders)
        orders += pc.sum(pc.equal(table["event_name"], "purchase")).as_py() or 0
        yield table
        start, chunk = stop, chunk + 1


def _write_ndjson_gz(tables, path: Path) -> None:
    """BigQuery's JSON export, gzipped; a second thread compresses while the next rows become text."""
    with (
        open(path, "wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=GZIP_LEVEL, mtime=0) as out,
        ThreadPoolExecutor(1) as compressor,
    ):
        pending = None
        for table in tables:
            for start in range(0, table.num_rows, JSON_SLICE_ROWS):
                text = _json_lines(table.slice(start, JSON_SLICE_ROWS))
                if pending is not None:
                    pending.result()
                pending = compressor.submit(out.write, text)
        if pending is not None:
            pending.result()


def _json_lines(table: pa.Table) -> memoryview:
    """The rows as newline-delimited JSON in BigQuery's encoding, built by Arrow string kernels:
    INT64 as quoted strings, FLOAT64 as numbers, NULL fields left out, REPEATED fields as arrays."""
    table = table.combine_chunks()
    columns = [
        (f.name, column.chunk(0) if column.num_chunks else pa.array([], f.type))
        for f, column in zip(table.schema, table.columns, strict=True)
    ]
    rows = _json_object(columns, None, "}\n")
    offsets = np.frombuffer(rows.buffers()[1], np.int32, len(rows) + 1, rows.offset * 4)
    return memoryview(rows.buffers()[2])[offsets[0] : offsets[-1]] if len(rows) else memoryview(b"")


def _json_object(fields: list[tuple[str, pa.Array]], parent: pa.Array | None, close: str = "}") -> pa.Array:
    fragments = [_json_member(name, child) for name, child in fields if child.null_count < len(child)]
    rows = len(fields[0][1])
    if not fragments:
        body = pa.repeat("", rows)
    elif any(fragment.null_count == 0 for fragment in fragments):
        body = pc.binary_join_element_wise(*fragments, ",", null_handling="skip")
    else:
        body = pc.coalesce(*fragments)
        if sum(len(f) - f.null_count for f in fragments) == len(body) - body.null_count:
            body = pc.fill_null(body, "")  # at most one member per row (a param's one value)
        else:  # pyarrow 26 drops the rows whose inputs are all null under "skip": lead with ""
            body = pc.binary_join_element_wise("", *fragments, ",", null_handling="skip")
            body = pc.utf8_slice_codeunits(body, 1)
    text = pc.binary_join_element_wise("{", body, close, "")
    if parent is not None and parent.null_count:
        text = pc.if_else(parent.is_valid(), text, pa.scalar(None, pa.string()))
    return text


def _json_member(name: str, array: pa.Array) -> pa.Array:
    """`"name":value` per row, NULL where the value is: a dictionary's values encoded once."""
    if pa.types.is_dictionary(array.type):
        return _json_member(name, array.dictionary).take(array.indices)
    return pc.binary_join_element_wise(f'"{name}":', _json(array), "")


def _json_params(entries: pa.Array) -> pa.Array:
    """event_params entries, the bulk of the text (~7 per event), in fewer passes than the general
    path: each entry has its key and exactly one of the value's fields (else: the general path)."""
    key, value = entries.flatten()
    parts = [
        pc.binary_join_element_wise(f'{{"{f.name}":', _json(child), "}", "")
        for f, child in zip(value.type, value.flatten(), strict=True)
        if child.null_count < len(child)
    ]
    text = pc.coalesce(*parts) if parts else pa.nulls(len(value), pa.string())
    if (
        key.null_count
        or value.null_count
        or text.null_count
        or sum(len(p) - p.null_count for p in parts) != len(text)
    ):
        return _json_object([("key", key), ("value", value)], entries)
    return pc.binary_join_element_wise('{"key":', _json(key), ',"value":', text, "}", "")


def _json(array: pa.Array) -> pa.Array:
    kind = array.type
    if pa.types.is_dictionary(kind):
        return _json(array.dictionary).take(array.indices)
    if kind == KEY_VALUE.value_type and array.null_count == 0:
        return _json_params(array)
    if pa.types.is_struct(kind) and array.null_count > len(array) // 2:  # mostly NULL: encode the rest
        valid = array.is_valid()
        present = np.cumsum(valid.to_numpy(zero_copy_only=False)) - 1
        return _json(array.filter(valid)).take(pa.array(present, mask=~valid.to_numpy(zero_copy_only=False)))
    if pa.types.is_struct(kind):
        return _json_object([(f.name, child) for f, child in zip(kind, array.flatten(), strict=True)], array)
    if pa.types.is_list(kind):
        offsets = array.offsets.to_numpy()
        values = _json(array.values.slice(offsets[0], offsets[-1] - offsets[0]))
        mask = array.is_null() if array.null_count else None
        lists = pa.ListArray.from_arrays(pa.array(offsets - offsets[0], pa.int32()), values, mask=mask)
        return pc.binary_join_element_wise("[", pc.binary_join(lists, ","), "]", "")
    if pa.types.is_int64(kind):
        return pc.binary_join_element_wise('"', pc.cast(array, pa.string()), '"', "")
    if pa.types.is_floating(kind):
        return pc.cast(array, pa.string())
    if pa.types.is_boolean(kind):
        return pc.if_else(array, "true", "false")
    if pa.types.is_string(kind):
        if pc.any(pc.match_substring_regex(array, r'["\\]')).as_py():
            array = pc.replace_substring(pc.replace_substring(array, "\\", "\\\\"), '"', '\\"')
        return pc.binary_join_element_wise('"', array, '"', "")
    raise TypeError(f"no JSON encoding for {kind}")


# -- command line ----------------------------------------------------------------------------------


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ga4_world", description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--format", choices=sorted(FILE_SUFFIX), default="parquet")
    parser.add_argument("--out", type=Path, required=True, help="export folder to write the day files into")
    parser.add_argument("--shape", choices=SHAPES, default="normal")
    parser.add_argument("--days", type=int, default=28)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    world = generate_world(args.out, args.events, args.format, args.shape, args.days, args.seed)
    files = sorted(world.folder.glob(f"events_*.{FILE_SUFFIX[world.file_format]}"))
    megabytes = sum(f.stat().st_size for f in files) / 1e6
    print(
        f"{world.events:,} rows  {world.persons:,} persons  "
        f"{world.days} days ({world.first_day}..{world.last_day})  "
        f"{world.seconds:.1f} s ({world.events / max(world.seconds, 1e-9):,.0f} rows/s)  "
        f"{megabytes:,.1f} MB {world.file_format} in {world.folder}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
