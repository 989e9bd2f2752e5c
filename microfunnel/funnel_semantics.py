"""The funnel semantics of microfunnel, as a small pure-Python reference.

This module is the *definition*: the dbt models in `dbt_project/models/intermediate/funnels/`
compute the same thing in SQL, the randomized tests in `tests/models/test_funnel_engine_sql.py`
hold them equal, and the sandbox ground truth calls `evaluate_funnel` for every person.
It is written for reading, not for speed (a person has a few hundred events at most).

The rules follow PostHog's funnels (the Rust UDF `funnel-udf/src/steps.rs` and
`unordered_steps.rs`, which PostHog runs for every funnel since late 2025) wherever the two
overlap; each rule's docstring says which PostHog rule it follows or where it differs and why.
DECISIONLOG.md ("Funnel semantics") holds the same table for readers who do not read Python.

Vocabulary:
- a *step event* matches one or more funnel steps (1-based step indexes);
- a *journey* (PostHog: an "attempt") is the chain of events a person takes through the
  steps, starting at one entry event (a step-1 event; in `any` mode any step event);
- the person's *result* is one journey: steps reached, with timestamps, and the entry time.

Usage::

    events = [FunnelEvent(ts_us=0, seq=1, event_id="a", steps=frozenset({1})),
              FunnelEvent(ts_us=5_000_000, seq=2, event_id="b", steps=frozenset({2}))]
    result = evaluate_funnel(events, step_count=2, window_us=10_000_000, mode="ordered")
    result.steps_reached  # 2
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from microfunnel.property_filters import Condition, EventProperties, where_holds

Mode = Literal["ordered", "strict", "any"]
MODES: tuple[Mode, ...] = ("ordered", "strict", "any")
_NO_STEP = 1 << 30  # tie rank of events that match no step: they never start or extend a journey


@dataclass(frozen=True)
class FunnelEvent:
    """One event of one person, as the funnel sees it.

    `steps` holds the 1-based indexes of the funnel steps this event matches (an event can
    match several: a page_view of /pricing is both `page_view` and `pricing_page`). Step
    filters (`where:`) are applied before: an event matches a filtered step only when it
    passes the filter (`matching_steps`). `is_exclusion` marks events that match one of the
    funnel's whole-funnel exclusions; `exclusion_steps` holds, for bounded exclusions
    (`between: [i, j]`), every step k = i..j-1 at which a journey waiting for step k+1 is
    voided by this event (`exclusion_steps_between`). `seq` is the
    person's total event order (`int_person_events.event_seq`). For `strict` funnels pass
    *every* event of the person (events matching nothing have empty `steps`): any event can
    break a strict run. For the other modes events matching nothing may be left out.
    """

    ts_us: int
    seq: int
    event_id: str
    steps: frozenset[int] = field(default_factory=frozenset)
    is_exclusion: bool = False
    exclusion_steps: frozenset[int] = field(default_factory=frozenset)

    def excludes_at(self, step: int) -> bool:
        """Does this event void a journey waiting between `step` and `step + 1`?"""
        return self.is_exclusion or step in self.exclusion_steps

    @property
    def is_any_exclusion(self) -> bool:
        return self.is_exclusion or bool(self.exclusion_steps)

    @property
    def tie_rank(self) -> int:
        """Within one timestamp, step events are taken in step order (see `order_events`)."""
        return min(self.steps) if self.steps else _NO_STEP


@dataclass(frozen=True)
class StepReached:
    """Step `step_index` of the person's journey, reached at `reached_at_us` by `event_id`.

    In `any` mode `step_index` k means "k distinct steps completed" (PostHog: "Completed k
    steps") and `funnel_step` says which configured step completed it; in the other modes
    the two are equal.
    """

    step_index: int
    funnel_step: int
    reached_at_us: int
    event_id: str


@dataclass(frozen=True)
class FunnelResult:
    """A person's result: the journey that counts, or `excluded` (then `steps` is empty).

    An excluded person appears at no step, not even step 1 (PostHog returns step -1 and
    filters the person out with `HAVING step_reached >= 0`).
    """

    steps: tuple[StepReached, ...]
    excluded: bool = False

    @property
    def steps_reached(self) -> int:
        return len(self.steps)

    @property
    def entered_at_us(self) -> int | None:
        return self.steps[0].reached_at_us if self.steps else None

    @property
    def entry_event_id(self) -> str | None:
        return self.steps[0].event_id if self.steps else None

    def reached_at(self, step_index: int) -> int | None:
        """When the journey reached `step_index` (1-based), or None if it did not."""
        return self.steps[step_index - 1].reached_at_us if step_index <= len(self.steps) else None


EXCLUDED = FunnelResult(steps=(), excluded=True)


def exclusion_steps_between(from_step: int, to_step: int) -> frozenset[int]:
    """The steps at which an exclusion `between: [from_step, to_step]` voids a waiting journey.

    PostHog (`_get_inner_event_query_for_udf`) turns an exclusion from step f to step t
    (0-based) into the flags exclusion_i for i in f+1..t, and the UDF applies exclusion_i to
    the attempt stored at step i (1-based), the one waiting for step i+1. In 1-based steps
    that is k = from_step .. to_step - 1: an exclusion between steps 2 and 4 voids a journey
    that has reached step 2 or 3 and not yet the next one. Before step 2 or after step 4 it
    is ignored.
    """
    return frozenset(range(from_step, to_step))


def matching_steps(
    name: str, properties: EventProperties, steps: Sequence[tuple[str, Iterable[Condition]]]
) -> frozenset[int]:
    """The 1-based steps an event matches: its name is the step's and it passes the step's filter.

    `steps` is (event name, `where` conditions) per step; filters follow
    `microfunnel.property_filters` (e.g. `item.item_category: Shoes` holds when any item is
    in Shoes). Callers resolving catalog names pass the names an event satisfies instead.
    """
    return frozenset(
        i for i, (step, where) in enumerate(steps, start=1) if step == name and where_holds(where, properties)
    )


def order_events(events: Iterable[FunnelEvent]) -> list[FunnelEvent]:
    """The processing order: by timestamp, then lowest matched step, then `seq`.

    PostHog groups events by timestamp and, when different events share one, processes them
    in ascending step index (`sorted_by_key(|event| event.steps[0])`), so `session_start` and
    `page_view` logged in the same microsecond convert `session_start -> page_view` whatever
    their batch order. We take the same order and break the remaining ties by `seq`, which
    makes the order total. A journey takes its steps from strictly later events in this
    order, so one event never fills two steps of one journey (PostHog: the `.rev()` walk over
    one event's steps and the `already_used_event` check). Two identical events in one
    microsecond can fill consecutive steps (PostHog: "the same event, order doesn't matter").
    """
    return sorted(events, key=lambda e: (e.ts_us, e.tie_rank, e.seq))


def evaluate_funnel(
    events: Sequence[FunnelEvent], step_count: int, window_us: int, mode: Mode
) -> FunnelResult | None:
    """A person's funnel result; None when the person never entered the funnel.

    `window_us` is the conversion window in microseconds, measured from the entry event and
    inclusive at the boundary (PostHog: `event.timestamp - entry <= conversion_window_limit`).
    `mode` is `ordered` (other events may come between steps), `strict` (no other event of
    the person between consecutive steps) or `any` (steps in any order).
    """
    if step_count < 1 or window_us < 0 or mode not in MODES:
        raise ValueError(f"step_count={step_count}, window_us={window_us}, mode={mode!r}: not a funnel")
    ordered = order_events(events)
    if mode == "any":
        return _evaluate_any_order(ordered, step_count, window_us)
    return _evaluate_sequential(ordered, step_count, window_us, strict=mode == "strict")


# -- ordered and strict --------------------------------------------------------------------------


@dataclass
class Journey:
    """One journey from one entry event: its chain of step events and how it ended."""

    chain: list[int]  # positions in the processing order, one per step reached
    excluded: bool = False

    @property
    def level(self) -> int:
        return len(self.chain)


def journeys(ordered: list[FunnelEvent], step_count: int, window_us: int, strict: bool) -> list[Journey]:
    """Every journey of a person: one per step-1 event, built one step at a time.

    A journey waiting at step j takes, as its step j+1, the *first* later event matching
    step j+1, if that event is within the window of its entry, and (strict) no other event
    broke the run (`_breaks_strict_run`). A step event goes to the *latest* journey waiting
    for it: when a newer journey reaches step j before the older one found its step j+1,
    the older journey stops at step j (PostHog stores one attempt per step and overwrites
    it with the newer one, `entered_timestamp[step] = new_entered_timestamp`). So in `A0 A1
    B2` the journey from A0 stops at step 1 and A1, B2 is a journey to step 2.

    An exclusion event strictly between two consecutive steps k and k+1 of a journey excludes
    it when the exclusion covers step k (`FunnelEvent.excludes_at`: whole-funnel exclusions
    cover every step, bounded ones `between: [i, j]` the steps i..j-1); the journey still
    takes that next step but no further one (PostHog flags the stored attempt,
    extends it once as `max_step` candidate and never stores it again), and, being
    unstored, it does not take over older journeys either. An exclusion after the journey's
    last step, up to entry + window, excludes it too (`_excluded_after_last_step`).
    """
    found = [Journey([i]) for i, event in enumerate(ordered) if 1 in event.steps]
    waiting = list(found)  # journeys stored at the current step, in entry order
    for step in range(2, step_count + 1):
        still_waiting = []
        for k, journey in enumerate(waiting):
            last, entry_ts = journey.chain[-1], ordered[journey.chain[0]].ts_us
            nxt = _next_match(ordered, last, step)
            if nxt is None or ordered[nxt].ts_us - entry_ts > window_us:
                continue
            if strict and _breaks_strict_run(ordered, last, nxt, step - 1):
                continue
            if k + 1 < len(waiting) and waiting[k + 1].chain[-1] < nxt:
                continue  # a newer journey reached this step first and takes the event
            journey.chain.append(nxt)
            lo, hi = ordered[last].ts_us, ordered[nxt].ts_us
            if any(lo < e.ts_us < hi and e.excludes_at(step - 1) for e in ordered):
                journey.excluded = True
            else:
                still_waiting.append(journey)
        waiting = still_waiting
    for journey in found:
        if not journey.excluded and journey.level < step_count:
            journey.excluded = _excluded_after_last_step(ordered, journey, window_us, strict)
    return found


def _next_match(ordered: list[FunnelEvent], after: int, step: int) -> int | None:
    return next((i for i in range(after + 1, len(ordered)) if step in ordered[i].steps), None)


def _breaks_strict_run(ordered: list[FunnelEvent], left: int, right: int, step: int) -> bool:
    """Strict: between step `step` and the next one, only repeats of `step` may occur.

    PostHog clears every stored step an event does not match (`entered_timestamp[i] = DEFAULT`
    for `i` not in `event.steps`), so an event repeating the step just reached keeps the run
    alive and any other event of the person breaks it; a later step-1 event starts a new run.
    Events sharing a timestamp with either end of the link never break it: PostHog skips the
    strict reset for same-timestamp groups of different events ("We ignore strict steps and
    exclusions in this case"). Difference: PostHog also skips it for such mixed groups
    strictly between the two steps; we let those break the run (the rule stays "no other
    event between", and a mixed group needs a funnel step event of another step anyway).
    """
    lo, hi = ordered[left].ts_us, ordered[right].ts_us
    return any(lo < e.ts_us < hi and step not in e.steps for e in ordered)


def _excluded_after_last_step(
    ordered: list[FunnelEvent], journey: Journey, window_us: int, strict: bool
) -> bool:
    """An unfinished journey is excluded by an exclusion after its last step, within the window,
    when that exclusion covers the step the journey stopped at (a journey stuck at step 1 is
    not voided by an exclusion `between: [2, 3]`: PostHog flags only the attempt stored at the
    exclusion's steps).

    PostHog flags the attempt stored at its furthest step when an exclusion arrives within
    the window of its entry and before the next step ("should be discarded, even if nothing
    happened after x, since within conversion window", `test_funnel_exclusion_no_end_event`).
    Exclusions sharing the last step's timestamp are ignored (PostHog ignores exclusions in
    mixed same-timestamp groups). A strict journey also ends at the first later event that is
    neither a repeat of its last step nor an exclusion covering that step: PostHog's strict
    reset empties the stored step, so a later exclusion finds nothing to flag (an exclusion
    event that does not cover the step is just another event, and breaks the run).
    Difference: PostHog still flags its `max_step` attempt when a *newer* run has refilled
    that step within the max's window (the check looks at whichever attempt is stored, not
    the max's own); we judge each journey on its own run.
    """
    last, level = ordered[journey.chain[-1]], journey.level
    tail_end = ordered[journey.chain[0]].ts_us + window_us
    if strict:
        breaks = [
            e.ts_us
            for e in ordered
            if e.ts_us > last.ts_us and level not in e.steps and not e.excludes_at(level)
        ]
        if breaks:
            tail_end = min(tail_end, min(breaks) - 1)
    return any(last.ts_us < e.ts_us <= tail_end and e.excludes_at(level) for e in ordered)


def _evaluate_sequential(
    ordered: list[FunnelEvent], step_count: int, window_us: int, strict: bool
) -> FunnelResult | None:
    """Pick the journey that counts (PostHog `steps.rs`: `max_step` and its replacement rule).

    - The person's furthest progress is the most steps any journey reached, excluded
      journeys included (an excluded journey counts up to the step after the exclusion).
    - The journey that counts is the first clean journey to reach that furthest step: the one
      whose last step event comes first (PostHog stops at the first full conversion and only
      moves `max_step` forward). Each step event belongs to one journey, so this is unique;
      in `A0 B1 A2 B3 C4` it is A2, B3, C4 (C4 extends the latest journey waiting at step 2).
    - If no clean journey reaches the furthest step, the person is excluded: PostHog returns
      step -1 and drops the person from every step; a later clean journey that gets as far
      rescues them (`step == max_step.0 && max_step.1.excluded`).
    """
    found = journeys(ordered, step_count, window_us, strict)
    if not found:
        return None
    furthest = max(j.level for j in found)
    clean = [j for j in found if not j.excluded and j.level == furthest]
    if not clean:
        return EXCLUDED
    best = min(clean, key=lambda j: j.chain[-1])
    return FunnelResult(
        steps=tuple(
            StepReached(i, i, ordered[p].ts_us, ordered[p].event_id)
            for i, p in enumerate(best.chain, start=1)
        )
    )


# -- any order -----------------------------------------------------------------------------------


def _evaluate_any_order(ordered: list[FunnelEvent], step_count: int, window_us: int) -> FunnelResult | None:
    """Any order: the most distinct steps done within one window (PostHog `unordered_steps.rs`).

    PostHog slides a window over the person's step events: every window starts at a step
    event's timestamp t and holds the step events in [t, t + window] (inclusive); "k steps
    reached" means k distinct steps in one window. The window that counts is the earliest
    with the most distinct steps (PostHog only moves `max_step` up). Its steps are reached at
    the first event of each step inside it, in time order (PostHog: the front of each step's
    deque, sorted), and the entry is its start.

    Exclusions (whole-funnel only: PostHog rejects "partial exclusions" in unordered funnels,
    and so does `conversions.py`): a window with an exclusion event after its start does not count, unless the
    window had already completed every step before it (PostHog clears all in-window progress
    on an exclusion, but records a completed window first; an exclusion sharing a timestamp
    with step events is processed after them). A person whose every window is cut is
    excluded.

    Difference: an event matching several steps counts for each of them here; PostHog puts it
    in one step's deque (the one whose newest event is oldest). Overlapping steps in an
    any-order funnel are rare, and the per-step rule keeps the SQL a window count.
    """
    step_events = [i for i, e in enumerate(ordered) if any(s <= step_count for s in e.steps)]
    if not step_events:
        return None
    exclusions = [e.ts_us for e in ordered if e.is_any_exclusion]
    best: tuple[int, dict[int, int]] | None = None  # (distinct steps, step -> position of its first event)
    for start in sorted({ordered[i].ts_us for i in step_events}):
        first: dict[int, int] = {}
        for i in step_events:
            if start <= ordered[i].ts_us <= start + window_us:
                for step in sorted(ordered[i].steps):
                    if step <= step_count:
                        first.setdefault(step, i)
        complete = len(first) == step_count
        cut_at = max(ordered[i].ts_us for i in first.values()) if complete else start + window_us + 1
        if any(start < ts < cut_at for ts in exclusions):
            continue
        if best is None or len(first) > best[0]:
            best = (len(first), first)
    if best is None:
        return EXCLUDED
    by_time = sorted(best[1].items(), key=lambda item: (item[1], item[0]))
    return FunnelResult(
        steps=tuple(
            StepReached(k, step, ordered[pos].ts_us, ordered[pos].event_id)
            for k, (step, pos) in enumerate(by_time, start=1)
        )
    )
