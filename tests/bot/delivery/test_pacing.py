"""The send pacer: unpaced until Slack says 429, then at the rate Slack accepted, a little under."""

from __future__ import annotations

import pytest

from bot.delivery.pacing import FLOOR, IDLE_RESET_SECONDS, MARGIN, SLOWER, SendPacer


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def accept(pacer: SendPacer, clock: Clock, key: str, *, count: int, over: float) -> None:
    for _ in range(count):
        pacer.accepted(key)
        clock.now += over / count


def test_a_token_slack_never_limited_is_not_paced() -> None:
    clock = Clock()
    pacer = SendPacer(monotonic=clock)
    accept(pacer, clock, "xoxb-a", count=500, over=1.0)

    assert [pacer.reserve("xoxb-a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert pacer.rate("xoxb-a") is None


def test_after_a_429_sends_pause_then_go_at_what_slack_accepted() -> None:
    clock = Clock()
    pacer = SendPacer(monotonic=clock)
    accept(pacer, clock, "xoxb-a", count=40, over=0.5)  # 40 accepted in the last second
    pacer.limited("xoxb-a", retry_after=1)
    clock.now += 0.1
    pacer.accepted("xoxb-a")  # the answer to a call Slack took just before its 429

    during_pause = pacer.reserve("xoxb-a")
    clock.now += 1.0  # the pause is over
    after = [pacer.reserve("xoxb-a") for _ in range(3)]

    assert during_pause == pytest.approx(0.9)
    assert pacer.rate("xoxb-a") == pytest.approx(41 * MARGIN)
    # The slots already reserved during the pause come first; then one every 1/rate seconds.
    assert after[2] - after[1] == pytest.approx(1 / (41 * MARGIN))
    assert pacer.reserve("xoxb-b") == 0.0  # another workspace's token is not slowed


def test_the_pace_settles_after_the_pause_even_while_senders_queue_for_slots() -> None:
    clock = Clock()
    pacer = SendPacer(monotonic=clock)
    pacer.accepted("k")
    pacer.limited("k", retry_after=1)  # only one answer was in when the 429 came
    accept(pacer, clock, "k", count=40, over=0.2)  # the answers to the rest of the burst
    for _ in range(8):  # eight senders take their slots during the pause
        pacer.reserve("k")
    clock.now += 1.0
    for _ in range(50):  # and keep taking the next ones
        pacer.reserve("k")
        clock.now += 0.01

    assert pacer.rate("k") == pytest.approx(41 * MARGIN)


def test_429s_of_calls_already_under_way_count_once_and_later_ones_slow_the_pace() -> None:
    clock = Clock()
    pacer = SendPacer(monotonic=clock)
    accept(pacer, clock, "k", count=20, over=0.5)
    pacer.limited("k", retry_after=1)
    for _ in range(7):  # the other senders' calls that were in flight
        pacer.limited("k", retry_after=1)
    clock.now += 1.0
    pacer.reserve("k")
    settled = pacer.rate("k")

    clock.now += 5.0
    pacer.limited("k", retry_after=1)  # the limit moved

    assert settled == pytest.approx(20 * MARGIN)
    assert pacer.rate("k") == pytest.approx(20 * MARGIN * SLOWER)


def test_the_pace_never_falls_below_half_the_ceiling_and_climbs_back_to_it() -> None:
    clock = Clock()
    pacer = SendPacer(monotonic=clock)
    accept(pacer, clock, "k", count=40, over=0.5)
    pacer.limited("k", retry_after=1)
    clock.now += 1.0
    pacer.reserve("k")
    ceiling = pacer.rate("k")
    assert ceiling == pytest.approx(40 * MARGIN)
    for _ in range(20):  # a 429 every few seconds, for a minute
        clock.now += 3.0
        pacer.limited("k", retry_after=1)
    lowest = pacer.rate("k")

    accept(pacer, clock, "k", count=60, over=30.0)  # half a minute without a 429

    assert lowest == pytest.approx(ceiling * FLOOR)
    assert pacer.rate("k") == pytest.approx(ceiling)


def test_a_token_idle_for_a_minute_starts_unpaced_again() -> None:
    clock = Clock()
    pacer = SendPacer(monotonic=clock)
    accept(pacer, clock, "k", count=10, over=0.5)
    pacer.limited("k", retry_after=1)
    clock.now += 2
    pacer.reserve("k")

    clock.now += IDLE_RESET_SECONDS

    assert pacer.reserve("k") == 0.0
    assert pacer.rate("k") is None


def test_a_429_with_too_few_sends_accepted_around_it_pauses_but_sets_no_pace() -> None:
    clock = Clock()
    pacer = SendPacer(monotonic=clock)
    accept(pacer, clock, "k", count=2, over=0.5)  # the limit was spent elsewhere: two got in
    pacer.limited("k", retry_after=1)
    assert pacer.reserve("k") == pytest.approx(1.0)  # everyone waits out the pause
    clock.now += 1.0
    assert pacer.reserve("k") == 0.0
    assert pacer.rate("k") is None  # not paced at a made-up rate


@pytest.mark.parametrize("bursts", [True, False])
def test_a_burst_slack_allowed_once_does_not_set_the_pace_for_good(bursts: bool) -> None:
    # Slack's token bucket: 30 at once, then 10 a second.
    clock = Clock()
    pacer = SendPacer(monotonic=clock, bursts=bursts)
    accept(pacer, clock, "k", count=30, over=0.4)
    pacer.limited("k", retry_after=1)
    clock.now += 1.0
    pacer.reserve("k")
    first = pacer.rate("k")
    for _ in range(3):  # paced too fast: Slack takes 10 a second and says 429 to the rest
        accept(pacer, clock, "k", count=15, over=1.5)
        pacer.limited("k", retry_after=1)
    settled = pacer.rate("k")
    accept(pacer, clock, "k", count=50, over=10.0)  # no more 429s: how far it climbs back

    assert first == pytest.approx(30 * MARGIN)
    assert settled is not None
    if bursts:
        assert 10 * MARGIN * SLOWER <= settled <= 10  # just under what Slack sustains
        assert pacer.rate("k") == pytest.approx(10, rel=0.01)  # and no further
    else:  # a window limit's pace: a tenth slower per 429, back up to the first after
        assert first * FLOOR <= settled < first * SLOWER
        assert pacer.rate("k") == pytest.approx(first)
