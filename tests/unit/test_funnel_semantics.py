"""Hand-worked cases for the funnel semantics reference (microfunnel/funnel_semantics.py).

Every case writes its events as `name@second` and works the answer out in a comment. Steps
are A, B, C, D (1, 2, 3, 4); X is a whole-funnel exclusion event (Y and Z bounded ones,
below); N is an event matching no step. Windows are in seconds. `reached` lists the seconds
at which the counted journey reached each step.
"""

from __future__ import annotations

import pytest

from microfunnel.funnel_semantics import (
    FunnelEvent,
    evaluate_funnel,
    exclusion_steps_between,
    matching_steps,
    order_events,
)
from microfunnel.property_filters import EventProperties, parse_where, where_holds

S = 1_000_000  # one second in microseconds
STEP = {"A": 1, "B": 2, "C": 3, "D": 4}


def events(spec: str) -> list[FunnelEvent]:
    """'A@0 B@5 X@6 N@7 AB@9' -> events in seq order (AB matches steps 1 and 2)."""
    out = []
    for seq, token in enumerate(spec.split(), start=1):
        names, at = token.split("@")
        steps = frozenset(STEP[c] for c in names if c in STEP)
        out.append(FunnelEvent(int(float(at) * S), seq, f"{token}#{seq}", steps, is_exclusion="X" in names))
    return out


def reached(spec: str, steps: int, window_s: float, mode: str = "ordered") -> list[float] | None:
    result = evaluate_funnel(events(spec), steps, int(window_s * S), mode)
    if result is None:
        return None
    if result.excluded:
        return ["excluded"]
    return [s.reached_at_us / S for s in result.steps]


# -- window boundary ---------------------------------------------------------------------------


def test_a_step_exactly_at_the_window_boundary_converts():
    # A@0, B@10, window 10 s: 10 - 0 <= 10, inclusive (PostHog: 14:00 -> 14:05 converts in a
    # 5-minute window). Reached: A at 0, B at 10.
    assert reached("A@0 B@10", 2, 10) == [0, 10]


def test_a_step_one_microsecond_after_the_window_does_not_convert():
    # A@0, B@10.000001, window 10 s: 10.000001 > 10, so only step 1.
    assert reached("A@0 B@10.000001", 2, 10) == [0]


def test_the_window_is_measured_from_the_entry_not_from_the_previous_step():
    # A@0 B@6 C@12, window 10: C is 6 s after B but 12 s after the entry A, so the journey
    # stops at B. Reached: [0, 6].
    assert reached("A@0 B@6 C@12", 3, 10) == [0, 6]


# -- order, same-timestamp events, one event per step ------------------------------------------


def test_ordered_steps_must_come_in_order():
    # B@0 A@1: B before any A cannot be step 2; A@1 enters. Reached: [1].
    assert reached("B@0 A@1", 2, 10) == [1]


def test_other_events_between_steps_are_allowed_in_ordered_mode():
    # A@0 N@1 B@2: ordered ignores N. Reached: [0, 2].
    assert reached("A@0 N@1 B@2", 2, 10) == [0, 2]


def test_one_event_cannot_fill_two_consecutive_steps():
    # Funnel A -> A: one A@0 matches both steps but fills only step 1 (PostHog walks an
    # event's steps in reverse, so it cannot extend its own step 1). Reached: [0].
    one = [FunnelEvent(0, 1, "a", frozenset({1, 2}))]
    assert [s.reached_at_us for s in evaluate_funnel(one, 2, 10 * S, "ordered").steps] == [0]


def test_two_identical_events_in_one_microsecond_fill_consecutive_steps():
    # Funnel A -> A with two A events at t=0: the first is step 1, the second step 2
    # (PostHog: identical events at one timestamp are processed one after the other).
    two = [FunnelEvent(0, 1, "a1", frozenset({1, 2})), FunnelEvent(0, 2, "a2", frozenset({1, 2}))]
    result = evaluate_funnel(two, 2, 10 * S, "ordered")
    assert [(s.reached_at_us, s.event_id) for s in result.steps] == [(0, "a1"), (0, "a2")]


def test_same_timestamp_steps_are_taken_in_step_order_whatever_their_batch_order():
    # B@0 logged before A@0 (seq 1, 2): ties are ordered by step, so A then B, and the
    # journey converts with a 0 s gap. Reached: [0, 0].
    assert reached("B@0 A@0", 2, 10) == [0, 0]


