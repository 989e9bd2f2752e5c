"""Simulate a shop's visitors: devices, sessions, micro-steps, logins, ad clicks and orders.

Deterministic for a `WorldSpec`: every person draws from a random stream seeded by
(seed, person index), so the same spec always gives the same world, byte for byte.

Every device a person uses is observably linked to them (a login on it, or an order placed
from it): a second device that never logs in or buys is, to any observer, a stranger, and a
world full of those would measure clairvoyance rather than stitching. The planted dirt is
what real data has and a careful pipeline must survive: duplicate deliveries, late events,
a family computer two people log in on, a throw-away email many guests type, a gclid
pasted into a forum, a bot, orders whose GA4 purchase event never fired, test orders.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from microfunnel import garbage_collection
from sandbox import catalog
from sandbox.clocks import local_date, local_days
from sandbox.email_marketing import simulate_email
from sandbox.experiment import LandingExperiment, run_landing_experiment
from sandbox.model import (
    AdClick,
    CampaignDay,
    Customer,
    Device,
    EmailEvent,
    EmailProfile,
    Event,
    LineItem,
    Order,
    Person,
    Refund,
    Session,
    Traffic,
)
from sandbox.session_recorder import SessionRecorder

DAY_US = 86_400_000_000
SECOND_US = 1_000_000
FIRST_NAMES = ["Ana", "Ben", "Chloe", "Dan", "Eva", "Finn", "Greta", "Hugo", "Ida", "Jon", "Kim", "Lea"]
EMAIL_DOMAINS = ["mail.example", "post.example", "inbox.example"]
DEVICE_PROFILES = [
    ("desktop", "Windows", "Chrome"),
    ("desktop", "Macintosh", "Safari"),
    ("mobile", "iOS", "Safari"),
    ("mobile", "Android", "Chrome"),
    ("tablet", "iOS", "Safari"),
]


@dataclass(frozen=True)
class WorldSpec:
    """What to simulate. The same spec always yields the same world."""

    seed: int = 7
    persons: int = 20_000  # the demo's world: about two minutes end to end on 2 cores
    days: int = 28
    start_date: date = date(2026, 10, 1)
    duplicate_rate: float = 0.01  # share of GA4 events delivered twice
    late_rate: float = 0.02  # share of GA4 events that reach the export 1-2 days late
    purchase_event_loss_rate: float = 0.04  # orders whose GA4 purchase event never fired
    households: int = 1  # family computers shared by two account holders
    throwaway_buyers: int = 6  # guests who all type the same throw-away email
    pasted_gclid_visitors: int = 5  # strangers landing through one gclid pasted in a forum
    bots: int = 1
    tracking_blocked_buyers: int = 3  # buyers GA4 never sees (blocked tracking)
    test_orders: int = 2
    # Product pages fail all day (an error page: no view_item, no add to cart): a real dip in the
    # funnel's view_item step for the persons who enter that day. None: no outage.
    product_page_outage_day: date | None = None
    # The landing-page A/B test (sandbox/experiment.py): the probability that a guide_banner landing
    # downloads the guide from the banner, the experiment's true effect. None: no experiment.
    experiment_lift: float | None = 0.15

    @property
    def start_us(self) -> int:
        return int(datetime(*self.start_date.timetuple()[:3], tzinfo=UTC).timestamp()) * SECOND_US

    @property
    def end_us(self) -> int:
        return self.start_us + self.days * DAY_US

    @property
    def first_account_day(self) -> date:
        """The earliest day an ad account can report: a zone west of UTC starts the world a day early."""
        return self.start_date - timedelta(days=1)

    @property
    def last_account_day(self) -> date:
        """The latest day an ad account can report: a zone east of UTC runs into the next day."""
        return self.end_date + timedelta(days=1)

    @property
    def end_date(self) -> date:
        """The last simulated day (inclusive)."""
        return self.start_date + timedelta(days=self.days - 1)


@dataclass
class World:
    spec: WorldSpec
    persons: list[Person] = field(default_factory=list)
    sessions: list[Session] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    orders: list[Order] = field(default_factory=list)
    customers: list[Customer] = field(default_factory=list)
    ad_clicks: list[AdClick] = field(default_factory=list)
    campaign_days: list[CampaignDay] = field(default_factory=list)
    email_profiles: list[EmailProfile] = field(default_factory=list)  # Klaviyo
    email_events: list[EmailEvent] = field(default_factory=list)
    experiment: LandingExperiment | None = None  # the landing-page A/B test, if the spec runs one


class _Shop:
    """The shop's shared state while persons act: customers by email, orders, ad clicks."""

    def __init__(self, world: World):
        self.world = world
        self.customers_by_email: dict[str, Customer] = {}

    def customer_for(self, email: str, at_us: int, first_name: str) -> Customer:
        """Shopify keeps one customer per (normalized) email, guests included."""
        key = email.strip().lower()
        customer = self.customers_by_email.get(key)
        if customer is None:
            customer_id = 7_300_000_000_000 + 1_009 * (len(self.customers_by_email) + 1)
            customer = Customer(customer_id, email, at_us, first_name)
            self.customers_by_email[key] = customer
            self.world.customers.append(customer)
        return customer


