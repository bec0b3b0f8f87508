"""explainer.mnist.grid_flight: the previews of a grid in flight, watched by any number of requests."""
from __future__ import annotations

import threading
import time

from explainer.mnist.grid_flight import PREVIEWS, GridFlight, preview_steps


def test_preview_steps_are_evenly_spaced_before_the_last():
    assert preview_steps(20) == [5, 10, 15] and preview_steps(50) == [12, 25, 38]
    assert len(preview_steps(20)) == PREVIEWS and preview_steps(2) == [1] and preview_steps(3) == [1, 2]


def _run(flight: GridFlight, delay: float = 0.005) -> threading.Thread:
    def sampler():
        for t in range(1, flight.steps + 1):
            time.sleep(delay)
            flight.publish(t, f"x_hat at {t}")
        flight.finish()
    thread = threading.Thread(target=sampler)
    thread.start()
    return thread


def test_a_watcher_from_the_start_sees_every_preview_once_then_stops_when_done():
    flight = GridFlight(20)
    seen, watchers = [[], []], []
    for out in seen:
        watchers.append(threading.Thread(target=lambda out=out: out.extend(flight.watch(timeout=10))))
        watchers[-1].start()
    time.sleep(0.05)
    _run(flight).join()
    for w in watchers:
        w.join(timeout=10)
    assert seen[0] == seen[1] == [(5, "x_hat at 5"), (10, "x_hat at 10"), (15, "x_hat at 15")] and flight.done


def test_a_late_watcher_starts_at_the_newest_preview_and_a_done_flight_shows_nothing():
    flight = GridFlight(20)
    for t in range(1, 13):
        flight.publish(t, t)
    late = flight.watch(timeout=10)
    assert next(late) == (10, 10)  # 5 is old news
    flight.publish(15, 15)
    assert next(late) == (15, 15)
    flight.finish()
    assert list(late) == [] and list(flight.watch()) == []


def test_a_watch_ends_when_nothing_comes_within_its_timeout():
    flight = GridFlight(20)
    t0 = time.perf_counter()
    assert list(flight.watch(timeout=0.05)) == [] and time.perf_counter() - t0 < 5 and not flight.done