def test_an_event_matching_two_steps_extends_an_earlier_journey():
    # A@0 then AB@5 (matches A and B): AB is step 2 of the journey from A@0, not its own
    # step 2. Reached: [0, 5].
    assert reached("A@0 AB@5", 2, 10) == [0, 5]


def test_ties_are_ordered_by_lowest_step_then_seq():
    evs = events("C@1 B@1 N@1 A@1")
    assert [e.event_id for e in order_events(evs)] == ["A@1#4", "B@1#2", "C@1#1", "N@1#3"]


# -- repeated entries: which journey counts ----------------------------------------------------


def test_repeated_entries_count_the_latest_entry_before_the_next_step():
    # A@0 A@3 B@5: B extends the latest journey waiting at step 1 (A@3); PostHog overwrites
    # the stored step 1 with each new A. Reached: [3, 5] (time to convert 2 s, not 5 s).
    assert reached("A@0 A@3 B@5", 2, 10) == [3, 5]


def test_the_first_journey_to_reach_the_furthest_step_counts():
    # A@0 B@1 A@2 B@3 C@4: journeys A0-B1 and A2-B3; C@4 extends the latest journey waiting
    # at step 2 (A2-B3). Reached: [2, 3, 4].
    assert reached("A@0 B@1 A@2 B@3 C@4", 3, 10) == [2, 3, 4]


def test_a_later_entry_that_never_progresses_does_not_replace_the_journey():
    # A@0 B@1 A@2 C@4: A@2 waits at step 1 and never sees a B; C@4 extends A0-B1.
    # Reached: [0, 1, 4].
    assert reached("A@0 B@1 A@2 C@4", 3, 10) == [0, 1, 4]


def test_a_person_who_only_enters_counts_at_the_first_entry():
    # A@0 A@3, no B: the first journey to reach step 1 is A@0 (PostHog moves max_step only
    # forward). Reached: [0].
    assert reached("A@0 A@3", 2, 10) == [0]


def test_after_a_full_conversion_later_events_change_nothing():
    # A@0 B@1 A@5 B@6: the first full conversion (A0, B1) counts. Reached: [0, 1].
    assert reached("A@0 B@1 A@5 B@6", 2, 10) == [0, 1]


def test_a_person_without_a_step_one_event_is_absent():
    # B@0 C@1: nobody entered. Result: absent (None).
    assert reached("B@0 C@1", 3, 10) is None


# -- exclusions ------------------------------------------------------------------------------


def test_an_exclusion_between_steps_removes_the_person_from_every_step():
    # A@0 X@1 B@2, window 10: X falls between A and B, so the journey is excluded and the
    # person appears at no step, not even step 1.
    assert reached("A@0 X@1 B@2", 2, 10) == ["excluded"]


def test_an_exclusion_before_the_entry_is_ignored():
    # X@0 A@1 B@2: X precedes the entry. Reached: [1, 2].
    assert reached("X@0 A@1 B@2", 2, 10) == [1, 2]


def test_an_exclusion_after_the_last_step_is_ignored():
    # A@0 B@1 X@2 with a 2-step funnel: the journey completed at B@1. Reached: [0, 1].
    assert reached("A@0 B@1 X@2", 2, 10) == [0, 1]


def test_an_exclusion_inside_the_window_of_an_unfinished_journey_excludes_it():
    # A@0 X@5, window 10, no B (PostHog test_funnel_exclusion_no_end_event: "discarded, even
    # if nothing happened after x, since within conversion window").
    assert reached("A@0 X@5", 2, 10) == ["excluded"]


def test_an_exclusion_after_the_window_of_an_unfinished_journey_is_ignored():
    # A@0 X@11, window 10: X is outside the window. Reached: [0].
    assert reached("A@0 X@11", 2, 10) == [0]


def test_a_later_clean_journey_rescues_an_excluded_person():
    # A@0 X@1 A@31, window 10 (PostHog test_funnel_exclusion... "step1@0, excl@1, step1@31"):
    # A0 is excluded, A31 is clean and reaches the same step. Reached: [31].
    assert reached("A@0 X@1 A@31", 2, 10) == [31]


