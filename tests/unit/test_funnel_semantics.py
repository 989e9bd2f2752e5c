"""Hand-worked cases for the funnel semantics reference (microfunnel/funnel_semantics.py).

Every case writes its events as `name@second` and works the answer out in a comment. Steps
are A, B, C (1, 2, 3); X is an exclusion event; N is an event matching no step. Windows are
in seconds. `reached` lists the seconds at which the counted journey reached each step.
"""

from __future__ import annotations

import pytest

from microfunnel.funnel_semantics import FunnelEvent, evaluate_funnel, order_events

S = 1_000_000  # one second in microseconds
STEP = {"A": 1, "B": 2, "C": 3}


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
