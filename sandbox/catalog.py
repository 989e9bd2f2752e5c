"""The fixed parts of the sandbox shop: its products, pages, ad accounts and campaigns.

Kept apart from the simulator so the API emulator and the tests can name the same
campaigns and products without running a simulation.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

SHOP_HOST = "shop.example"
SHOP_URL = f"https://{SHOP_HOST}"
SHOP_CURRENCY = "EUR"
SHOP_ID = "68190000001"
# Every clock and purse of the sandbox differs, as they do in real shops (DECISIONLOG.md, "Sandbox clocks"):
SHOP_TIME_ZONE = "Europe/Berlin"  # Shopify shop { ianaTimezone }
GA4_PROPERTY_TIME_ZONE = "Europe/Berlin"  # event_date and the day files follow the property's zone
GOOGLE_ADS_TIME_ZONE = "America/New_York"  # customer.time_zone: segments.date is a New York day
GOOGLE_ADS_CURRENCY = "USD"
META_TIME_ZONE = "Europe/London"  # ad account timezone_name: date_start is a London day
META_CURRENCY = "GBP"
AD_ACCOUNT_CLOCKS = {
    "google_ads": (GOOGLE_ADS_TIME_ZONE, GOOGLE_ADS_CURRENCY),
    "meta_ads": (META_TIME_ZONE, META_CURRENCY),
}
STREAM_ID = "4178593621"
GOOGLE_ADS_CUSTOMER_ID = "1234567890"
META_AD_ACCOUNT_ID = "998877665544"
GA_CLIENT_ID_ATTRIBUTE = "ga_client_id"
THROWAWAY_EMAIL = "test@example.com"


@dataclass(frozen=True)
class Product:
    item_id: str
    name: str
    category: str
    price: Decimal
    slug: str


PRODUCTS = [
    Product("SKU-1001", "Trail Runner Shoe", "Shoes", Decimal("119.00"), "trail-runner"),
    Product("SKU-1002", "City Sneaker", "Shoes", Decimal("89.00"), "city-sneaker"),
    Product("SKU-1003", "Merino Running Tee", "Apparel", Decimal("49.00"), "merino-tee"),
    Product("SKU-1004", "Windproof Jacket", "Apparel", Decimal("159.00"), "windproof-jacket"),
    Product("SKU-1005", "Hydration Vest", "Gear", Decimal("74.50"), "hydration-vest"),
    Product("SKU-1006", "Running Socks 3-Pack", "Apparel", Decimal("19.90"), "socks-3-pack"),
    Product("SKU-1007", "GPS Watch Strap", "Gear", Decimal("24.99"), "watch-strap"),
    Product("SKU-1008", "Recovery Roller", "Gear", Decimal("34.00"), "recovery-roller"),
]

CONTENT_PAGES = [
    ("/", "Home"),
    ("/collections/shoes", "Shoes"),
    ("/collections/apparel", "Apparel"),
    ("/blog/how-to-choose-trail-shoes", "How to choose trail shoes"),
    ("/blog/marathon-training-plan", "Marathon training plan"),
    ("/about", "About us"),
]
PRICING_PAGES = [("/pricing", "Pricing & shipping"), ("/pricing/membership", "Membership pricing")]
GUIDE_PAGE = ("/guides/running-guide", "Free running guide")
LEAD_MAGNET_FILE = "guide.pdf"


@dataclass(frozen=True)
class Campaign:
    platform: str  # google_ads | meta_ads
    campaign_id: str
    name: str
    utm_campaign: str
    channel_type: str  # Google: advertisingChannelType; Meta: objective
    cost_per_click: Decimal  # in the ad account's currency
    click_through_rate: float
    ad_group_ids: tuple[str, ...]
    acquisition_weight: float  # share of first visits this campaign brings among its platform
    retargeting: bool = False


CAMPAIGNS = [
    Campaign(
        "google_ads",
        "20481001",
        "Search | Brand",
        "search_brand",
        "SEARCH",
        Decimal("0.45"),
        0.12,
        ("151001", "151002"),
        0.25,
    ),
    Campaign(
        "google_ads",
        "20481002",
        "Search | Generic Running Shoes",
        "search_generic",
        "SEARCH",
        Decimal("1.35"),
        0.045,
        ("151003", "151004", "151005"),
        0.45,
    ),
    Campaign(
        "google_ads",
        "20481003",
        "PMax | Catalog",
        "pmax_catalog",
        "PERFORMANCE_MAX",
        Decimal("0.80"),
        0.018,
        ("151006",),
        0.30,
    ),
    Campaign(
        "meta_ads",
        "120210000000001",
        "Prospecting | Lookalike Runners",
        "prospecting_lookalike",
        "OUTCOME_SALES",
        Decimal("0.95"),
        0.011,
        ("120210000000101",),
        1.0,
    ),
    Campaign(
        "meta_ads",
        "120210000000002",
        "Retargeting | Cart Abandoners",
        "retargeting_cart",
        "OUTCOME_SALES",
        Decimal("0.60"),
        0.021,
        ("120210000000102",),
        0.0,
        retargeting=True,
    ),
]


def campaigns_of(platform: str) -> list[Campaign]:
    return [c for c in CAMPAIGNS if c.platform == platform]


# -- email marketing (Klaviyo) -----------------------------------------------------------------------
# Ids in Klaviyo's shapes: metrics, lists, flows and flow messages have 6-character ids, campaigns
# and profiles 26-character ULIDs.
KLAVIYO_METRICS = {
    "Received Email": "RcvE7q",
    "Opened Email": "OpnE3k",
    "Clicked Email": "ClkE9t",
    "Subscribed to List": "SubL5m",
}
NEWSLETTER_LIST_ID = "NwsL2x"
NEWSLETTER_LIST_NAME = "Newsletter"
# The shop's UTM tracking settings add this custom parameter (value: Klaviyo's "Profile ID") to every
# link, next to utm_source=klaviyo, utm_medium=email, utm_campaign and utm_id.
KLAVIYO_PROFILE_LINK_PARAMETER = "kl_profile_id"


@dataclass(frozen=True)
class FlowMessage:
    message_id: str
    name: str
    subject: str
    delay_hours: float  # after the flow's trigger (the list subscription)
    landing_path: str


@dataclass(frozen=True)
class EmailFlow:
    flow_id: str
    name: str
    utm_campaign: str
    trigger_type: str
    created: str
    messages: tuple[FlowMessage, ...]


@dataclass(frozen=True)
class EmailCampaign:
    campaign_id: str
    name: str
    subject: str
    utm_campaign: str
    day_index: int  # sent on the world's start date + day_index (when the world lasts that long)
    hour_utc: int
    landing_path: str


WELCOME_FLOW = EmailFlow(
    "WlcF4r",
    "Welcome Series",
    "welcome-series",
    "Added to List",
    "2026-06-02T09:14:07+00:00",
    (
        FlowMessage("WlcM1a", "Welcome Series: Email 1", "Welcome to the club", 0.1, "/"),
        FlowMessage("WlcM2b", "Welcome Series: Email 2", "How to choose trail shoes", 48, GUIDE_PAGE[0]),
        FlowMessage("WlcM3c", "Welcome Series: Email 3", "10% off your first run", 120, "/collections/shoes"),
    ),
)
EMAIL_CAMPAIGNS = [
    EmailCampaign(
        "01JA7ZK3M8Q4R2T6V9W1X5Y7ZB",
        "October Newsletter",
        "New trail shoes are in",
        "october-newsletter",
        5,
        9,
        "/collections/shoes",
    ),
    EmailCampaign(
        "01JB2C4D6E8F0G2H4J6K8M0N2P",
        "Black Friday Early Access",
        "Early access: 25% off everything",
        "black-friday-early-access",
        19,
        17,
        "/pricing",
    ),
]
