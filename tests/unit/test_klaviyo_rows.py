"""The Klaviyo source's rows: no event property that carries an email address reaches a row."""

from __future__ import annotations

from ingestion.sources.klaviyo.helpers import event_row


def test_event_properties_that_carry_an_email_address_are_dropped_and_the_rest_kept():
    properties = {
        "Recipient Email Address": "not itself an address",  # the name says what it holds
        "recipient email address (old)": "",  # whatever the case
        "Reply-To": "Support <help@shop.example>",  # an address inside a text
        "Campaign Name": "Autumn sale",
        "URL": "https://shop.example/p/1?utm_source=klaviyo&utm_campaign=" + "x" * 5_000,  # long, no @
        "Twitter": "@shop",  # an @, but no address
        "Opens": 3,
        "Bot Click": False,
    }
    resource = {"id": "e1", "attributes": {"event_properties": properties}}
    kept = event_row(resource, "Clicked Email")["event_properties"]
    assert kept == {key: properties[key] for key in ("Campaign Name", "URL", "Twitter", "Opens", "Bot Click")}