def test_an_exclusion_outside_the_first_journeys_window_keeps_it():
    # A@0 A@31 X@32, window 10: X excludes A31 but is 32 s after A0, outside its window;
    # A0 was first to reach step 1 and stays clean. Reached: [0].
    assert reached("A@0 A@31 X@32", 2, 10) == [0]


def test_an_exclusion_in_both_windows_excludes_the_person():
    # A@0 A@1 X@2, window 10: X is inside both journeys' windows. Excluded.
    assert reached("A@0 A@1 X@2", 2, 10) == ["excluded"]


def test_an_exclusion_sharing_a_timestamp_with_the_journeys_step_is_ignored():
    # A@0 B@5 X@5, 3 steps: X ties with the journey's step B (PostHog ignores exclusions in
    # mixed same-timestamp groups). Reached: [0, 5].
    assert reached("A@0 B@5 X@5", 3, 10) == [0, 5]


def test_an_excluded_journey_still_counts_one_step_past_the_exclusion():
    # A@0 X@1 B@2 C@3, then a clean A@20 B@21; window 100. The excluded journey A0 reaches
    # B@2 (one step past X) and stops, so the furthest step is 2; the clean journey A20-B21
    # also reaches step 2 and rescues the person. Reached: [20, 21].
    assert reached("A@0 X@1 B@2 C@3 A@20 B@21", 3, 100) == [20, 21]


def test_the_exclusion_is_judged_on_the_journey_that_owns_the_step():
    # A@0 A@8 B@9 X@15, window 10, 3 steps: B@9 belongs to the latest journey A8 (A0 stops
    # at step 1); X@15 is 7 s after A8, inside its window, so A8-B9 is excluded. A0 stays
    # clean (15 > 0 + 10), but the furthest step is 2 and no clean journey reaches it: the
    # person is excluded. (Judging A0-B9 instead would dodge X; PostHog does not.)
    assert reached("A@0 A@8 B@9 X@15", 3, 10) == ["excluded"]


# -- strict ----------------------------------------------------------------------------------


def test_strict_mode_breaks_on_any_other_event_between_steps():
    # A@0 N@1 B@2 strict: N between A and B breaks the run. Reached: [0].
    assert reached("A@0 N@1 B@2", 2, 10, "strict") == [0]


def test_strict_mode_restarts_at_the_next_entry():
    # A@0 N@1 A@2 B@3 strict: the run from A0 breaks at N; A2-B3 is unbroken. Unlike
    # windowFunnel's strict_order, which stops for good at N. Reached: [2, 3].
    assert reached("A@0 N@1 A@2 B@3", 2, 10, "strict") == [2, 3]


def test_strict_mode_allows_repeats_of_the_step_just_reached():
    # A@0 B@1 B@2 C@3 strict: the repeated B keeps the run at step 2 (PostHog clears only
    # steps the event does not match). Reached: [0, 1, 3].
    assert reached("A@0 B@1 B@2 C@3", 3, 10, "strict") == [0, 1, 3]


def test_strict_mode_breaks_on_an_earlier_step_repeated():
    # A@0 B@1 A@2 C@3 strict: A@2 breaks the run at step 2 and starts a new one, which needs
    # a B. Furthest: step 2 via A0-B1. Reached: [0, 1].
    assert reached("A@0 B@1 A@2 C@3", 3, 10, "strict") == [0, 1]


def test_strict_mode_ignores_events_sharing_a_timestamp_with_a_step():
    # A@0 N@0 B@1 strict: N shares A's timestamp (GA4 logs session_start and page_view in
    # one microsecond), so it does not break the run. Reached: [0, 1].
    assert reached("A@0 N@0 B@1", 2, 10, "strict") == [0, 1]


def test_strict_mode_an_exclusion_after_the_run_broke_is_ignored():
    # A@0 N@1 X@2, window 10, strict: the run ended at N@1, so X@2 finds nothing to exclude.
    # (PostHog agrees here; it differs only when a newer run refills the step first.)
    assert reached("A@0 N@1 X@2", 2, 10, "strict") == [0]


# -- any order -------------------------------------------------------------------------------


def test_any_order_counts_distinct_steps_in_one_window():
    # C@0 A@1 B@2, any order: 3 distinct steps within [0, 10]. Reached (in time order): [0, 1, 2].
    assert reached("C@0 A@1 B@2", 3, 10, "any") == [0, 1, 2]


