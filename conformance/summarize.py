#!/usr/bin/env python3
"""Summarise every recording under conformance/recordings/<mta>/<experiment>/ into
conformance/recordings/summary.csv (and print it; --markdown prints a Markdown table).

Per recording: messages; delivered / expired / bounced / pending; tries = delivery attempts that
tried a TCP connection to the sink (connected or refused), with a histogram of tries per message
("k:count" pairs); deferrals without a connection (refused + Postfix "suspended" + Exim "retry
time not reached" skips), split by kind; latency of delivered messages = sink's 250 to the end
of data minus the message's arrival (Exim: its "<=" log line; Postfix: its 250 to the
injector's end of data), in seconds: mean, p50, p90, max
(percentiles by nearest rank); span_s = last outcome minus first arrival; wall_s = the
recording's wall-clock time; timed_out = the bound passed before the queue was empty.
"""

import csv
import json
import math
import os
import sys
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
RECDIR = os.path.join(HERE, "recordings")

COLUMNS = ["mta", "experiment", "version", "messages", "delivered", "expired", "bounced", "pending",
           "tries", "tries_hist", "connected", "noconn_deferrals", "refused", "suspended", "skips",
           "lat_mean_s", "lat_p50_s", "lat_p90_s", "lat_max_s", "span_s", "wall_s", "timed_out"]


def nearest_rank(sorted_vals, q):
    if not sorted_vals:
        return ""
    k = max(1, math.ceil(q * len(sorted_vals)))
    return sorted_vals[k - 1]


def summarize(d, mta, exp):
    run = json.load(open(os.path.join(d, "run.json")))
    with open(os.path.join(d, "messages.csv"), newline="") as f:
        msgs = list(csv.DictReader(f))
    with open(os.path.join(d, "attempts.csv"), newline="") as f:
        att = list(csv.DictReader(f))
    outcomes = Counter(m["outcome"] for m in msgs)
    hist = Counter(int(m["tries"]) for m in msgs)
    kinds = Counter(a["kind"] for a in att
                    if a["connected"] == "0" and a["kind"] not in ("expired", "bounced"))
    lats = sorted(int(m["latency_ms"]) / 1000 for m in msgs if m["outcome"] == "delivered")
    inj = [int(m["arrival_ms"]) for m in msgs]
    outs = [int(m["outcome_ms"]) for m in msgs if m["outcome_ms"]]
    f3 = lambda v: "" if v == "" else f"{v:.3f}"
    return {
        "mta": mta, "experiment": exp, "version": run.get("version", ""),
        "messages": len(msgs), "delivered": outcomes["delivered"], "expired": outcomes["expired"],
        "bounced": outcomes["bounced"], "pending": outcomes["pending"],
        "tries": sum(int(m["tries"]) for m in msgs),
        "tries_hist": " ".join(f"{k}:{hist[k]}" for k in sorted(hist)),
        "connected": sum(int(m["connected"]) for m in msgs),
        "noconn_deferrals": sum(kinds.values()), "refused": kinds["refused"],
        "suspended": kinds["suspended"], "skips": kinds["skip"],
        "lat_mean_s": f3(sum(lats) / len(lats)) if lats else "",
        "lat_p50_s": f3(nearest_rank(lats, 0.5)), "lat_p90_s": f3(nearest_rank(lats, 0.9)),
        "lat_max_s": f3(lats[-1]) if lats else "",
        "span_s": f3((max(outs) - min(inj)) / 1000) if outs and inj else "",
        "wall_s": run.get("wall_s", ""), "timed_out": run.get("timed_out", ""),
    }


def main():
    rows = []
    for mta in sorted(os.listdir(RECDIR)):
        md = os.path.join(RECDIR, mta)
        if not os.path.isdir(md):
            continue
        for exp in sorted(os.listdir(md)):
            d = os.path.join(md, exp)
            if os.path.exists(os.path.join(d, "messages.csv")):
                rows.append(summarize(d, mta, exp))
    out = os.path.join(RECDIR, "summary.csv")
    with open(out, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS)
        w.writeheader()
        w.writerows(rows)
    if "--markdown" in sys.argv:
        cols = [c for c in COLUMNS if c not in ("version",)]
        print("| " + " | ".join(cols) + " |")
        print("|" + "---|" * len(cols))
        for r in rows:
            print("| " + " | ".join(str(r[c]) for c in cols) + " |")
    else:
        for r in rows:
            print(" ".join(f"{k}={r[k]}" for k in COLUMNS if k != "version"))
    print(f"wrote {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
