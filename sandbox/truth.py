"""The ground truth of a world: who is really behind each identifier, and what really happened.

Identifier values are in the warehouse's canonical form (emails hashed with the same keyed
HMAC the Shopify source uses), so a test can join the truth to the warehouse directly.
An identifier used by several true persons (the family computer, the throw-away email and
its Shopify customer, a pasted gclid) is `is_shared`: it has no single true person, and the
pairwise scores leave it out — the stitcher must cut it, not guess.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from microfunnel.pii import hash_email
from sandbox.simulate import World
from sandbox.truth_email import email_identifier_owners


@dataclass(frozen=True)
class IdentifierTruth:
    identifier_type: str  # anonymous_id | user_id | customer_id | email_hash | order_id | gclid | fbclid
    identifier_value: str
    person_id: str | None  # None when shared by several true persons
    persons: tuple[str, ...]

    @property
    def is_shared(self) -> bool:
        return len(self.persons) > 1


def identifier_truth(world: World, pii_key: str, email_marketing: bool = False) -> list[IdentifierTruth]:
    """Every identifier the world's data exposes, with the true person(s) who used it.

    `email_marketing`: also Klaviyo's identifiers (its profiles' email hashes), for a
    warehouse that loads Klaviyo; without it the truth is that of GA4, Shopify and the ad platforms.
    """
    owners: dict[tuple[str, str], set[str]] = defaultdict(set)
    if email_marketing:
        for key, persons in email_identifier_owners(world, pii_key).items():
            owners[key] |= persons
    for event in world.events:
        person = event.person.person_id
        owners[("anonymous_id", event.session.device.cookie)].add(person)
        if event.user_id:
            owners[("user_id", event.user_id)].add(person)
    for session in world.sessions:
        for kind, value in (("gclid", session.traffic.gclid), ("fbclid", session.traffic.fbclid)):
            if value:
                owners[(kind, value)].add(session.person.person_id)
    for order in world.orders:
        if order.test:
            continue
        person = order.person.person_id
        owners[("order_id", str(order.order_id))].add(person)
        owners[("customer_id", str(order.customer.customer_id))].add(person)
        owners[("email_hash", hash_email(order.email, pii_key))].add(person)
        if order.ga_client_id:
            owners[("anonymous_id", order.ga_client_id)].add(person)
    return [
        IdentifierTruth(
            kind, value, next(iter(persons)) if len(persons) == 1 else None, tuple(sorted(persons))
        )
        for (kind, value), persons in sorted(owners.items())
    ]


def warehouse_persons(database: Path) -> dict[tuple[str, str], str]:
    """(identifier_type, identifier_value) -> person_id as a warehouse or serving file's
    `marts.dim_person_identifiers` says: what the scores below compare with the truth."""
    import duckdb

    with duckdb.connect(str(database), read_only=True) as connection:
        return {
            (kind, value): person
            for kind, value, person in connection.execute(
                "select identifier_type, identifier_value, person_id from marts.dim_person_identifiers"
            ).fetchall()
        }


def pairwise_scores(truth: list[IdentifierTruth], predicted: dict[tuple[str, str], str]) -> dict[str, float]:
    """Pairwise precision and recall of "these two identifiers are the same person".

    Pairs are counted per cluster (n*(n-1)/2), never enumerated, so this stays fast for large
    worlds. Shared identifiers are left out of both sides. `predicted` maps
    (identifier_type, identifier_value) -> person_id as the warehouse says; an identifier the
    warehouse does not know counts as a person of its own.
    """
    single = [t for t in truth if not t.is_shared]

    def pairs(groups: dict) -> int:
        return sum(len(members) * (len(members) - 1) // 2 for members in groups.values())

    by_true: dict[str, list] = defaultdict(list)
    by_predicted: dict[str, list] = defaultdict(list)
    by_both: dict[tuple[str, str], list] = defaultdict(list)
    for t in single:
        key = (t.identifier_type, t.identifier_value)
        guess = predicted.get(key, f"unknown:{key}")
        by_true[t.person_id].append(key)
        by_predicted[guess].append(key)
        by_both[(t.person_id, guess)].append(key)
    true_pairs, predicted_pairs, agreed = pairs(by_true), pairs(by_predicted), pairs(by_both)
    return {
        "precision": agreed / predicted_pairs if predicted_pairs else 1.0,
        "recall": agreed / true_pairs if true_pairs else 1.0,
        "true_pairs": float(true_pairs),
        "predicted_pairs": float(predicted_pairs),
    }


def order_scores(
    world: World, truth: list[IdentifierTruth], predicted: dict[tuple[str, str], str]
) -> dict[str, float]:
    """Share of (non-test) orders the warehouse gives to their buyer.

    A true person's *home* is the predicted person holding most of their unshared identifiers. An
    order is right when its order_id's predicted person is its buyer's home and that home belongs
    mostly to the buyer (so an order glued to a stranger, or left on a person of its own while the
    buyer's browsing sits elsewhere, counts as wrong).
    """
    by_true: dict[str, list[str]] = defaultdict(list)
    owners_of_predicted: dict[str, list[str]] = defaultdict(list)
    for t in truth:
        if t.is_shared:
            continue
        key = (t.identifier_type, t.identifier_value)
        guess = predicted.get(key, f"unknown:{key}")
        by_true[t.person_id].append(guess)
        owners_of_predicted[guess].append(t.person_id)

    def most_common(values: list[str]) -> str:
        return max(sorted(set(values)), key=values.count)

    home = {person: most_common(guesses) for person, guesses in by_true.items()}
    orders = [o for o in world.orders if not o.test]
    right = 0
    for order in orders:
        buyer = order.person.person_id
        guess = predicted.get(("order_id", str(order.order_id)))
        is_home = guess is not None and guess == home.get(buyer)
        right += is_home and most_common(owners_of_predicted[guess]) == buyer
    return {"orders": float(len(orders)), "orders_right": right / len(orders) if orders else 1.0}
