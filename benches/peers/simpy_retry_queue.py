"""The throttled retry-queue model of mailsim, written the way a SimPy user would write it.

Same model as the `retry-queue` workload of benches/support/mod.rs (issue 16): Poisson arrivals
of N messages over 12 hours (2.4 M by default), one receiver with a per-IP token bucket (starts
full, refills continuously; an empty bucket answers 451 4.7.500) and a 2-hour outage from 4 h to
6 h that refuses every connection, 1% invalid recipients (550, bounce), zero transaction time,
unlimited connections (so every attempt opens a connection from the next IP, round robin), and a
fixed 20-minute retry interval with a 2-day give-up age.

Each message is a SimPy process: it arrives, makes its attempt at once (the attempt takes no
time, so there is nothing to wait for), and on a temporary failure waits 20 minutes and tries
again. Times are milliseconds, like mailsim. Prints one JSON object: the results, the number of
events in mailsim's sense (arrivals, attempt ends and retry timers), the time of the
simulation (wall and CPU) and the process's peak memory.
"""

import argparse
import collections
import json
import random
import resource
import time

import simpy

HOUR_MS = 3_600_000


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2_400_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    scale = args.messages / 2_400_000
    params = dict(
        rate_per_ms=args.messages / (12 * HOUR_MS),
        arrivals_end_ms=12 * HOUR_MS,
        ips=max(1, round(10 * scale)),
        ip_rate_per_ms=15_000 / HOUR_MS,
        burst=500,
        outage=(4 * HOUR_MS, 6 * HOUR_MS),
        invalid_share=0.01,
        retry_ms=20 * 60_000,
        lifetime_ms=2 * 24 * HOUR_MS,
        horizon_ms=3 * 24 * HOUR_MS,
    )
    started, cpu_started = time.perf_counter(), time.process_time()
    result = simulate(params, args.seed)
    result["wall_s"] = time.perf_counter() - started
    result["cpu_s"] = time.process_time() - cpu_started
    result["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def simulate(p, seed):
    env = simpy.Environment()
    rng = random.Random(seed)
    stats = collections.Counter()
    latency_sum = [0.0]
    buckets = [[float(p["burst"]), 0] for _ in range(p["ips"])]  # tokens, last update
    next_ip = [0]
    outage_start, outage_end = p["outage"]

    def attempt(recipient_exists):
        """The receiver's reply to an attempt from the next IP: outage, throttle, recipient."""
        ip = next_ip[0]
        next_ip[0] = (ip + 1) % p["ips"]
        stats["attempts"] += 1
        now = env.now
        if outage_start <= now < outage_end:
            return "refused"
        bucket = buckets[ip]
        bucket[0] = min(p["burst"], bucket[0] + (now - bucket[1]) * p["ip_rate_per_ms"])
        bucket[1] = now
        if bucket[0] < 1 - 1e-9:
            return "451 4.7.500"
        bucket[0] = max(0.0, bucket[0] - 1)
        return "250" if recipient_exists else "550 5.1.10"

    def message():
        arrival = env.now
        recipient_exists = rng.random() >= p["invalid_share"]
        while True:
            reply = attempt(recipient_exists)
            stats["events"] += 1  # the end of the attempt
            if reply == "250":
                stats["delivered"] += 1
                latency_sum[0] += env.now - arrival
                return
            if reply.startswith("5"):
                stats["bounced"] += 1
                return
            if env.now - arrival >= p["lifetime_ms"]:
                stats["expired"] += 1
                return
            stats["deferrals"] += 1
            yield env.timeout(p["retry_ms"])
            stats["events"] += 1  # the retry timer

    def arrivals():
        t = 0.0
        while True:
            t += rng.expovariate(p["rate_per_ms"])
            if t > p["arrivals_end_ms"]:
                return
            at = round(t)
            if at > env.now:
                yield env.timeout(at - env.now)
            stats["arrived"] += 1
            stats["events"] += 1  # the arrival
            env.process(message())

    env.process(arrivals())
    env.run(until=p["horizon_ms"] + 1)
    delivered = stats["delivered"]
    return {
        "arrived": stats["arrived"],
        "delivered": delivered,
        "bounced": stats["bounced"],
        "expired": stats["expired"],
        "attempts": stats["attempts"],
        "deferrals": stats["deferrals"],
        "mean_latency_s": latency_sum[0] / delivered / 1000 if delivered else None,
        "events": stats["events"],
    }


if __name__ == "__main__":
    main()