def test_any_order_counts_a_repeated_step_once():
    # B@0 B@1 A@2: distinct steps {B, A} = 2; the first B counts. Reached: [0, 2].
    assert reached("B@0 B@1 A@2", 3, 10, "any") == [0, 2]


def test_any_order_takes_the_earliest_window_with_the_most_steps():
    # A@0 B@20 C@25, window 10: windows [0,10] {A}, [20,30] {B,C}: the best is 2 steps
    # starting at 20. Reached: [20, 25].
    assert reached("A@0 B@20 C@25", 3, 10, "any") == [20, 25]


def test_any_order_window_boundary_is_inclusive():
    # B@0 A@10, window 10: both in [0, 10]. Reached: [0, 10]; with A@10.5 only 1 step.
    assert reached("B@0 A@10", 2, 10, "any") == [0, 10]
    assert reached("B@0 A@10.5", 2, 10, "any") == [0]


def test_any_order_an_exclusion_inside_an_unfinished_window_cuts_it():
    # B@0 X@3 A@20, window 10: the window at 0 holds X (cut); the window at 20 holds {A}.
    # Reached: [20].
    assert reached("B@0 X@3 A@20", 2, 10, "any") == [20]


def test_any_order_an_exclusion_after_the_window_completed_is_ignored():
    # B@0 A@1 X@3, 2 steps, window 10: the window completed at 1, before X. Reached: [0, 1].
    assert reached("B@0 A@1 X@3", 2, 10, "any") == [0, 1]


def test_any_order_a_person_whose_every_window_is_cut_is_excluded():
    # A@0 X@1, window 10: the only window holds X. Excluded.
    assert reached("A@0 X@1", 2, 10, "any") == ["excluded"]


@pytest.mark.parametrize("mode", ["ordered", "strict", "any"])
def test_no_events_means_absent(mode):
    assert evaluate_funnel([], 3, 10 * S, mode) is None


# -- bounded exclusions (between: [i, j]) ------------------------------------------------------
# Y and Z are exclusion events whose bounds each case gives; PostHog turns `between: [i, j]`
# into flags on the attempts waiting at steps i..j-1 (funnel_semantics.exclusion_steps_between).


def bounded(spec: str, steps: int, window_s: float, mode: str = "ordered", **bounds) -> list | None:
    """Like `reached`, with Y/Z exclusions bounded by `Y=(i, j)` / `Z=(i, j)`."""
    evs = []
    for event in events(spec):
        token = event.event_id.split("@")[0]
        covered = frozenset().union(
            *(exclusion_steps_between(*bounds[name]) for name in "YZ" if name in token and name in bounds)
        )
        evs.append(
            FunnelEvent(event.ts_us, event.seq, event.event_id, event.steps, event.is_exclusion, covered)
        )
    result = evaluate_funnel(evs, steps, int(window_s * S), mode)
    if result is None:
        return None
    return ["excluded"] if result.excluded else [s.reached_at_us / S for s in result.steps]


def test_between_two_and_three_covers_the_wait_at_step_two_only():
    assert exclusion_steps_between(2, 3) == {2}
    assert exclusion_steps_between(1, 4) == {1, 2, 3}


def test_a_bounded_exclusion_before_its_first_step_is_ignored():
    # A@0 Y@1 B@2 C@3, Y between [2, 3]: Y comes while the journey waits at step 1, which Y
    # does not cover. Reached: [0, 2, 3].
    assert bounded("A@0 Y@1 B@2 C@3", 3, 10, Y=(2, 3)) == [0, 2, 3]


def test_a_bounded_exclusion_inside_its_steps_excludes_the_journey():
    # A@0 B@1 Y@2 C@3, Y between [2, 3]: Y falls between B and C. The journey takes C (one
    # step past) but is excluded, and nobody else got as far: excluded.
    assert bounded("A@0 B@1 Y@2 C@3", 3, 10, Y=(2, 3)) == ["excluded"]


def test_a_bounded_exclusion_after_the_conversion_is_ignored():
    # A@0 B@1 C@2 Y@3: the journey completed at C@2 before Y. Reached: [0, 1, 2].
    assert bounded("A@0 B@1 C@2 Y@3", 3, 10, Y=(2, 3)) == [0, 1, 2]


def test_a_bounded_exclusion_after_an_unfinished_journeys_last_covered_step_excludes_it():
    # A@0 B@1 Y@2, no C, window 10: the journey waits at step 2, which Y covers, and Y is
    # within the window (PostHog's no-end-event rule, bounded). Excluded.
    assert bounded("A@0 B@1 Y@2", 3, 10, Y=(2, 3)) == ["excluded"]


