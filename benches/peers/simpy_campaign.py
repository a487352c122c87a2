"""The throttled-campaign model of mailsim, written the way a SimPy user would write it.

Same model as mailsim's `o365-server-busy` scenario (scaled by benches/support/mod.rs): a campaign
of N messages spread evenly over an hour, one destination with a limited number of connections
(messages wait first-in first-out for one), connections that carry up to
`messages_per_connection` messages from one sending IP (IPs taken round robin when a connection
opens), a per-IP token bucket at the receiver (starts full, refills continuously; an empty bucket
answers 451 4.7.500), 1% invalid recipients (550, bounce), log-normal transaction times, and a
fixed retry interval with a give-up age (expires at the first failed attempt at or past it).

Each message is a SimPy process (arrive, wait for an attempt, retry after the interval); each open
connection is a process that serves the waiting messages. Times are milliseconds, like mailsim.
Prints one JSON object: the results, the number of events in mailsim's sense (arrivals, attempt
ends and retry timers), the time of the simulation (wall and CPU) and the process's peak memory.
"""

import argparse
import collections
import json
import math
import random
import resource
import time

import simpy


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    scale = args.messages / 100_000
    ips = max(1, round(4 * scale))
    params = dict(
        messages=args.messages,
        spread_ms=3_600_000,
        ips=ips,
        rate_per_ms=6000 * 4 * scale / ips / 3_600_000,
        burst=500,
        connections=max(1, round(20 * scale)),
        messages_per_connection=50,
        txn_mean_ms=800.0,
        txn_sd_ms=400.0,
        invalid_share=0.01,
        retry_ms=15 * 60_000,
        lifetime_ms=2 * 86_400_000,
        horizon_ms=2 * 86_400_000,
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
    sigma2 = math.log(1 + (p["txn_sd_ms"] / p["txn_mean_ms"]) ** 2)
    mu, sigma = math.log(p["txn_mean_ms"]) - sigma2 / 2, math.sqrt(sigma2)
    stats = collections.Counter()
    latency_sum = [0.0]
    buckets = [[float(p["burst"]), 0.0] for _ in range(p["ips"])]  # tokens, last update
    waiting = collections.deque()  # (message's completion event, recipient exists)
    busy = [0]
    next_ip = [0]

    def respond(ip, recipient_exists):
        """The receiver's reply at the start of an attempt: throttle, then recipient."""
        bucket = buckets[ip]
        bucket[0] = min(p["burst"], bucket[0] + (env.now - bucket[1]) * p["rate_per_ms"])
        bucket[1] = env.now
        if bucket[0] < 1:
            return "451 4.7.500"
        bucket[0] -= 1
        return "250" if recipient_exists else "550 5.1.10"

    def connection(first):
        """One open connection: serves `first`, then waiting messages until it has carried
        messages_per_connection; then it reopens from the next IP."""
        job = first
        while True:
            ip = next_ip[0]
            next_ip[0] = (ip + 1) % p["ips"]
            for _ in range(p["messages_per_connection"]):
                done, recipient_exists = job
                stats["attempts"] += 1
                reply = respond(ip, recipient_exists)
                yield env.timeout(round(rng.lognormvariate(mu, sigma)))
                done.succeed(reply)
                if not waiting:
                    busy[0] -= 1
                    return
                job = waiting.popleft()

    def request_attempt(recipient_exists):
        done = env.event()
        if busy[0] < p["connections"]:
            busy[0] += 1
            env.process(connection((done, recipient_exists)))
        else:
            waiting.append((done, recipient_exists))
        return done

    def message():
        arrival = env.now
        stats["events"] += 1  # the arrival
        recipient_exists = rng.random() >= p["invalid_share"]
        while True:
            reply = yield request_attempt(recipient_exists)
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

    def campaign():
        for i in range(p["messages"]):
            at = i * p["spread_ms"] // p["messages"]
            if at > env.now:
                yield env.timeout(at - env.now)
            env.process(message())

    env.process(campaign())
    env.run(until=p["horizon_ms"] + 1)
    delivered = stats["delivered"]
    return {
        "arrived": p["messages"],
        "delivered": delivered,
        "bounced": stats["bounced"],
        "expired": stats["expired"],
        "attempts": stats["attempts"],
        "deferrals": stats["deferrals"],
        "mean_latency_s": latency_sum[0] / delivered / 1000 if delivered else None,
        "events": stats["events"],
        "end_s": env.now / 1000,
    }


if __name__ == "__main__":
    main()
