#!/usr/bin/env python3
"""Runs mailsim and its SimPy peer on the same workload, alternating, and compares them.

Two workloads, each written once for mailsim (benches/support/mod.rs) and once for SimPy:

- `campaign`: the throttled campaign (o365-server-busy scaled to N messages: limited
  connections, log-normal transaction times, fixed 15 min retries); benches/peers/simpy_campaign.py.
- `retry-queue`: issue 16's throttled retry queue (N Poisson messages over 12 h, 2.4 M at full
  size, a per-IP token bucket, a 2-hour outage, zero transaction time, unlimited connections,
  fixed 20 min retries); benches/peers/simpy_retry_queue.py.

For each of R seeds it runs mailsim, then SimPy, so that the two alternate and share whatever
load the machine has. mailsim runs in process through the `scale` benchmark binary (`peer` mode,
built with `cargo bench --bench scale --no-run`); both sides time the simulation alone and report
its wall time, its CPU time and the process's peak memory. The script prints the speed of each,
the ratio of the median times (wall and CPU), and checks that the results agree statistically:
for delivered, bounced, attempts and the mean latency, the difference of the two means must lie
within its 95% confidence interval (conservative t quantile with R - 1 degrees of freedom). The
random numbers differ (PCG streams against Python's Mersenne Twister), so only the distributions
can agree.

Usage (after benches/peers/setup.sh):
    python3 benches/peers/compare.py --workload campaign --messages 100000 -r 5
    python3 benches/peers/compare.py --workload retry-queue --messages 2400000 -r 3
"""

import argparse
import json
import math
import os
import pathlib
import statistics
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
VENV_PYTHON = ROOT / "target" / "peers-venv" / "bin" / "python"
PEERS = {
    "campaign": ROOT / "benches" / "peers" / "simpy_campaign.py",
    "retry-queue": ROOT / "benches" / "peers" / "simpy_retry_queue.py",
}
T_975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228]
METRICS = ["delivered", "bounced", "attempts", "mean_latency_s"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workload", choices=sorted(PEERS), default="campaign")
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("-r", "--replications", type=int, default=5)
    args = parser.parse_args()
    if not VENV_PYTHON.exists():
        sys.exit("run benches/peers/setup.sh first (it installs SimPy into target/peers-venv)")
    scale = build_scale_binary()
    rust, simpy = [], []
    for seed in range(1, args.replications + 1):
        rust.append(run_json([scale, "peer", args.workload, str(args.messages), str(seed)]))
        simpy.append(run_json([VENV_PYTHON, PEERS[args.workload], "--messages", str(args.messages),
                               "--seed", str(seed)]))
        print(f"seed {seed}: mailsim {rust[-1]['wall_s']:.3f} s ({rust[-1]['cpu_s']:.3f} s CPU), "
              f"SimPy {simpy[-1]['wall_s']:.1f} s ({simpy[-1]['cpu_s']:.1f} s CPU), "
              f"load {load_average()}", file=sys.stderr, flush=True)
    report(args, rust, simpy)


def build_scale_binary():
    """Builds the `scale` benchmark binary (release profile) and returns its path."""
    done = subprocess.run(
        ["cargo", "bench", "--bench", "scale", "--no-run", "--message-format=json"],
        cwd=ROOT, check=True, capture_output=True, text=True,
    )
    for line in done.stdout.splitlines():
        message = json.loads(line)
        if message.get("reason") == "compiler-artifact" and message["target"]["name"] == "scale" \
                and message.get("executable"):
            return message["executable"]
    sys.exit("cargo did not report the scale benchmark's executable")


def run_json(command):
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(done.stdout)


def load_average():
    return f"{os.getloadavg()[0]:.1f}"


def mean_and_se(values):
    n = len(values)
    mean = sum(values) / n
    var = sum((v - mean) ** 2 for v in values) / (n - 1) if n > 1 else 0.0
    return mean, math.sqrt(var / n)


def report(args, rust, simpy):
    n = min(len(rust), len(simpy))
    t = T_975[n - 2] if 2 <= n <= len(T_975) + 1 else 1.96
    print(f"{args.workload}, {args.messages} messages, {n} seeds each, alternating "
          f"(load average now {' '.join(f'{x:.1f}' for x in os.getloadavg())})\n")
    print("| metric | mailsim mean | SimPy mean | difference | 95% CI half-width | agree |")
    print("|---|---|---|---|---|---|")
    all_agree = True
    for metric in METRICS:
        (m1, se1), (m2, se2) = mean_and_se([r[metric] for r in rust]), mean_and_se([s[metric] for s in simpy])
        half = t * math.sqrt(se1 ** 2 + se2 ** 2)
        agree = abs(m1 - m2) <= half
        all_agree &= agree
        print(f"| {metric} | {m1:.1f} | {m2:.1f} | {m1 - m2:+.1f} | {half:.1f} | {'yes' if agree else 'NO'} |")
    # Medians, because the machine may be shared: one disturbed run should not decide the ratio.
    median = lambda runs, key: statistics.median(r[key] for r in runs)
    rust_wall, simpy_wall = median(rust, "wall_s"), median(simpy, "wall_s")
    rust_cpu, simpy_cpu = median(rust, "cpu_s"), median(simpy, "cpu_s")
    rust_rate = statistics.median(r["events"] / r["wall_s"] for r in rust)
    simpy_rate = statistics.median(s["events"] / s["wall_s"] for s in simpy)
    print(f"\nmailsim: {rust_wall:.3f} s per run ({rust_cpu:.3f} s CPU), {rust_rate / 1e6:.2f} M events/s, "
          f"peak RSS {max(r['peak_rss_mib'] for r in rust):.1f} MiB (medians; largest RSS)")
    print(f"SimPy:   {simpy_wall:.2f} s per run ({simpy_cpu:.2f} s CPU), {simpy_rate / 1e3:.0f} k events/s, "
          f"peak RSS {max(s['peak_rss_mib'] for s in simpy):.1f} MiB")
    print(f"speed ratio, median SimPy time / median mailsim time: {simpy_wall / rust_wall:.0f}x wall, "
          f"{simpy_cpu / rust_cpu:.0f}x CPU")
    print(f"results agree statistically: {'yes' if all_agree else 'NO'}")


if __name__ == "__main__":
    main()
