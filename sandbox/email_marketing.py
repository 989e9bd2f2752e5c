"""Email marketing in the simulated world: Klaviyo's welcome flow after a newsletter sign-up, and campaigns.

A person who signs up for the newsletter on the site (GA4 `sign_up`, method newsletter) becomes a
Klaviyo profile on the Newsletter list and gets the three emails of the Welcome Series; Shopify
customers are synced into Klaviyo as profiles too, and every profile that exists when a campaign
goes out receives it. Each email is received, maybe opened (sometimes twice), maybe clicked; a click
lands on the site as a GA4 session tagged `utm_source=klaviyo&utm_medium=email&utm_campaign=<flow or
campaign>&utm_id=<its id>` plus the shop's custom `kl_profile_id` parameter (so the Email channel
appears and the click ties the browser to the profile).

Runs after every person has lived and the GA4 delivery dirt is planted, on random streams of its own
(seed, "email", person): adding email leaves every earlier draw (persons, sessions, orders, dirt) as it
was. A click whose device is busy with another visit (within 30 minutes) or has not yet been used
records no GA4 session: Klaviyo saw the click, GA4 did not (as with a blocked tracker).
"""

from __future__ import annotations

import random
from collections import defaultdict
from typing import TYPE_CHECKING

from sandbox import catalog
from sandbox.model import Device, EmailEvent, EmailProfile, Person, Session, Traffic
from sandbox.session_recorder import SessionRecorder

if TYPE_CHECKING:
    from sandbox.simulate import World, WorldSpec

SECOND_US = 1_000_000
HOUR_US = 3_600 * SECOND_US
DAY_US = 24 * HOUR_US
SESSION_TIMEOUT_US = 30 * 60 * SECOND_US
ELIGIBLE_KINDS = ("regular", "household")  # bots, throw-away guests and blocked trackers get no email
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def simulate_email(spec: WorldSpec, world: World) -> None:
    """Add the world's Klaviyo profiles, email events and click-through sessions (deterministic)."""
    signups = _first_newsletter_signups(world)
    seen_customers = _customers_seen_on_site(world)
    visits = _DeviceVisits(world)
    for person in world.persons:
        if person.kind not in ELIGIBLE_KINDS:
            continue
        rng = random.Random(f"{spec.seed}:email:{person.person_id}")
        profile = _profile(person, signups.get(person.person_id), person.person_id in seen_customers, rng)
        if profile is None:
            continue
        world.email_profiles.append(profile)
        if profile.subscribed_us is not None:
            world.email_events.append(
                EmailEvent(_event_id(rng), "Subscribed to List", profile, profile.subscribed_us)
            )
        for send in _sends(spec, profile, rng):
            world.email_events.extend(_engage(spec, world, visits, profile, send, rng))
    visits.renumber_sessions()
    world.email_events.sort(key=lambda e: (e.ts_us, e.event_id))


def _first_newsletter_signups(world: World) -> dict[str, tuple[int, str]]:
    """{person: (when, on which browser)} of each person's first newsletter sign-up."""
    firsts: dict[str, tuple[int, str]] = {}
    for event in world.events:
        if event.name == "sign_up" and event.params.get("method") == "newsletter":
            person = event.person.person_id
            if person not in firsts or event.ts_us < firsts[person][0]:
                firsts[person] = (event.ts_us, event.session.device.cookie)
    return firsts


def _customers_seen_on_site(world: World) -> set[str]:
    """Persons whose Shopify customer left a trace on the site: a login (GA4 user_id) or an order."""
    seen = {e.person.person_id for e in world.events if e.user_id}
    return seen | {o.person.person_id for o in world.orders if not o.test}