def test_a_bounded_exclusion_after_an_unfinished_journey_stuck_before_its_steps_is_ignored():
    # A@0 Y@2, no B, Y between [2, 3]: the journey waits at step 1, not covered. Reached: [0].
    assert bounded("A@0 Y@2", 3, 10, Y=(2, 3)) == [0]


def test_an_exclusion_between_one_and_two_ignores_the_wait_at_step_two():
    # A@0 B@1 Z@2 C@3, Z between [1, 2]: Z comes while the journey waits at step 2; Z covers
    # only step 1. Reached: [0, 1, 3].
    assert bounded("A@0 B@1 Z@2 C@3", 3, 10, Z=(1, 2)) == [0, 1, 3]


def test_an_exclusion_between_one_and_two_voids_the_wait_at_step_one():
    # A@0 Z@1 B@2 C@3, Z between [1, 2]: Z between A and B. The excluded journey reaches B
    # (one step past Z) and stops; nobody clean reaches step 2: excluded.
    assert bounded("A@0 Z@1 B@2 C@3", 3, 10, Z=(1, 2)) == ["excluded"]


def test_a_later_clean_attempt_converts_after_a_bounded_exclusion():
    # A@0 B@1 Y@2 A@10 B@11 C@12, Y between [2, 3], window 20. Journey A0-B1 waits at step 2
    # when Y comes: excluded. A10-B11 reaches step 2 before C@12 arrives, so C@12 extends the
    # newer journey (A0-B1 stops at 2). A10-B11-C12 is clean and furthest. Reached: [10, 11, 12].
    assert bounded("A@0 B@1 Y@2 A@10 B@11 C@12", 3, 20, Y=(2, 3)) == [10, 11, 12]


def test_a_journey_past_the_bounded_range_is_not_voided_by_a_later_exclusion():
    # Four steps A B C D, Z between [1, 2]: A@0 B@1 Z@2 C@3. Z comes while waiting at step 2
    # (not covered); the journey goes on to C and waits for D; Z is before C. Reached: [0, 1, 3].
    assert bounded("A@0 B@1 Z@2 C@3", 4, 10, Z=(1, 2)) == [0, 1, 3]


def test_an_exclusion_between_two_and_four_covers_the_wait_at_step_three():
    # Four steps, Y between [2, 4] (covers steps 2 and 3): A@0 B@1 C@2 Y@3 D@4 -> Y between C
    # and D: excluded.
    assert bounded("A@0 B@1 C@2 Y@3 D@4", 4, 10, Y=(2, 4)) == ["excluded"]


def test_a_bounded_exclusion_tied_with_the_journeys_last_step_is_ignored():
    # A@0 B@5 Y@5, Y between [2, 3]: Y shares B's timestamp (PostHog ignores exclusions in
    # mixed same-timestamp groups). Reached: [0, 5].
    assert bounded("A@0 B@5 Y@5", 3, 10, Y=(2, 3)) == [0, 5]


def test_a_bounded_exclusion_after_the_window_is_ignored():
    # A@0 B@1 Y@11, window 10: Y is 11 s after the entry. Reached: [0, 1].
    assert bounded("A@0 B@1 Y@11", 3, 10, Y=(2, 3)) == [0, 1]


def test_strict_a_covering_exclusion_breaks_the_run_and_excludes_it():
    # Strict, A@0 B@1 Y@2 C@3, Y between [2, 3]: Y breaks the run (C@3 cannot be step 3) and
    # flags the journey waiting at step 2 before PostHog's strict reset: excluded.
    assert bounded("A@0 B@1 Y@2 C@3", 3, 10, "strict", Y=(2, 3)) == ["excluded"]


def test_strict_a_non_covering_exclusion_only_breaks_the_run():
    # Strict, A@0 Z@1 B@2, Z between [2, 3]: Z comes while waiting at step 1 (not covered);
    # it is still an event, so it breaks the strict run, and it flags nothing. Reached: [0].
    assert bounded("A@0 Z@1 B@2", 3, 10, "strict", Z=(2, 3)) == [0]


