"""Per-user limits: exact sliding windows, one warning per flood, bounded memory."""

from __future__ import annotations

from bot.services.throttle import FloodGuard, InviteThrottle, SlidingWindow, Verdict


def test_flood_guard_allows_the_limit_warns_once_then_drops() -> None:
    guard = FloodGuard(limit=3, window_s=10.0)
    verdicts = [guard.check(1, t) for t in (0.0, 0.5, 1.0, 1.5, 2.0, 2.5)]
    assert verdicts == [Verdict.ALLOW] * 3 + [Verdict.WARN, Verdict.DROP, Verdict.DROP]
    assert guard.check(2, 2.5) is Verdict.ALLOW  # another user
    # dropped messages do not count: ten seconds after the first ones, room again
    assert guard.check(1, 10.1) is Verdict.ALLOW
    assert guard.check(1, 10.2) is Verdict.DROP  # 0.5 and 1.0 are still in the window...
    assert guard.check(1, 11.1) is Verdict.ALLOW  # ...until they leave it
    assert guard.check(1, 11.2) is Verdict.ALLOW
    assert guard.check(1, 11.3) is Verdict.DROP  # still the same flood: no second warning
    assert guard.check(1, 30.0) is Verdict.ALLOW
    assert [guard.check(1, 30.0) for _ in range(3)] == [Verdict.ALLOW, Verdict.ALLOW, Verdict.WARN]


def test_invite_throttle_counts_failures_in_the_window() -> None:
    throttle = InviteThrottle(tries=2, window_s=60.0)
    assert throttle.wait_s(7, 0.0) == 0.0
    throttle.failed(7, 0.0)
    throttle.failed(7, 30.0)
    assert throttle.wait_s(7, 31.0) == 29.0  # until the first failure is a minute old
    assert throttle.wait_s(8, 31.0) == 0.0
    assert throttle.wait_s(7, 60.0) == 0.0


def test_memory_is_bounded_and_idle_keys_are_forgotten() -> None:
    window = SlidingWindow(limit=1, window_s=5.0, max_keys=100)
    for key in range(1000):
        window.add(key, 0.0)
    assert len(window._keys) <= 101
    window.add("late", 10.0)  # every other key is idle by now
    assert list(window._keys) == ["late"]
