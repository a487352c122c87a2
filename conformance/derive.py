#!/usr/bin/env python3
"""Write a mailsim scenario for every recording: conformance/scenarios/<mta>-<experiment>.ron.

    python3 conformance/derive.py            # all recordings
    python3 conformance/derive.py --check    # fail if a committed scenario differs

Every value comes from the recording by the rules below, the same rules for every experiment;
nothing is adjusted per experiment. Each scenario's header repeats the values with their source.

Time zero (the scenario's t = 0) is a whole second of the machine's clock, so that mailsim's
whole-second arithmetic (Postfix's time stamps, Exim's retry records) falls on the same seconds
as the MTA's:
  Postfix  the second of Postfix's own stamp on master's "daemon started" line in mta.log; qmgr
           starts with master, and its deferred-queue scan timer runs from that second (the
           scans in mta_events.csv fall on it + 30 s, + 60 s, ... in every recording).
  Exim     the second of the daemon's "daemon started" line.

Traffic: one message per recorded arrival (messages.csv `arrival_ms`: Postfix the injector's
250, Exim its "<=" line), at its millisecond offset from time zero.

Receiver (from experiment.json's sink schedule; phase times are from the sink's start, shifted
by the sink's start in run.json):
  rcpt "451 4.7.500 ..."    an incident that refuses every attempt at RCPT with 451 4.7.500
  rcpt_defer_p p            an incident refusing with probability p, 451 4.7.500 at RCPT
  greeting "421 ..."        an outage of kind Greeting421
  connect "refuse"          an outage of kind Refused
  rcpt_bucket rate, burst   a throttle (token bucket per sending IP, full at the start: the
                            sink's is full at its start and nothing reaches it before)
The sending IP is 127.0.0.1, the only client the sink saw.

Policy (config.txt):
  Postfix  the effective values of the scheduling parameters (the `postconf` section).
  Exim     the retry rule (`begin retry`), retry_interval_max, retry_data_expire, delay_warning
           (`exim4 -bP`), the transport's delay_after_cutoff, the queue runner's interval (the
           daemon's -q option) and its first run (the first "Start queue run" in mta_events.csv,
           from time zero).

Connections, the machine's speed under the recording's load (from sink.jsonl / attempts.csv):
  Postfix  per destination: default_destination_concurrency_limit; a cached connection carries
           messages while any wait (smtp_connection_cache_on_demand); connect_time = median
           time from the sink's accept to the connection's first RCPT; transaction_time = median
           time between consecutive RCPTs on one connection.
  Exim     every delivery process opens its own connection (unlimited per destination, one
           message each); the queue runner handles one message at a time, so transaction_time =
           median time between consecutive connected tries within a logged queue run; and the
           policy's queue_run_bounce_time = the median time from a message's expiry ("retry
           timeout exceeded") to the runner's next try, less the median from a deferred try to
           the next: the time Exim spends writing the bounce before the runner goes on.
  Postfix  delivery_agent_start_time (the policy's) = twice the median gap under 1 s between the
           first deliveries of consecutive new smtp processes in mta.log (two start at a time:
           the queue manager keeps two requests pending): how long master takes to start a
           delivery agent; max_idle = 100 s, Postfix's default (config.txt does not set it).
  connect_timeout = the recorded smtp_connect_timeout / transport connect_timeout (5s).
"""

import argparse
import calendar
import csv
import json
import os
import re
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
RECDIR = os.path.join(HERE, "recordings")
OUTDIR = os.path.join(HERE, "scenarios")

MON = {m: i for i, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), 1)}
PF_MASTER = re.compile(r"^\d+ (\w{3}) +(\d+) (\d\d):(\d\d):(\d\d) \S+ postfix/master\[\d+\]: "
                       r"daemon started")
EXIM_DAEMON = re.compile(r"^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)\.(\d{3}) .*daemon started")


# Postfix's max_idle (mail_params.h DEF_MAX_IDLE); the recordings leave it at its default.
MAX_IDLE_MS = 100_000


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def ms(value):
    """A duration in milliseconds as scenario text."""
    return f'"{int(value)}ms"'


def postfix_time_zero(rec, run):
    """Unix ms of the whole second of master's own "daemon started" stamp."""
    year = __import__("time").gmtime(run["mta_start_ms"] / 1000).tm_year
    with open(os.path.join(rec, "mta.log"), errors="replace") as f:
        for line in f:
            m = PF_MASTER.match(line)
            if m:
                mon, day, hh, mi, ss = m.groups()
                sec = calendar.timegm((year, MON[mon], int(day), int(hh), int(mi), int(ss)))
                return sec * 1000, line.split(" ", 1)[1].strip()[:60]
    sys.exit(f"{rec}: no 'daemon started' line from postfix/master in mta.log")


