"""Wait estimates against the waits people actually had: a simulated office day, replayed.

The branch's own code runs the day (issue_ticket, call_next, finish on a temp
SQLite file, the app's clock moved by the simulation): people arrive at random
(a morning rush, then a steady stream; a share take the priority lane), four
counters serve them with known service times (lognormal, mean 6 minutes) and a
short gap between people. Each ticket's estimate is the one the kiosk printed
(branch.waits.ticket_estimate when it was issued); its actual wait is from issue
to call. Prints the mean and median absolute error in minutes, per lane and in
all, over several seeded days. Aim: median error under 5 minutes.

    python bench/wait_estimates.py                 # 5 days, seeds 1..5
    python bench/wait_estimates.py --days 1 --seed 7
"""
import argparse
import heapq
import math
import os
import random
import secrets
import statistics
import sys
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from branch import counters, create_app, waits  # noqa: E402
from branch.auth import create_staff  # noqa: E402
from branch.cli import add_counters  # noqa: E402
from branch.db import db, init_db  # noqa: E402
from branch.tickets import issue_ticket  # noqa: E402

OPEN_UTC = datetime(2026, 11, 27, 1, 0, tzinfo=timezone.utc)     # 08:00 in Serang
RUSH_MINUTES, DAY_MINUTES = 90, 420
RUSH_PER_HOUR, STEADY_PER_HOUR = 55, 22      # arrivals (all lanes)
PRIORITY_SHARE = 0.2
SERVICE_MEAN, SERVICE_SIGMA = 6.0, 0.45      # minutes, lognormal
GAP_MINUTES = 0.4                            # a counter's pause between two people
COUNTERS = ["1", "2", "3", "4"]


class Clock:
    def __init__(self):
        self.now = OPEN_UTC

    def __call__(self):
        return self.now

    def at(self, minutes):
        self.now = OPEN_UTC + timedelta(minutes=minutes)


def arrivals(rng):
    """(minute, lane) of each person, in order."""
    people, minute = [], 0.0
    while True:
        rate = RUSH_PER_HOUR if minute < RUSH_MINUTES else STEADY_PER_HOUR
        minute += rng.expovariate(rate / 60)
        if minute >= DAY_MINUTES:
            return people
        people.append((minute, "priority" if rng.random() < PRIORITY_SHARE else "general"))


def service_minutes(rng):
    mu = math.log(SERVICE_MEAN) - SERVICE_SIGMA ** 2 / 2
    return rng.lognormvariate(mu, SERVICE_SIGMA)


def nik(n, lane):
    born = "120350" if lane == "priority" else "150590"     # the elderly take priority
    return f"3604{n // 9999 % 99 + 1:02d}{born}{n % 9999 + 1:04d}"


def simulate(seed, folder):
    """One day; [(lane, estimated minutes, actual minutes)] per person called."""
    rng, clock = random.Random(seed), Clock()
    path = os.path.join(folder, f"day-{seed}.db")
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{path}", "CLOCK": clock,
                      "SECRET_KEY": secrets.token_hex(32), "RATELIMIT_ENABLED": False,
                      "CAP_GENERAL": 10 ** 6, "CAP_PRIORITY": 10 ** 6})
    with app.app_context():
        init_db()
        db.connect(reuse_if_open=True)
        add_counters(COUNTERS)
        staff = create_staff("bench", "bench-password", "staff")
        return _run_day(rng, clock, staff)


def _run_day(rng, clock, staff):
    events = [(minute, 0, "arrive", lane) for minute, lane in arrivals(rng)]
    events += [(0.0, 1, "free", name) for name in COUNTERS]
    heapq.heapify(events)
    estimates, results, idle, serving = {}, [], set(), {}
    while events:
        minute, _, kind, what = heapq.heappop(events)
        clock.at(minute)
        if kind == "arrive":
            ticket = issue_ticket(what, nik(len(estimates), what),
                                  reason="elderly" if what == "priority" else None)
            estimates[ticket.id] = (what, waits.ticket_estimate(ticket).minutes, minute)
            for name in sorted(idle):       # a free counter calls at once
                idle.discard(name)
                heapq.heappush(events, (minute, 1, "free", name))
                break
            continue
        if what in serving:
            counters.finish(serving.pop(what), "passport_issued", staff)
        ticket = counters.call_next(what, staff)
        if ticket is None:
            idle.add(what)
            continue
        lane, estimated, issued = estimates[ticket.id]
        results.append((lane, estimated, minute - issued))
        serving[what] = ticket.id
        heapq.heappush(events, (minute + service_minutes(rng) + GAP_MINUTES, 1, "free", what))
    return results


def report(results):
    errors = [abs(est - actual) for _, est, actual in results]
    print(f"  {'lane':<9} {'people':>6} {'mean wait':>10} {'mean abs err':>13} "
          f"{'median abs err':>15} {'p90 abs err':>12}")
    groups = [(lane, [r for r in results if r[0] == lane]) for lane in ("general", "priority")]
    groups += [("all", results), ("waited15+", [r for r in results if r[2] >= 15])]
    for name, rows in groups:
        if not rows:
            continue
        errs = sorted(abs(e - a) for _, e, a in rows)
        print(f"  {name:<9} {len(rows):>6} "
              f"{statistics.mean(a for *_, a in rows):>8.1f} m "
              f"{statistics.mean(errs):>11.1f} m {statistics.median(errs):>13.1f} m "
              f"{errs[int(0.9 * (len(errs) - 1))]:>10.1f} m")
    median = statistics.median(errors)
    print(f"  verdict   median absolute error {median:.1f} min: "
          + ("target met (< 5 min)" if median < 5 else "target NOT met (>= 5 min)"))
    return median < 5


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1, help="seed of the first day")
    args = parser.parse_args(argv)
    results = []
    with tempfile.TemporaryDirectory(prefix="antrean-waits-") as folder:
        for seed in range(args.seed, args.seed + args.days):
            results += simulate(seed, folder)
    print(f"wait estimates: {args.days} simulated day(s), {len(COUNTERS)} counters, service "
          f"lognormal mean {SERVICE_MEAN} min, rush {RUSH_PER_HOUR}/h for {RUSH_MINUTES} min "
          f"then {STEADY_PER_HOUR}/h, {PRIORITY_SHARE:.0%} priority")
    return 0 if report(results) else 1


if __name__ == "__main__":
    sys.exit(main())
