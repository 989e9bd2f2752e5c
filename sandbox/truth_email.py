"""The ground truth of email marketing: who received, opened and clicked which message, per true person.

Klaviyo's own record (every email event) is exact; what the warehouse must get right is the person
behind each event: a profile's email hash joins Shopify's, and a click-through visit joins the browser
to the profile. `email_engagement` is the per person, per message answer a test compares the
warehouse's `email_opened` / `email_clicked` micro-conversions with.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from microfunnel.pii import hash_email
from sandbox.simulate import World

ENGAGEMENT_METRICS = {"Received Email": "received", "Opened Email": "opened", "Clicked Email": "clicked"}


@dataclass(frozen=True)
class MessageEngagement:
    """One true person and one message (a campaign, or a flow's message): how often each step happened."""

    person_id: str
    profile_id: str
    message_id: str
    flow_id: str | None
    message_name: str
    received: int
    opened: int
    clicked: int
    first_opened_us: int | None
    first_clicked_us: int | None


def email_engagement(world: World) -> list[MessageEngagement]:
    """Per (true person, message): received, opened and clicked counts, with the first open and click."""
    steps: dict[tuple[str, str], dict] = {}
    for event in world.email_events:
        step = ENGAGEMENT_METRICS.get(event.metric)
        if step is None:
            continue
        key = (event.profile.person.person_id, event.message_id)
        row = steps.setdefault(
            key,
            {
                "profile_id": event.profile.profile_id,
                "flow_id": event.flow_id,
                "message_name": event.message_name,
                "received": 0,
                "opened": 0,
                "clicked": 0,
                "first_opened_us": None,
                "first_clicked_us": None,
            },
        )
        row[step] += 1
        first = f"first_{step}_us"
        if first in row and (row[first] is None or event.ts_us < row[first]):
            row[first] = event.ts_us
    return [
        MessageEngagement(person_id=person, message_id=message, **row)
        for (person, message), row in sorted(steps.items())
    ]


def email_identifier_owners(world: World, pii_key: str) -> dict[tuple[str, str], set[str]]:
    """The identifiers Klaviyo exposes (each profile's email hash; the GA client ids of sign-ups and
    click-throughs are GA4's own), with the true person(s) behind each."""
    owners: dict[tuple[str, str], set[str]] = defaultdict(set)
    for profile in world.email_profiles:
        owners[("email_hash", hash_email(profile.email, pii_key))].add(profile.person.person_id)
    return owners