def exim_time_zero(rec):
    with open(os.path.join(rec, "mta.log"), errors="replace") as f:
        for line in f:
            m = EXIM_DAEMON.match(line)
            if m:
                y, mo, d, hh, mi, ss, _ = (int(g) for g in m.groups())
                return calendar.timegm((y, mo, d, hh, mi, ss)) * 1000, line.strip()[:60]
    sys.exit(f"{rec}: no 'daemon started' line in Exim's mta.log")


def config_values(rec):
    """name = value pairs of config.txt (later lines win, so the effective section counts)."""
    values = {}
    with open(os.path.join(rec, "config.txt")) as f:
        for line in f:
            line = line.strip()
            if line.startswith("#") or " = " not in line:
                continue
            name, value = line.split(" = ", 1)
            values[name.strip()] = value.strip()
    return values


def exim_config(rec):
    text = open(os.path.join(rec, "config.txt")).read()
    rules = re.search(r"^\*\s+\*\s+(.+)$", text, re.M).group(1).strip()
    queue = re.search(r"-q(\d+\w)", text).group(1)
    flags = {line.strip() for line in text.splitlines()}
    return rules, queue, "delay_after_cutoff" in flags, config_values(rec)


def median_ms(values, what, rec):
    if not values:
        sys.exit(f"{rec}: no {what} to measure")
    return int(round(statistics.median(values)))


def postfix_speed(rec):
    """(connect_time, transaction_time) in ms from the sink's log."""
    opened, last, first, gaps = {}, {}, [], []
    with open(os.path.join(rec, "sink.jsonl")) as f:
        for line in f:
            e = json.loads(line)
            c = e.get("c")
            if e["ev"] == "conn":
                opened[c], last[c] = e["t"], None
            elif e["ev"] == "rcpt":
                if last.get(c) is None:
                    first.append(e["t"] - opened[c])
                else:
                    gaps.append(e["t"] - last[c])
                last[c] = e["t"]
    return (median_ms(first, "connections with a RCPT", rec),
            median_ms(gaps, "connections carrying two messages", rec))


def postfix_agent_start(rec):
    """The machine's time in ms for master to start a delivery agent process: twice the median
    gap under 1 s between the first deliveries of consecutive new smtp processes in mta.log
    (the queue manager keeps two requests pending, so two processes start at a time; a gap of
    0 is two lines read in one 20 ms poll; the median, as the gaps include pauses when no new
    process was needed); 0 without any."""
    first = {}
    with open(os.path.join(rec, "mta.log")) as f:
        for line in f:
            m = re.search(r"postfix/smtp\[(\d+)\]: \w+: to=", line)
            if m:
                first.setdefault(m.group(1), int(line.split()[0]))
    starts = sorted(first.values())
    gaps = [b - a for a, b in zip(starts, starts[1:]) if b - a < 1000]
    return int(round(2 * statistics.median(gaps))) if any(gaps) else 0


def queue_runs(events):
    runs, start = [], None
    for r in events:
        if r["event"] == "queue_run_start":
            start = int(r["t_ms"])
        elif r["event"] == "queue_run_end" and start is not None:
            runs.append((start, int(r["t_ms"])))
    return runs


def exim_speed(rec, events):
    """(transaction_time, bounce_time) in ms from the queue runs: the median gap between
    consecutive connected tries, and how much longer the gap from an expiry to the runner's next
    try is than the gap from a deferred try to the next (0 when nothing expired)."""
    rows = sorted(read_csv(os.path.join(rec, "attempts.csv")), key=lambda r: int(r["t_ms"]))
    tries, after_defer, after_expiry = [], [], []
    for start, end in queue_runs(events):
        inside = [r for r in rows if start <= int(r["t_ms"]) <= end]
        for a, b in zip(inside, inside[1:]):
            gap = int(b["t_ms"]) - int(a["t_ms"])
            if a["tcp"] == "1" and b["tcp"] == "1":
                tries.append(gap)
            if b["tcp"] == "1" and a["kind"] == "deferred":
                after_defer.append(gap)
            if b["tcp"] == "1" and a["kind"] == "expired":
                after_expiry.append(gap)
    transaction = median_ms(tries, "consecutive tries in a queue run", rec)
    if not after_expiry:
        return transaction, 0
    bounce = median_ms(after_expiry, "", rec) - median_ms(after_defer, "deferred tries", rec)
    return transaction, max(bounce, 0)