def simulate(spec: WorldSpec, progress: Callable[[int, int], None] | None = None) -> World:
    """Run the whole world: persons act one by one, then orders get their ids and ads their stats.

    `progress` hears (persons simulated so far, all persons) after each one (a large world takes a
    while; see microfunnel.progress)."""
    with garbage_collection.paused():  # the world's objects all stay alive: 5.4 s instead of 7.6 s (demo)
        return _simulate(spec, progress)


def _simulate(spec: WorldSpec, progress: Callable[[int, int], None] | None) -> World:
    world = World(spec)
    shop = _Shop(world)
    _register_account_holders(spec, world, shop)
    for done, person in enumerate(world.persons, 1):
        _live(spec, person, world, shop, random.Random(f"{spec.seed}:{person.person_id}"))
        if progress is not None:
            progress(done, len(world.persons))
    _place_test_orders(spec, world, shop)
    _plant_delivery_dirt(spec, world, random.Random(f"{spec.seed}:dirt"))
    simulate_email(spec, world)  # after the dirt, on streams of its own: earlier draws stay as they were
    _number_orders(world)
    _fill_campaign_days(spec, world, random.Random(f"{spec.seed}:ads"))
    world.experiment = run_landing_experiment(spec, world)  # last, on streams of its own: nothing moves
    world.events.sort(
        key=lambda e: (e.ts_us, e.session.device.cookie, e.batch_ordering_id, e.batch_event_index)
    )
    return world


def _new_device(
    rng: random.Random, first_visit_us: int, profile: tuple[str, str, str] | None = None
) -> Device:
    category, os_name, browser = profile or rng.choice(DEVICE_PROFILES)
    cookie = f"{rng.randrange(10**9, 2 * 10**9)}.{first_visit_us // SECOND_US}"
    return Device(cookie, category, os_name, browser)


def _register_account_holders(spec: WorldSpec, world: World, shop: _Shop) -> None:
    """Create the persons; account holders already exist as Shopify customers before the start."""
    rng = random.Random(f"{spec.seed}:persons")
    kinds = (
        ["household"] * (2 * spec.households)
        + ["throwaway_buyer"] * spec.throwaway_buyers
        + ["bot"] * spec.bots
        + ["tracking_blocked"] * spec.tracking_blocked_buyers
    )
    kinds += ["regular"] * max(spec.persons - len(kinds), 0)
    for index, kind in enumerate(kinds):
        person_id = f"P{index + 1:06d}"
        first = rng.choice(FIRST_NAMES)
        has_account = kind == "household" or (kind == "regular" and rng.random() < 0.3)
        email = f"{first.lower()}.{index + 1}@{rng.choice(EMAIL_DOMAINS)}"
        if kind == "throwaway_buyer":
            email = rng.choice([catalog.THROWAWAY_EMAIL, " Test@Example.com", "TEST@example.com "])
        intent = (
            0.05 if kind == "bot" else min(0.95, rng.betavariate(1.2, 7) + (0.6 if kind != "regular" else 0))
        )
        person = Person(person_id, kind, email, has_account, intent)
        if has_account:
            person.customer = shop.customer_for(email, spec.start_us - rng.randrange(30, 400) * DAY_US, first)
        world.persons.append(person)
    households = [p for p in world.persons if p.kind == "household"]
    for left, right in zip(households[::2], households[1::2], strict=True):
        family_computer = _new_device(rng, spec.start_us, ("desktop", "Windows", "Chrome"))
        family_computer.shared = True
        left.devices.append(family_computer)
        right.devices.append(family_computer)