def _profile(
    person: Person, signup: tuple[int, str] | None, customer_seen: bool, rng: random.Random
) -> EmailProfile | None:
    """A profile when the person signed up for the newsletter or is a (synced) Shopify customer.

    Only customers who left a trace on the site (a login or an order) are synced, as every device
    of a person is observably theirs (see simulate.py): a profile nothing could ever tie to its
    person would measure clairvoyance, not stitching.

    The shop's sign-up form (like its checkout, for Shopify orders) passes the GA client id of the
    browser along as a hidden field, stored as the profile property `ga_client_id`.
    """
    signup_us, cookie = signup or (None, None)
    subscribed_us = (signup_us // SECOND_US + rng.randrange(1, 4)) * SECOND_US if signup_us else None
    customer_us = person.customer.created_at_us if person.customer and customer_seen else None
    created = [t for t in (subscribed_us, customer_us) if t]
    if not created or person.email is None:
        return None
    created_us = min(created)
    email = person.email.strip().lower()
    return EmailProfile(_ulid(created_us, rng), person, email, created_us, subscribed_us, cookie)


def _sends(spec: WorldSpec, profile: EmailProfile, rng: random.Random) -> list[dict]:
    """Every email the profile receives in the simulated days, in time order."""
    sends = []
    if profile.subscribed_us is not None:
        flow = catalog.WELCOME_FLOW
        for message in flow.messages:
            sent = (
                profile.subscribed_us + int(message.delay_hours * HOUR_US) + rng.randrange(5, 60) * SECOND_US
            )
            sends.append(
                {
                    "sent_us": sent,
                    "message_id": message.message_id,
                    "flow_id": flow.flow_id,
                    "name": message.name,
                    "subject": message.subject,
                    "utm_campaign": flow.utm_campaign,
                    "utm_id": flow.flow_id,
                    "landing_path": message.landing_path,
                }
            )
    for campaign in catalog.EMAIL_CAMPAIGNS:
        if campaign.day_index >= spec.days:
            continue
        scheduled = spec.start_us + campaign.day_index * DAY_US + campaign.hour_utc * HOUR_US
        if profile.created_us <= scheduled:
            sends.append(
                {
                    "sent_us": scheduled + rng.randrange(0, 900) * SECOND_US,  # a send takes minutes
                    "message_id": campaign.campaign_id,
                    "flow_id": None,
                    "name": campaign.name,
                    "subject": campaign.subject,
                    "utm_campaign": campaign.utm_campaign,
                    "utm_id": campaign.campaign_id,
                    "landing_path": campaign.landing_path,
                }
            )
    return sorted((s for s in sends if s["sent_us"] < spec.end_us), key=lambda s: s["sent_us"])


def _engage(
    spec: WorldSpec,
    world: World,
    visits: _DeviceVisits,
    profile: EmailProfile,
    send: dict,
    rng: random.Random,
) -> list[EmailEvent]:
    """Received, maybe opened (once or twice), maybe clicked through to the site."""
    intent = profile.person.intent

    def event(metric: str, ts_us: int, **extra) -> EmailEvent:
        return EmailEvent(
            _event_id(rng),
            metric,
            profile,
            ts_us,
            message_id=send["message_id"],
            flow_id=send["flow_id"],
            message_name=send["name"],
            subject=send["subject"],
            **extra,
        )

    received = (send["sent_us"] // SECOND_US + rng.randrange(1, 30)) * SECOND_US
    events = [event("Received Email", received)]
    if rng.random() >= 0.25 + 0.45 * intent:
        return events
    opened = received + (1 + int(rng.expovariate(1 / (5 * 3_600)))) * SECOND_US
    if opened >= spec.end_us:
        return events
    events.append(event("Opened Email", opened))
    if rng.random() < 0.2:
        again = opened + (60 + int(rng.expovariate(1 / (10 * 3_600)))) * SECOND_US
        if again < spec.end_us:
            events.append(event("Opened Email", again))
    if rng.random() < 0.15 + 0.45 * intent:
        clicked = opened + rng.randrange(4, 120) * SECOND_US
        if clicked < spec.end_us:
            url = f"{catalog.SHOP_URL}{send['landing_path']}"
            session = visits.click_through(world, profile, send, clicked, rng)
            events.append(event("Clicked Email", clicked, url=url, session=session))
    return sorted(events, key=lambda e: e.ts_us)


class _DeviceVisits:
    """When each device was busy, so a click-through visit never overlaps or precedes a device's life."""

    def __init__(self, world: World):
        spans: dict[int, list[int]] = {}
        for event in world.events:
            span = spans.setdefault(id(event.session), [event.ts_us, event.ts_us])
            span[0], span[1] = min(span[0], event.ts_us), max(span[1], event.ts_us)
        self.busy: dict[str, list[tuple[int, int]]] = defaultdict(list)
        self.logins: dict[tuple[str, str], int] = {}
        for session in world.sessions:
            if id(session) in spans:
                self.busy[session.device.cookie].append(tuple(spans[id(session)]))
        for event in world.events:
            if event.user_id:
                key = (event.session.device.cookie, event.user_id)
                self.logins[key] = min(self.logins.get(key, event.ts_us), event.ts_us)
        self.touched: dict[str, Device] = {}
        self.world = world

    def free(self, device: Device, at_us: int) -> bool:
        spans = self.busy.get(device.cookie, [])
        used_before = any(start <= at_us for start, _ in spans)
        clash = any(
            start < at_us + SESSION_TIMEOUT_US + 10 * 60 * SECOND_US and end > at_us - SESSION_TIMEOUT_US
            for start, end in spans
        )
        return used_before and not clash

    def click_through(
        self, world: World, profile: EmailProfile, send: dict, clicked_us: int, rng: random.Random
    ) -> Session | None:
        person = profile.person
        devices = [d for d in person.devices if not d.shared and self.free(d, clicked_us)]
        if not devices:
            return None
        device = rng.choice(devices)
        device.sessions_started += 1
        start_us = clicked_us + rng.randrange(1, 4) * SECOND_US
        traffic = Traffic(
            "klaviyo",
            "email",
            send["utm_campaign"],
            send["utm_id"],
            link_params=((catalog.KLAVIYO_PROFILE_LINK_PARAMETER, profile.profile_id),),
        )
        session = Session(
            person,
            device,
            start_us // SECOND_US,
            device.sessions_started,
            start_us,
            traffic,
            send["landing_path"],
        )
        recorder = SessionRecorder(person, session, rng)
        own_id = str(person.customer.customer_id) if person.customer else None
        logged_in_at = self.logins.get((device.cookie, own_id or ""))
        recorder.user_id = own_id if logged_in_at is not None and logged_in_at < start_us else None
        recorder.land()
        for _ in range(rng.randrange(0, 4)):
            product = rng.choice(catalog.PRODUCTS)
            recorder.page_view(f"/products/{product.slug}", product.name, dwell_s=rng.uniform(8, 60))
            recorder.action(
                "view_item",
                {"currency": catalog.SHOP_CURRENCY, "value": float(product.price)},
                items=[
                    {
                        "item_id": product.item_id,
                        "item_name": product.name,
                        "item_category": product.category,
                        "price": float(product.price),
                        "quantity": 1,
                    }
                ],
                after_s=1.2,
            )
        recorder.end()
        world.sessions.append(session)
        world.events.extend(recorder.events)
        self.busy[device.cookie].append((start_us, recorder.now_us))
        self.touched[device.cookie] = device
        return session

    def renumber_sessions(self) -> None:
        """GA4 numbers a device's sessions in time order: a visit slotted in between shifts the later ones."""
        if not self.touched:
            return
        by_device: dict[str, list[Session]] = defaultdict(list)
        for session in self.world.sessions:
            if session.device.cookie in self.touched:
                by_device[session.device.cookie].append(session)
        for sessions in by_device.values():
            for number, session in enumerate(sorted(sessions, key=lambda s: s.start_us), start=1):
                session.session_number = number
        for event in self.world.events:
            if event.session.device.cookie in self.touched:
                event.params["ga_session_number"] = event.session.session_number


def _ulid(created_us: int, rng: random.Random) -> str:
    """A ULID as Klaviyo's profile ids are: 48-bit milliseconds then 80 random bits, Crockford base32."""
    value = ((created_us // 1000) << 80) | rng.getrandbits(80)
    return "".join(CROCKFORD[(value >> (5 * i)) & 31] for i in reversed(range(26)))


def _event_id(rng: random.Random) -> str:
    return "".join(rng.choices(ALPHANUMERIC, k=12))