def receiver(experiment, sink_offset_ms):
    """The receiver's fields and the lines that explain them."""
    phases = experiment["sink"]["phases"]
    incidents, outages, throttle, notes = [], [], None, []
    for i, phase in enumerate(phases):
        start = sink_offset_ms + phase["start_s"] * 1000
        end = (sink_offset_ms + phases[i + 1]["start_s"] * 1000 if i + 1 < len(phases)
               else None)
        window = f"sink phase {i} ({phase['start_s']} s"
        window += f" to {phases[i + 1]['start_s']} s)" if end else " to the end)"
        end_text = ms(end) if end else ms(experiment["bound_s"] * 1000 + sink_offset_ms)
        rcpt = phase.get("rcpt", "")
        if rcpt.startswith("451 4.7.500"):
            incidents.append(f'(name: "451 4.7.500 at RCPT", start: {ms(start)}, end: {end_text}, '
                             f'fraction: 1.0, deferral: 1.0)')
            notes.append(f"{window}: RCPT answered `{rcpt}`: an incident refusing every attempt")
        elif rcpt:
            sys.exit(f"no rule for the sink's rcpt reply {rcpt!r}")
        if "rcpt_defer_p" in phase:
            p = phase["rcpt_defer_p"]
            incidents.append(f'(name: "random 451 4.7.500 at RCPT", start: {ms(start)}, '
                             f'end: {end_text}, fraction: 1.0, deferral: {p})')
            notes.append(f"{window}: RCPT deferred with probability {p}: an incident at {p}")
        greeting = phase.get("greeting", "")
        if greeting.startswith("421"):
            outages.append(f"(start: {ms(start)}, end: {end_text}, kind: Greeting421)")
            notes.append(f"{window}: greeting `{greeting}`: a Greeting421 outage")
        if phase.get("connect") == "refuse":
            outages.append(f"(start: {ms(start)}, end: {end_text}, kind: Refused)")
            notes.append(f"{window}: connections refused: a Refused outage")
        if "rcpt_bucket" in phase:
            b = phase["rcpt_bucket"]
            throttle = f'(rate: "{b["rate"]}/s", burst: {b["burst"]})'
            notes.append(f"{window}: token bucket at RCPT, {b['rate']}/s, burst {b['burst']}: "
                         f"a throttle")
    fields = []
    if outages:
        fields.append("outages: [" + ", ".join(outages) + "]")
    if incidents:
        fields.append("incidents: [" + ", ".join(incidents) + "]")
    if throttle:
        fields.append(f"throttle: {throttle}")
    return ", ".join(fields), notes


def postfix_policy(values, rec):
    names = ["queue_run_delay", "minimal_backoff_time", "maximal_backoff_time",
             "maximal_queue_lifetime", "delay_warning_time", "initial_destination_concurrency",
             "default_destination_concurrency_limit",
             "default_destination_concurrency_positive_feedback",
             "default_destination_concurrency_negative_feedback",
             "default_destination_concurrency_failed_cohort_limit"]
    quoted = {"queue_run_delay", "minimal_backoff_time", "maximal_backoff_time",
              "maximal_queue_lifetime", "delay_warning_time",
              "default_destination_concurrency_positive_feedback",
              "default_destination_concurrency_negative_feedback"}
    parts = []
    for name in names:
        if name not in values:
            sys.exit(f"{rec}: config.txt has no effective value for {name}")
        value = values[name]
        parts.append(f'{name}: "{value}"' if name in quoted else f"{name}: {value}")
    parts.append(f"max_idle: {ms(MAX_IDLE_MS)}")
    parts.append(f"delivery_agent_start_time: {ms(postfix_agent_start(rec))}")
    return "Postfix(" + ", ".join(parts) + ")"