def _live(spec: WorldSpec, person: Person, world: World, shop: _Shop, rng: random.Random) -> None:
    """One person's whole life in the shop: sessions until the simulation ends."""
    t = spec.start_us + rng.randrange(0, spec.days * DAY_US)
    if person.kind == "bot":
        t = spec.start_us + rng.randrange(0, DAY_US)
    if not person.devices:
        person.devices.append(_new_device(rng, t))
    if person.kind == "household":
        person.devices.append(_new_device(rng, t, ("mobile", "Android", "Chrome")))
    if person.has_account and person.kind == "regular":
        for _ in range(rng.choices([0, 1, 2], [0.6, 0.3, 0.1])[0]):
            person.devices.append(_new_device(rng, t))
    if person.kind == "tracking_blocked":
        _buy_without_tracking(spec, person, world, shop, rng, t)
        return
    state = {"stage": 0, "cart": []}
    session_count = 0
    while t < spec.end_us and session_count < 40:
        device = _pick_device(person, session_count, rng)
        session = _start_session(person, device, t, session_count, state, world, rng)
        recorder = SessionRecorder(person, session, rng)
        if person.kind == "bot":
            _bot_session(recorder, rng)
        else:
            _shop_session(spec, person, recorder, state, world, shop, rng)
        world.events.extend(recorder.events)
        session_count += 1
        gap_days = 1.0 if person.kind == "bot" else rng.expovariate(1 / (2.0 + 6 * (1 - person.intent)))
        t = recorder.now_us + int((gap_days + rng.random() * 0.2) * DAY_US)
        if person.kind == "throwaway_buyer" and state["stage"] == 4:
            break


def _pick_device(person: Person, session_count: int, rng: random.Random) -> Device:
    """Start on the first device; later sessions sometimes move to another one."""
    unused = [d for d in person.devices if d.sessions_started == 0]
    if session_count == 0:
        return person.devices[0]
    if unused and rng.random() < 0.5:
        return unused[0]
    return person.devices[0] if rng.random() < 0.7 else rng.choice(person.devices)


def _choose_traffic(
    person: Person, returning: bool, state: dict, rng: random.Random, force: str | None = None
) -> tuple:
    """Where the session comes from; ad sessions carry a click id and register the click."""
    if returning:
        weights = {
            "direct": 0.33,
            "organic": 0.2,
            "email": 0.12,
            "google_ads": 0.12,
            "meta_ads": 0.13,
            "referral": 0.05,
            "organic_social": 0.05,
        }
    else:
        weights = {
            "direct": 0.15,
            "organic": 0.28,
            "email": 0.0,
            "google_ads": 0.27,
            "meta_ads": 0.18,
            "referral": 0.07,
            "organic_social": 0.05,
        }
    channel = force or rng.choices(list(weights), list(weights.values()))[0]
    if channel == "google_ads":
        campaigns = catalog.campaigns_of("google_ads")
        campaign = rng.choices(campaigns, [c.acquisition_weight for c in campaigns])[0]
        gclid = _click_id("Cj0KCQ", rng)
        return Traffic("google", "cpc", campaign.utm_campaign, campaign.campaign_id, gclid=gclid), campaign
    if channel == "meta_ads":
        retarget = returning and state["cart"] and rng.random() < 0.6
        campaign = catalog.campaigns_of("meta_ads")[1 if retarget else 0]
        fbclid = _click_id("IwAR", rng)
        traffic = Traffic(
            "facebook",
            "paid_social",
            campaign.utm_campaign,
            campaign.campaign_id,
            content=campaign.ad_group_ids[0],
            fbclid=fbclid,
            referrer="https://m.facebook.com/",
        )
        return traffic, campaign
    if channel == "email":
        return Traffic("newsletter", "email", "weekly_digest"), None
    if channel == "organic":
        return Traffic("google", "organic", referrer="https://www.google.com/"), None
    if channel == "referral":
        return Traffic(
            "blog.runners.example", "referral", referrer="https://blog.runners.example/best-shoes"
        ), None
    if channel == "organic_social":
        return Traffic("instagram.com", "referral", referrer="https://l.instagram.com/"), None
    return Traffic("(direct)", "(none)"), None


