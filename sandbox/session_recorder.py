"""Turn a session's actions into GA4 web events with a realistic clock and batching.

GA4's gtag sends several events with the same timestamp (first_visit, session_start and the
landing page_view share one), orders them with batch_ordering_id / batch_event_index, and
reports time on page in `user_engagement` events when a page is left. The recorder keeps
that bookkeeping out of the simulator's behaviour code.
"""

from __future__ import annotations

import random

from sandbox import catalog
from sandbox.model import Event, Order, Person, Session

SECOND_US = 1_000_000


class SessionRecorder:
    def __init__(self, person: Person, session: Session, rng: random.Random):
        self.person = person
        self.session = session
        self.rng = rng
        self.events: list[Event] = []
        self.now_us = session.start_us
        device = session.device
        own_user_id = str(person.customer.customer_id) if person.customer else None
        self.user_id = own_user_id if device.logged_in_as and device.logged_in_as == own_user_id else None
        self.login_first = False
        self.page_path: str | None = None
        self.page_title = ""
        self.page_started_us = 0
        self.page_leave_us = 0
        self.batch_page_id = 0
        self.batch_ordering_id = 0
        self.page_views = 0
        self.engaged = False

    # -- pages -------------------------------------------------------------------------------
    def land(self) -> None:
        """The landing page view; on a device's first session also first_visit."""
        first = self.session.device.sessions_started == 1 and self.session.session_number == 1
        names = (["first_visit"] if first else []) + ["session_start"]
        self._open_page(
            self.session.landing_path, _title(self.session.landing_path), dwell_s=self.rng.uniform(5, 40)
        )
        for index, name in enumerate(names):
            self._emit(name, {}, batch_event_index=index)
        self._emit(
            "page_view", {"page_referrer": self.session.traffic.referrer or ""}, batch_event_index=len(names)
        )

    def page_view(self, path: str, title: str, dwell_s: float, at_current_time: bool = False) -> None:
        """Leave the current page (user_engagement) and open the next one."""
        if not at_current_time:
            self.now_us = max(self.now_us, self.page_leave_us)
        previous = f"{catalog.SHOP_URL}{self.page_path}" if self.page_path else ""
        self._leave_page()
        self.now_us += self.rng.randrange(200_000, 900_000)
        self._open_page(path, title, dwell_s)
        self._emit("page_view", {"page_referrer": previous})

    def action(self, name: str, params: dict, items: list[dict] | None = None, after_s: float = 1.0) -> None:
        self.now_us += int(after_s * SECOND_US) + self.rng.randrange(0, 1000)
        self.page_leave_us = max(self.page_leave_us, self.now_us + SECOND_US)
        self._emit(name, params, items=items or [])

    def purchase(self, order: Order, items: list[dict], params: dict) -> None:
        """GA4's purchase fires on the thank-you page, after Shopify created the order."""
        self.action("purchase", {**params, "transaction_id": ""}, items=items, after_s=1.5)
        event = self.events[-1]
        event.order = order
        event.ecommerce = {"order": order}

    def end(self) -> None:
        self.now_us = max(self.now_us, self.page_leave_us)
        self._leave_page()

    # -- bookkeeping -------------------------------------------------------------------------
    def _open_page(self, path: str, title: str, dwell_s: float) -> None:
        self.page_path, self.page_title = path, title
        self.page_started_us = self.now_us
        self.page_leave_us = self.now_us + int(dwell_s * SECOND_US)
        self.batch_page_id += 1
        self.page_views += 1

    def _leave_page(self) -> None:
        if self.page_path is None:
            return
        engaged_ms = max((self.now_us - self.page_started_us) // 1000, 1)
        self._emit("user_engagement", {"engagement_time_msec": int(engaged_ms)})
        self.page_path = None

    def _emit(
        self, name: str, params: dict, items: list[dict] | None = None, batch_event_index: int = 0
    ) -> None:
        if self.page_views >= 2 or self.now_us - self.session.start_us >= 10 * SECOND_US:
            self.engaged = True
        base = {
            "ga_session_id": self.session.ga_session_id,
            "ga_session_number": self.session.session_number,
            "page_location": f"{catalog.SHOP_URL}{self.page_path or ''}",
            "page_title": self.page_title,
        }
        if self.engaged:
            base["session_engaged"] = "1"
        if batch_event_index == 0:
            self.batch_ordering_id += 1
        self.events.append(
            Event(
                person=self.person,
                session=self.session,
                user_id=self.user_id,
                ts_us=self.now_us,
                name=name,
                params={**base, **params},
                page_location=base["page_location"],
                page_title=self.page_title,
                batch_page_id=self.batch_page_id,
                batch_ordering_id=self.batch_ordering_id,
                batch_event_index=batch_event_index,
                items=items or [],
            )
        )


def _title(path: str) -> str:
    for page_path, title in catalog.CONTENT_PAGES + catalog.PRICING_PAGES + [catalog.GUIDE_PAGE]:
        if page_path == path:
            return title
    for product in catalog.PRODUCTS:
        if path == f"/products/{product.slug}":
            return product.name
    return "Shop"