def test_any_order_exclusions_with_whole_funnel_bounds_cut_windows():
    # Any order, B@0 Y@3 A@20, Y between [1, 2] (the whole 2-step funnel): the window at 0
    # holds Y and is cut; the window at 20 holds {A}. Reached: [20].
    assert bounded("B@0 Y@3 A@20", 2, 10, "any", Y=(1, 2)) == [20]


# -- filtered steps and exclusions (where:) --------------------------------------------------
# Events are (name, seconds, properties); a funnel is its steps and exclusions as
# (event, where) and (event, where, between). matching_steps applies the filters.


def shop_events(funnel_steps, exclusions, timeline) -> list[FunnelEvent]:
    steps = [(name, parse_where(where)) for name, where in funnel_steps]
    out = []
    for seq, (name, at, props) in enumerate(timeline, start=1):
        properties = EventProperties(
            params=props.get("params", {}),
            items=tuple(props.get("items", ())),
            user=props.get("user", {}),
            records={"device": props.get("device", {})},
        )
        covered = frozenset().union(
            *(
                exclusion_steps_between(*between)
                for event, where, between in exclusions
                if event == name and where_holds(parse_where(where), properties)
            )
        )
        out.append(
            FunnelEvent(
                int(at * S), seq, f"{name}@{at}", matching_steps(name, properties, steps), False, covered
            )
        )
    return out


def shop_reached(funnel_steps, timeline, exclusions=(), window_s=100, mode="ordered"):
    result = evaluate_funnel(
        shop_events(funnel_steps, exclusions, timeline), len(funnel_steps), int(window_s * S), mode
    )
    if result is None:
        return None
    return ["excluded"] if result.excluded else [s.reached_at_us / S for s in result.steps]


SHOES = {"item.item_category": "Shoes"}
SHOES_FUNNEL = [("view_item", SHOES), ("add_to_cart", SHOES), ("purchase", {})]


def item(category: str, price: float = 10.0) -> dict:
    return {"item_category": category, "price": price}


def test_a_filtered_entry_step_skips_events_that_fail_the_filter():
    # view_item(Bags)@0 view_item(Shoes)@5 add_to_cart(Shoes)@6 purchase@7: only the Shoes
    # view is step 1. Reached: [5, 6, 7].
    timeline = [
        ("view_item", 0, {"items": [item("Bags")]}),
        ("view_item", 5, {"items": [item("Shoes")]}),
        ("add_to_cart", 6, {"items": [item("Shoes")]}),
        ("purchase", 7, {}),
    ]
    assert shop_reached(SHOES_FUNNEL, timeline) == [5, 6, 7]


def test_an_item_filter_holds_when_any_item_of_the_event_matches():
    # view_item with items [Bags, Shoes]@0, add_to_cart(Bags)@1: the view is step 1 (one of
    # its items is Shoes); the Bags cart is not step 2. Reached: [0].
    timeline = [
        ("view_item", 0, {"items": [item("Bags"), item("Shoes")]}),
        ("add_to_cart", 1, {"items": [item("Bags")]}),
    ]
    assert shop_reached(SHOES_FUNNEL, timeline) == [0]


def test_an_event_without_items_fails_an_item_filter():
    # add_to_cart@1 has no items[]: "any item" is false. Reached: [0].
    timeline = [("view_item", 0, {"items": [item("Shoes")]}), ("add_to_cart", 1, {})]
    assert shop_reached(SHOES_FUNNEL, timeline) == [0]


def test_a_filtered_middle_step_waits_for_a_matching_event():
    # view(Shoes)@0 cart(Bags)@1 cart(Shoes)@2 purchase@3: step 2 is the Shoes cart at 2.
    timeline = [
        ("view_item", 0, {"items": [item("Shoes")]}),
        ("add_to_cart", 1, {"items": [item("Bags")]}),
        ("add_to_cart", 2, {"items": [item("Shoes")]}),
        ("purchase", 3, {}),
    ]
    assert shop_reached(SHOES_FUNNEL, timeline) == [0, 2, 3]


def test_numbers_compare_by_value_whatever_the_params_type():
    # value gte 50: int 50 and string "60" pass, double 49.99 does not.
    funnel = [("session_start", {}), ("add_to_cart", {"value": {"gte": 50}})]
    for value, expected in [(50, [0, 1]), ("60", [0, 1]), (49.99, [0]), ("sixty", [0])]:
        timeline = [("session_start", 0, {}), ("add_to_cart", 1, {"params": {"value": value}})]
        assert shop_reached(funnel, timeline) == expected, value