def _start_session(person, device, t, session_count, state, world, rng) -> Session:
    if person.kind == "bot":  # click fraud: the bot lands through search ads every other day
        traffic, campaign = _choose_traffic(
            person, session_count > 0, state, rng, force="google_ads" if rng.random() < 0.5 else "direct"
        )
    else:
        traffic, campaign = _choose_traffic(person, session_count > 0, state, rng)
    device.sessions_started += 1
    landing = rng.choice(
        [
            "/",
            "/collections/shoes",
            f"/products/{rng.choice(catalog.PRODUCTS).slug}",
            "/blog/how-to-choose-trail-shoes",
            catalog.GUIDE_PAGE[0],
        ]
    )
    session = Session(person, device, t // SECOND_US, device.sessions_started, t, traffic, landing)
    world.sessions.append(session)
    if campaign is not None:
        day = local_date(t, catalog.AD_ACCOUNT_CLOCKS[campaign.platform][0])  # the account's day
        click_id = traffic.gclid or traffic.fbclid
        world.ad_clicks.append(
            AdClick(
                campaign.platform,
                campaign.campaign_id,
                rng.choice(campaign.ad_group_ids),
                click_id,
                day,
                person,
                session,
            )
        )
    return session


def _bot_session(recorder: SessionRecorder, rng: random.Random) -> None:
    recorder.land()
    for _ in range(rng.randrange(25, 60)):
        product = rng.choice(catalog.PRODUCTS)
        recorder.page_view(f"/products/{product.slug}", product.name, dwell_s=rng.uniform(0.3, 1.5))
        recorder.action(
            "view_item",
            {"currency": catalog.SHOP_CURRENCY, "value": float(product.price)},
            items=[_item(product)],
            after_s=0.1,
        )
    recorder.end()


def _shop_session(spec, person, recorder, state, world, shop, rng) -> None:
    """A shopper's session: browse, maybe take micro-steps, maybe move down the funnel."""
    device = recorder.session.device
    user_id = str(person.customer.customer_id) if person.customer else None
    # Persons with several devices log in on each (that is how anyone knows they are one person);
    # single-device account holders log in now and then.
    must_login = person.has_account and (
        device.shared or device.logged_in_as != user_id and (len(person.devices) > 1 or rng.random() < 0.5)
    )
    if device.shared:
        device.logged_in_as = None  # the family computer: each member logs in at the start
    if must_login:
        recorder.login_first = True
    recorder.land()
    if must_login:
        recorder.action("login", {"method": "email"}, after_s=rng.uniform(3, 15))
        device.logged_in_as = user_id
        recorder.user_id = user_id
    pages = 1 + min(int(rng.expovariate(1 / (2 + 5 * person.intent))), 25)
    for _ in range(pages):
        roll = rng.random()
        if roll < 0.45 and _product_pages_down(spec, recorder.session):
            recorder.page_view(f"/products/{rng.choice(catalog.PRODUCTS).slug}", "Error", dwell_s=3)
        elif roll < 0.45:
            product = rng.choice(catalog.PRODUCTS)
            recorder.page_view(f"/products/{product.slug}", product.name, dwell_s=rng.uniform(8, 70))
            recorder.action("view_item", _value_params(product.price), items=[_item(product)], after_s=1.2)
            state["stage"] = max(state["stage"], 1)
            if rng.random() < 0.15:
                recorder.action("video_start", {"video_title": f"{product.name} in action"}, after_s=4)
                if rng.random() < 0.55:
                    recorder.action(
                        "video_complete", {"video_title": f"{product.name} in action"}, after_s=30
                    )
            if rng.random() < 0.05 + 0.4 * person.intent:
                quantity = rng.choice([1, 1, 1, 2])
                state["cart"].append((product, quantity))
                recorder.action(
                    "add_to_cart",
                    _value_params(product.price * quantity),
                    items=[_item(product, quantity)],
                    after_s=rng.uniform(3, 20),
                )
                state["stage"] = max(state["stage"], 2)
        elif roll < 0.58:
            path, title = rng.choice(catalog.PRICING_PAGES)
            recorder.page_view(path, title, dwell_s=rng.uniform(10, 90))
        elif roll < 0.66:
            recorder.page_view(*catalog.GUIDE_PAGE, dwell_s=rng.uniform(10, 60))
            if rng.random() < 0.35:
                recorder.action(
                    "file_download",
                    {
                        "file_name": catalog.LEAD_MAGNET_FILE,
                        "file_extension": "pdf",
                        "link_url": f"{catalog.SHOP_URL}/files/{catalog.LEAD_MAGNET_FILE}",
                    },
                    after_s=5,
                )
        else:
            path, title = rng.choice(catalog.CONTENT_PAGES)
            recorder.page_view(path, title, dwell_s=rng.uniform(5, 45))
        if rng.random() < 0.015:
            recorder.action("sign_up", {"method": "newsletter"}, after_s=6)
        if state["cart"] and rng.random() < 0.08 + 0.5 * person.intent:
            _checkout(spec, person, recorder, state, world, shop, rng)
            break
    recorder.end()


def _product_pages_down(spec: WorldSpec, session: Session) -> bool:
    outage = spec.product_page_outage_day
    return (
        outage is not None
        and spec.start_date + timedelta(days=(session.start_us - spec.start_us) // DAY_US) == outage
    )


def _checkout(spec, person, recorder, state, world, shop, rng) -> None:
    lines = [LineItem(p.item_id, p.name, q, p.price) for p, q in state["cart"]]
    value = sum((line.unit_price * line.quantity for line in lines), Decimal("0"))
    items = [_item(p, q) for p, q in state["cart"]]
    recorder.page_view("/checkout", "Checkout", dwell_s=rng.uniform(20, 90))
    recorder.action("begin_checkout", _value_params(value), items=items, after_s=1)
    state["stage"] = max(state["stage"], 3)
    if rng.random() > 0.3 + 0.6 * person.intent:
        return  # abandoned: the cart stays for a later session
    recorder.action("add_payment_info", {"payment_type": "card"}, after_s=rng.uniform(20, 60))
    created_us = (recorder.now_us // SECOND_US + rng.randrange(5, 20)) * SECOND_US
    if created_us >= spec.end_us:
        return
    email = person.email
    customer = person.customer or shop.customer_for(email, created_us, email.split(".")[0].title())
    person.customer = person.customer or (customer if person.kind != "throwaway_buyer" else None)
    shipping = Decimal("0.00") if value >= 100 else Decimal("4.90")
    order = Order(
        person,
        customer,
        created_us,
        email,
        lines,
        shipping,
        (value * Decimal("0.19")).quantize(Decimal("0.01")),
        recorder.session,
        recorder.session.device.cookie,
    )
    _after_sale(order, spec, rng)
    world.orders.append(order)
    recorder.now_us = created_us
    recorder.page_view("/checkout/thank-you", "Thank you", dwell_s=rng.uniform(5, 20), at_current_time=True)
    if rng.random() >= spec.purchase_event_loss_rate:
        recorder.purchase(order, items, _value_params(order.total))
    state["cart"] = []
    state["stage"] = 4


def _after_sale(order: Order, spec: WorldSpec, rng: random.Random) -> None:
    """A few orders get cancelled or (partly) refunded within days."""
    roll = rng.random()
    if roll < 0.03:
        order.cancelled_at_us = order.created_at_us + rng.randrange(1, 48) * 3_600 * SECOND_US
    elif roll < 0.08:
        order.refunds.append(
            Refund(0, order.created_at_us + rng.randrange(2, 10) * DAY_US, order.lines[0].unit_price)
        )


def _buy_without_tracking(spec, person, world, shop, rng, t) -> None:
    """A buyer whose browser blocks GA4: Shopify sees the order, GA4 sees nothing."""
    product = rng.choice(catalog.PRODUCTS)
    created_us = (t // SECOND_US) * SECOND_US
    customer = shop.customer_for(person.email, created_us, "Guest")
    person.customer = customer
    order = Order(
        person,
        customer,
        created_us,
        person.email,
        [LineItem(product.item_id, product.name, 1, product.price)],
        Decimal("4.90"),
        (product.price * Decimal("0.19")).quantize(Decimal("0.01")),
        None,
        None,
    )
    world.orders.append(order)


def _place_test_orders(spec: WorldSpec, world: World, shop: _Shop) -> None:
    """Staff place test orders while setting up payments; they must never count as sales."""
    staff = Person("P_STAFF", "staff", "staff@shop.example", True, 0.0)
    for n in range(spec.test_orders):
        created = spec.start_us + (n + 1) * 3_600 * SECOND_US
        customer = shop.customer_for(staff.email, created, "Staff")
        product = catalog.PRODUCTS[n % len(catalog.PRODUCTS)]
        world.orders.append(
            Order(
                staff,
                customer,
                created,
                staff.email,
                [LineItem(product.item_id, product.name, 1, product.price)],
                Decimal("0.00"),
                Decimal("0.00"),
                None,
                None,
                test=True,
            )
        )


def _plant_delivery_dirt(spec: WorldSpec, world: World, rng: random.Random) -> None:
    """Dirt that arises after the fact: duplicate and late deliveries, a gclid pasted into a forum."""
    for event in world.events:
        if rng.random() < spec.duplicate_rate:
            event.duplicated = True
        if rng.random() < spec.late_rate:
            event.arrival_delay_days = rng.choice([1, 2])
    clicked = [
        c for c in world.ad_clicks if c.platform == "google_ads" and c.person and c.person.kind == "regular"
    ]
    if not clicked or spec.pasted_gclid_visitors == 0:
        return
    original = rng.choice(clicked)
    pasted = [
        s
        for s in world.sessions
        if s.person.kind == "regular"
        and s.person is not original.person
        and s.traffic.medium == "referral"
        and s.start_us > original.session.start_us
    ]
    for session in rng.sample(pasted, min(spec.pasted_gclid_visitors, len(pasted))):
        session.traffic = Traffic(
            "google",
            "cpc",
            original.session.traffic.campaign,
            original.campaign_id,
            gclid=original.click_id,
            referrer="https://forum.runners.example/t/shoe-deals",
        )


def _number_orders(world: World) -> None:
    """Shopify numbers orders in creation order: ids grow, names run #1001, #1002, ..."""
    world.orders.sort(key=lambda o: (o.created_at_us, o.person.person_id))
    for n, order in enumerate(world.orders):
        order.order_id = 5_900_000_000_000 + 7 * (n + 1)
        order.name = f"#{1001 + n}"
        for k, refund in enumerate(order.refunds):
            refund.refund_id = 880_000_000_000 + 100 * n + k


def _fill_campaign_days(spec: WorldSpec, world: World, rng: random.Random) -> None:
    """Daily stats consistent with the sessions: clicks = visits through ads + clicks that bounced.

    Days are the ad account's days (its time zone), every one the simulated span touches; cost is
    in the account's currency."""
    visits: dict[tuple[str, date], int] = {}
    for click in world.ad_clicks:
        visits[(click.campaign_id, click.date_day)] = visits.get((click.campaign_id, click.date_day), 0) + 1
    account_days = {
        platform: local_days(spec.start_us, spec.end_us, zone)
        for platform, (zone, _) in catalog.AD_ACCOUNT_CLOCKS.items()
    }
    for day_index in range(max(len(days) for days in account_days.values())):
        for campaign in catalog.CAMPAIGNS:
            days = account_days[campaign.platform]
            if day_index >= len(days):
                continue
            day = days[day_index]
            landed = visits.get((campaign.campaign_id, day), 0)
            bounced = sum(rng.random() < 0.12 for _ in range(landed)) + (1 if rng.random() < 0.3 else 0)
            for _ in range(bounced):
                prefix = "Cj0KCQ" if campaign.platform == "google_ads" else "IwAR"
                world.ad_clicks.append(
                    AdClick(
                        campaign.platform,
                        campaign.campaign_id,
                        rng.choice(campaign.ad_group_ids),
                        _click_id(prefix, rng),
                        day,
                        None,
                    )
                )
            clicks = landed + bounced
            cost = sum(
                int(campaign.cost_per_click * Decimal(rng.uniform(0.6, 1.4)) * 100) for _ in range(clicks)
            )
            impressions = max(int(clicks / campaign.click_through_rate * rng.uniform(0.9, 1.1)), clicks + 1)
            world.campaign_days.append(
                CampaignDay(campaign.platform, campaign.campaign_id, day, impressions, clicks, cost * 10_000)
            )


def _click_id(prefix: str, rng: random.Random) -> str:
    return prefix + "".join(
        rng.choices("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-", k=36)
    )


def _item(product: catalog.Product, quantity: int = 1) -> dict:
    return {
        "item_id": product.item_id,
        "item_name": product.name,
        "item_category": product.category,
        "price": float(product.price),
        "quantity": quantity,
    }


def _value_params(value: Decimal) -> dict:
    return {"currency": catalog.SHOP_CURRENCY, "value": float(value)}
