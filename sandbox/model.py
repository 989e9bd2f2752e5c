"""The records of a simulated world: what happened, with the true person behind each one.

These are the simulator's own records, not any vendor's format; the GA4 export writer and
the API emulator render them into the vendors' wire formats.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sandbox.catalog import GA4_PROPERTY_TIME_ZONE
from sandbox.clocks import local_date


@dataclass(slots=True)
class Device:
    cookie: str  # GA4 user_pseudo_id ("<random>.<first-visit unix seconds>")
    category: str  # desktop | mobile | tablet
    operating_system: str
    browser: str
    shared: bool = False
    logged_in_as: str | None = None  # the user_id the site remembers on this device
    sessions_started: int = 0


@dataclass(slots=True)
class Person:
    person_id: str  # the true person, known only to the sandbox
    kind: str  # regular | bot | household | throwaway_buyer | tracking_blocked
    email: str | None
    has_account: bool
    intent: float
    devices: list[Device] = field(default_factory=list)
    customer: Customer | None = None


@dataclass(slots=True)
class Customer:
    customer_id: int  # Shopify legacyResourceId; GA4 user_id carries str(customer_id)
    email: str  # as typed by the buyer (not normalized)
    created_at_us: int
    first_name: str


@dataclass(slots=True)
class Traffic:
    source: str
    medium: str
    campaign: str | None = None
    campaign_id: str | None = None
    content: str | None = None
    term: str | None = None
    gclid: str | None = None
    fbclid: str | None = None
    referrer: str | None = None
    link_params: tuple[tuple[str, str], ...] = ()  # further query parameters of the landing URL


@dataclass(slots=True)
class Session:
    person: Person
    device: Device
    ga_session_id: int  # GA4: unix seconds of the session start
    session_number: int
    start_us: int
    traffic: Traffic
    landing_path: str


@dataclass(slots=True)
class Event:
    person: Person
    session: Session
    user_id: str | None
    ts_us: int
    name: str
    params: dict[str, str | int | float]
    page_location: str
    page_title: str
    batch_page_id: int
    batch_ordering_id: int
    batch_event_index: int
    items: list[dict] = field(default_factory=list)
    ecommerce: dict | None = None
    order: Order | None = None  # the Shopify order a purchase event reports
    arrival_delay_days: int = 0  # > 0: the event reaches the export days late
    duplicated: bool = False  # GA4 delivers this row twice

    @property
    def event_date(self) -> date:
        """GA4's event_date: the date in the property's time zone (the day file it lands in)."""
        return local_date(self.ts_us, GA4_PROPERTY_TIME_ZONE)


@dataclass(slots=True)
class LineItem:
    item_id: str
    title: str
    quantity: int
    unit_price: Decimal


@dataclass(slots=True)
class Refund:
    refund_id: int
    created_at_us: int
    amount: Decimal


@dataclass(slots=True)
class Order:
    person: Person
    customer: Customer
    created_at_us: int  # whole seconds: Shopify timestamps carry no fraction
    email: str  # as typed at checkout
    lines: list[LineItem]
    shipping: Decimal
    tax: Decimal
    session: Session | None
    ga_client_id: str | None  # the GA cookie on the buying device, as a custom attribute
    test: bool = False
    cancelled_at_us: int | None = None
    refunds: list[Refund] = field(default_factory=list)
    order_id: int = 0  # assigned in creation order once the world is complete
    name: str = ""

    @property
    def subtotal(self) -> Decimal:
        return sum((line.unit_price * line.quantity for line in self.lines), Decimal("0"))

    @property
    def total(self) -> Decimal:
        return self.subtotal + self.shipping + self.tax

    @property
    def updated_at_us(self) -> int:
        return max([self.created_at_us, self.cancelled_at_us or 0] + [r.created_at_us for r in self.refunds])


@dataclass(slots=True)
class AdClick:
    platform: str
    campaign_id: str
    ad_group_id: str
    click_id: str  # gclid or fbclid
    date_day: date
    person: Person | None  # None for clicks that bounced before GA4 saw them
    session: Session | None = None


@dataclass(slots=True)
class CampaignDay:
    platform: str
    campaign_id: str
    date_day: date
    impressions: int
    clicks: int
    cost_micros: int  # Google reports micros; Meta's spend is cost_micros / 1e6 as a decimal string


@dataclass(slots=True)
class EmailProfile:
    """A Klaviyo profile: one per email address, made at a newsletter sign-up or a Shopify customer sync."""

    profile_id: str
    person: Person
    email: str  # as Klaviyo stores it
    created_us: int
    subscribed_us: int | None = None  # joined the newsletter list (a sign-up on the site)
    ga_client_id: str | None = None  # the sign-up form's hidden field: the GA cookie of the signing browser


@dataclass(slots=True)
class EmailEvent:
    """One Klaviyo event: Received / Opened / Clicked Email, or Subscribed to List."""

    event_id: str
    metric: str  # the Klaviyo metric name
    profile: EmailProfile
    ts_us: int  # whole seconds: Klaviyo's `timestamp` is in seconds
    message_id: str | None = None  # the campaign id, or the flow message id
    flow_id: str | None = None
    message_name: str | None = None  # Klaviyo's "Campaign Name" (for a flow: the flow message's name)
    subject: str | None = None
    url: str | None = None  # Clicked Email: the link
    session: Session | None = None  # Clicked Email: the site visit GA4 recorded (None: no GA4 session)
