#!/usr/bin/env python3
"""Runs mailsim and the SimPy peer on the same throttled-campaign scenario and compares them.

For each of R seeds, `mailsim run --stats` runs the scaled o365-server-busy scenario (written by
`cargo bench --bench scale -- scenario N`) and benches/peers/simpy_campaign.py runs the same model
in SimPy. The script prints the speed of each (simulation time only, events per second) and the
ratio of the median run times, and checks that the results agree statistically: for delivered,
bounced, attempts and the mean latency, the difference of the two means must lie within its 95%
confidence interval (conservative t quantile with min(R) - 1 degrees of freedom). The random
numbers differ (PCG streams against Python's Mersenne Twister), so only the distributions can
agree.

Usage (after benches/peers/setup.sh):  python3 benches/peers/compare.py --messages 100000 -r 5
"""

import argparse
import json
import math
import pathlib
import re
import statistics
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[2]
VENV_PYTHON = ROOT / "target" / "peers-venv" / "bin" / "python"
T_975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228]
STATS = re.compile(r"stats: (\d+) events in ([0-9.]+) s")
METRICS = ["delivered", "bounced", "attempts", "mean_latency_s"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("-r", "--replications", type=int, default=5)
    args = parser.parse_args()
    if not VENV_PYTHON.exists():
        sys.exit("run benches/peers/setup.sh first (it installs SimPy into target/peers-venv)")
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    scenario = subprocess.run(
        ["cargo", "bench", "--quiet", "--bench", "scale", "--", "scenario", str(args.messages)],
        cwd=ROOT, check=True, capture_output=True, text=True,
    ).stdout
    rust, simpy = [], []
    with tempfile.TemporaryDirectory() as tmp:
        scenario_file = pathlib.Path(tmp) / "campaign.ron"
        scenario_file.write_text(scenario)
        for seed in range(1, args.replications + 1):
            rust.append(run_mailsim(scenario_file, seed, pathlib.Path(tmp) / "out"))
            simpy.append(run_simpy(args.messages, seed))
            print(f"seed {seed}: mailsim {rust[-1]['wall_s']:.3f} s, SimPy {simpy[-1]['wall_s']:.1f} s",
                  file=sys.stderr)
    report(args, rust, simpy)


def run_mailsim(scenario_file, seed, out):
    done = subprocess.run(
        [ROOT / "target" / "release" / "mailsim", "run", scenario_file, "--seed", str(seed),
         "--out", out, "--run-id", f"seed-{seed}", "--quiet", "--stats"],
        check=True, capture_output=True, text=True,
    )
    events, seconds = STATS.search(done.stderr).groups()
    folder = pathlib.Path(done.stdout.split("results: ", 1)[1].strip())
    summary = json.loads((folder / "summary.json").read_text())
    return {
        "delivered": summary["delivered"],
        "bounced": summary["bounced"],
        "attempts": summary["attempts"],
        "mean_latency_s": summary["latency_s"]["mean"],
        "events": int(events),
        "wall_s": float(seconds),
    }


def run_simpy(messages, seed):
    done = subprocess.run(
        [VENV_PYTHON, ROOT / "benches" / "peers" / "simpy_campaign.py",
         "--messages", str(messages), "--seed", str(seed)],
        check=True, capture_output=True, text=True,
    )
    return json.loads(done.stdout)


def mean_and_se(values):
    n = len(values)
    mean = sum(values) / n
    var = sum((v - mean) ** 2 for v in values) / (n - 1) if n > 1 else 0.0
    return mean, math.sqrt(var / n)


def report(args, rust, simpy):
    n = min(len(rust), len(simpy))
    t = T_975[n - 2] if 2 <= n <= len(T_975) + 1 else 1.96
    print(f"throttled campaign, {args.messages} messages, {n} seeds each\n")
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
    rust_time = statistics.median(r["wall_s"] for r in rust)
    simpy_time = statistics.median(s["wall_s"] for s in simpy)
    rust_rate = statistics.median(r["events"] / r["wall_s"] for r in rust)
    simpy_rate = statistics.median(s["events"] / s["wall_s"] for s in simpy)
    print(f"\nmailsim: {rust_time:.3f} s per run (median), {rust_rate / 1e6:.2f} M events/s")
    print(f"SimPy:   {simpy_time:.2f} s per run (median), {simpy_rate / 1e3:.0f} k events/s")
    print(f"speed ratio (median SimPy time / median mailsim time): {simpy_time / rust_time:.0f}x")
    print(f"results agree statistically: {'yes' if all_agree else 'NO'}")


if __name__ == "__main__":
    main()
