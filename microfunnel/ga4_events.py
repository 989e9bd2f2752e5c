"""GA4's own event names: collected automatically, by enhanced measurement, or recommended.

A funnel step or exclusion may name any GA4 event, custom ones included (`play_movie`). This
list lets validation tell a typo (`view_itme`, one edit from `view_item`) from a custom event:
a name close to a known one but not equal fails with "did you mean"; a name close to nothing
is a custom event, declared under `custom_events:` or flagged by a WARN asset check when the
data never holds it (orchestration/funnel_step_checks.py).
Source: support.google.com/analytics/answer/9234069 and answer/9267735.
"""

from __future__ import annotations

AUTOMATIC = (
    "first_visit", "session_start", "page_view", "user_engagement", "scroll", "click",
    "view_search_results", "file_download", "form_start", "form_submit", "video_start",
    "video_progress", "video_complete", "first_open", "screen_view", "app_remove", "app_update",
    "os_update", "ad_impression", "ad_click", "ad_exposure", "ad_query", "ad_reward",
    "notification_open", "notification_receive", "notification_dismiss", "in_app_purchase",
    "app_exception", "dynamic_link_first_open", "dynamic_link_app_open", "error",
)  # fmt: skip
RECOMMENDED = (
    "add_payment_info", "add_shipping_info", "add_to_cart", "add_to_wishlist", "begin_checkout",
    "generate_lead", "login", "purchase", "refund", "remove_from_cart", "search", "select_content",
    "select_item", "select_promotion", "share", "sign_up", "view_cart", "view_item",
    "view_item_list", "view_promotion", "earn_virtual_currency", "spend_virtual_currency",
    "join_group", "level_start", "level_end", "level_up", "post_score", "tutorial_begin",
    "tutorial_complete", "unlock_achievement", "exception", "campaign_details",
    "qualify_lead", "disqualify_lead", "working_lead", "close_convert_lead", "close_unconvert_lead",
)  # fmt: skip
GA4_EVENT_NAMES: frozenset[str] = frozenset(AUTOMATIC + RECOMMENDED)