def derive(mta, exp):
    rec = os.path.join(RECDIR, mta, exp)
    run = json.load(open(os.path.join(rec, "run.json")))
    experiment = json.load(open(os.path.join(rec, "experiment.json")))
    messages = read_csv(os.path.join(rec, "messages.csv"))
    events = read_csv(os.path.join(rec, "mta_events.csv"))
    values = config_values(rec)
    header = []
    if mta == "postfix":
        t0, line = postfix_time_zero(rec, run)
        header.append(f"time zero: {t0} ms (Unix), the second of Postfix's stamp on `{line}`")
        connect, transaction = postfix_speed(rec)
        connections = (f'per_destination: {values["default_destination_concurrency_limit"]}, '
                       f"messages_per_connection: 1000, connect_time: {ms(connect)}, "
                       f'transaction_time: Fixed({ms(transaction)}), '
                       f'connect_timeout: "{values["smtp_connect_timeout"]}"')
        header.append(f"connect_time {connect} ms: median accept-to-first-RCPT in sink.jsonl")
        header.append(f"transaction_time {transaction} ms: median time between consecutive RCPTs "
                      f"on one connection in sink.jsonl")
        policy = postfix_policy(values, rec)
        header.append("policy: the effective scheduling parameters in config.txt; max_idle "
                      "100 s (not set in config.txt: Postfix's default)")
        agent_start = postfix_agent_start(rec)
        header.append(f"delivery_agent_start_time {agent_start} ms: twice the median gap under 1 s "
                      f"between the first deliveries of consecutive new smtp processes in mta.log"
                      + ("" if agent_start else " (none in this recording: processes left out)"))
    else:
        t0, line = exim_time_zero(rec)
        header.append(f"time zero: {t0} ms (Unix), the second of `{line}`")
        rules, queue, after_cutoff, _ = exim_config(rec)
        first_run = min(int(r["t_ms"]) for r in events if r["event"] == "queue_run_start") - t0
        transaction, bounce = exim_speed(rec, events)
        connections = (f'per_destination: "unlimited", messages_per_connection: 1, '
                       f'transaction_time: Fixed({ms(transaction)}), connect_timeout: "5s"')
        header.append(f"transaction_time {transaction} ms: median time between consecutive "
                      f"connected tries within a queue run (attempts.csv, mta_events.csv)")
        header.append(f"queue_run_bounce_time {bounce} ms: median time from an expiry to the "
                      f"runner's next try, less the median from a deferred try to the next"
                      + ("" if bounce else " (nothing expired in this recording)"))
        policy = (f'Exim(rules: "{rules}", retry_interval_max: "{values["retry_interval_max"]}", '
                  f'retry_data_expire: "{values["retry_data_expire"]}", '
                  f"delay_after_cutoff: {'true' if after_cutoff else 'false'}, "
                  f'queue_interval: Some("{queue}"), queue_run_start: {ms(first_run)}, '
                  f"queue_run_bounce_time: {ms(bounce)}, "
                  f'delay_warning: "{values["delay_warning"]}")')
        header.append(f"policy: retry rule `{rules}`, daemon -q{queue}, first queue run at "
                      f"{first_run} ms (mta_events.csv)")
    sink_offset = run["sink_start_ms"] - t0
    header.append(f"sink started at {sink_offset} ms (run.json sink_start_ms)")
    fields, notes = receiver(experiment, sink_offset)
    header.extend(notes)
    arrivals = sorted(int(m["arrival_ms"]) - t0 for m in messages)
    if arrivals[0] < 0:
        sys.exit(f"{rec}: a message arrived before time zero")
    header.append(f"traffic: the {len(arrivals)} recorded arrivals (messages.csv arrival_ms), "
                  f"{arrivals[0]} ms to {arrivals[-1]} ms")
    horizon = experiment["bound_s"] * 1000 + sink_offset
    header.append(f"horizon: the recording's bound ({experiment['bound_s']} s from the sink's "
                  f"start)")
    traffic = ",\n                ".join(f"Campaign(messages: 1, at: {ms(a)})" for a in arrivals)
    comment = "\n".join(f"//   {h}" for h in header)
    title = experiment["title"]
    return f"""// {mta.capitalize()} conformance run `{exp}`: {title}.
//
// Written by conformance/derive.py from conformance/recordings/{mta}/{exp}/ (do not edit; run
// `python3 conformance/derive.py`). The recording's set-up as a scenario:
{comment}
(
    name: "conformance-{mta}-{exp}",
    description: "{run['version']} against the conformance sink: {title}",
    run: (horizon: {ms(horizon)}, sample_every: "10s", seed: 1),
    senders: [
        (
            name: "{mta}",
            ips: [(count: 1, reputation: Good, first_address: "127.0.0.1")],
            traffic: [
                {traffic},
            ],
            recipients: (mix: {{"sink": 1.0}}),
            connections: ({connections}),
            retry: {policy},
        ),
    ],
    receivers: {{
        "sink": ({fields}),
    }},
)
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="compare with the committed scenarios instead of writing them")
    args = parser.parse_args()
    os.makedirs(OUTDIR, exist_ok=True)
    stale = []
    for mta in sorted(os.listdir(RECDIR)):
        if not os.path.isdir(os.path.join(RECDIR, mta)):
            continue
        for exp in sorted(os.listdir(os.path.join(RECDIR, mta))):
            if not os.path.exists(os.path.join(RECDIR, mta, exp, "messages.csv")):
                continue
            text = derive(mta, exp)
            path = os.path.join(OUTDIR, f"{mta}-{exp}.ron")
            if args.check:
                if not os.path.exists(path) or open(path).read() != text:
                    stale.append(path)
            else:
                with open(path, "w") as f:
                    f.write(text)
                print(path)
    if stale:
        sys.exit("out of date (run python3 conformance/derive.py): " + ", ".join(stale))


if __name__ == "__main__":
    main()