def test_not_holds_when_the_param_is_missing_but_contains_does_not():
    funnel = [("session_start", {}), ("page_view", {"page_location": {"not": "https://shop/sale"}})]
    assert shop_reached(funnel, [("session_start", 0, {}), ("page_view", 1, {})]) == [0, 1]
    funnel = [("session_start", {}), ("page_view", {"page_location": {"contains": "/sale"}})]
    assert shop_reached(funnel, [("session_start", 0, {}), ("page_view", 1, {})]) == [0]


def test_device_and_user_property_filters_read_their_records():
    # Step 1 only on mobile, step 2 only for members: desktop session_start@0 is no entry;
    # mobile@1 is; sign_up@2 of a member is step 2. Reached: [1, 2].
    funnel = [
        ("session_start", {"device.category": "mobile"}),
        ("sign_up", {"user.tier": {"in": ["gold", "member"]}}),
    ]
    timeline = [
        ("session_start", 0, {"device": {"category": "desktop"}}),
        ("session_start", 1, {"device": {"category": "mobile"}}),
        ("sign_up", 2, {"user": {"tier": "member"}}),
    ]
    assert shop_reached(funnel, timeline) == [1, 2]


def test_a_filtered_exclusion_voids_only_on_matching_events():
    # refund(reason=fraud) excludes; refund(reason=late) does not. Whole funnel.
    funnel = [("view_item", {}), ("purchase", {})]
    fraud = [("refund", {"reason": {"in": ["fraud", "test"]}}, (1, 2))]
    late = [("view_item", 0, {}), ("refund", 1, {"params": {"reason": "late"}}), ("purchase", 2, {})]
    assert shop_reached(funnel, late, fraud) == [0, 2]
    test = [("view_item", 0, {}), ("refund", 1, {"params": {"reason": "test"}}), ("purchase", 2, {})]
    assert shop_reached(funnel, test, fraud) == ["excluded"]


def test_two_exclusions_on_one_event_with_different_filters_keep_their_own_bounds():
    # chat(topic=payment) between [2, 3]; chat(topic=sizing) between [1, 2].
    # A@0 chat(payment)@1 B@2 chat(sizing)@3 C@4: each chat comes at a wait its filter's
    # bounds do not cover. Reached: [0, 2, 4]. With chat(payment)@3 instead: excluded.
    funnel = [("A", {}), ("B", {}), ("C", {})]
    chats = [("chat", {"topic": "payment"}, (2, 3)), ("chat", {"topic": "sizing"}, (1, 2))]

    def chat(at, topic):
        return ("chat", at, {"params": {"topic": topic}})

    ok = [("A", 0, {}), chat(1, "payment"), ("B", 2, {}), chat(3, "sizing"), ("C", 4, {})]
    assert shop_reached(funnel, ok, chats) == [0, 2, 4]
    bad = [("A", 0, {}), chat(1, "payment"), ("B", 2, {}), chat(3, "payment"), ("C", 4, {})]
    assert shop_reached(funnel, bad, chats) == ["excluded"]


def test_one_event_name_can_be_a_step_and_an_exclusion_under_different_filters():
    # Step 2 = view_item(Shoes); exclusion view_item(Bags) between [1, 2]:
    # A@0 view(Bags)@1 view(Shoes)@2 -> the Bags view voids the wait at step 1: excluded.
    funnel = [("session_start", {}), ("view_item", SHOES)]
    bags = [("view_item", {"item.item_category": "Bags"}, (1, 2))]
    timeline = [
        ("session_start", 0, {}),
        ("view_item", 1, {"items": [item("Bags")]}),
        ("view_item", 2, {"items": [item("Shoes")]}),
    ]
    assert shop_reached(funnel, timeline, bags) == ["excluded"]
    assert shop_reached(funnel, timeline) == [0, 2]


def test_a_regex_filter_searches_the_text_form():
    funnel = [("page_view", {"page_location": {"regex": "/p/[0-9]+$"}}), ("purchase", {})]
    timeline = [
        ("page_view", 0, {"params": {"page_location": "https://shop/p/12?x=1"}}),
        ("page_view", 1, {"params": {"page_location": "https://shop/p/12"}}),
        ("purchase", 2, {}),
    ]
    assert shop_reached(funnel, timeline) == [1, 2]
