#!/usr/bin/env python3
"""Turn one raw recording (conformance/recordings/<mta>/<experiment>/) into per-attempt and
per-message tables.

Inputs (written by record.py): run.json, injections.csv, sink.jsonl, mta.log.
Outputs:
  attempts.csv   one row per delivery outcome the MTA logged for a test recipient, in time order:
                 msg, try_no, t_ms, t_rel_s (since sink start), t_log_ms, source, tcp (a TCP
                 connection to the sink was attempted), connected (it was established), stage
                 (where the attempt ended: connect|greeting|ehlo|mail|rcpt|data|dot|none),
                 kind (delivered|deferred|refused|suspended|skip|bounced), reply, queue_id
  messages.csv   per message: n, rcpt, cid, queue_id, injected_ms (injector got the MTA's 250),
                 arrival_ms (Exim: its "<=" log line; Postfix: = injected_ms), tries (rows with tcp=1),
                 connected, noconn (deferrals without a connection: refused, suspended, skip),
                 skips (suspended + skip), outcome (delivered|expired|bounced|pending),
                 outcome_ms (sink's 250 to the end of data, or the expiry log line), latency_ms
  mta_events.csv MTA events that are not per-attempt outcomes: Postfix `(queue active)` per
                 message, Exim queue-run start/end, expiries, sink phase changes
  extract-check.txt  consistency checks (sink RCPTs vs MTA log lines per message)

Time: t_ms is the sink's RCPT time when the attempt reached RCPT (the sink's clock, ms; source
"sink"); for an Exim connection refused or greeting failure, the time of Exim's message-level
host line logged when it happened (source "mta_log_host"); otherwise the MTA log's time: Exim logs milliseconds (log_selector +millisec, UTC); Postfix's
maillog_file has whole seconds, so record.py stamps every line with the ms at which it was read
(t_log_ms; polled every 20 ms) and that is used.  Everything runs on one machine and clock.

kind: refused = the TCP connection was refused (tcp=1, connected=0); suspended = Postfix deferred
the recipient without a connection because the destination was throttled ("delivery temporarily
suspended"); skip = Exim deferred without a connection ("retry time not reached").
"""

import calendar
import csv
import json
import os
import re
import sys
import time
from collections import defaultdict

MON = {m: i for i, m in enumerate(
    "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), 1)}

PF_LINE = re.compile(r"^(\d+) (\w{3}) +(\d+) (\d\d):(\d\d):(\d\d) (\S+) ([\w/.-]+)\[(\d+)\]: (.*)$")
PF_RCPT = re.compile(r"^(\w+): to=<([^>]*)>, (?:orig_to=<[^>]*>, )?relay=([^,]+), "
                     r"(?:conn_use=(\d+), )?delay=([\d.]+), delays=([\d./]+), dsn=([\d.]+), "
                     r"status=(\w+) \((.*)\)$")
PF_ACTIVE = re.compile(r"^(\w+): from=<[^>]*>, size=\d+, nrcpt=\d+ \(queue active\)$")
PF_EXPIRED = re.compile(r"^(\w+): from=<[^>]*>, status=expired, returned to sender$")
EX_LINE = re.compile(r"^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{3}))? (?:\[(\d+)\] )?(.*)$")
EX_ADDR = re.compile(r"^(\S+) (==|=>|->|\*\*) (\S+) (.*)$")
CODE = re.compile(r"\b([245]\d\d)[ -](\d\.\d{1,3}\.\d{1,3})?")
RCPT_LOCAL = re.compile(r"^(m\d{4})@")


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def reply_code(text):
    m = CODE.search(text)
    if not m:
        return ""
    return m.group(1) + (" " + m.group(2) if m.group(2) else "")


def stage_from_text(text):
    t = text
    if "refused to talk to me" in t or "after initial connection" in t or "in reply to initial greeting" in t:
        return "greeting"
    if "EHLO" in t or "HELO" in t:
        return "ehlo"
    if "MAIL FROM" in t:
        return "mail"
    if "RCPT TO" in t:
        return "rcpt"
    if "end of DATA" in t or "end of data" in t or "after end of" in t:
        return "dot"
    if "DATA" in t:
        return "data"
    if "Connection refused" in t or "connect to" in t:
        return "connect"
    return "none"


def parse_postfix(path, year):
    rows, events = [], []
    with open(path, errors="replace") as f:
        for line in f:
            m = PF_LINE.match(line.rstrip("\n"))
            if not m:
                continue
            ms, mon, day, hh, mi, ss, _host, prog, _pid, rest = m.groups()
            t_log = int(ms)
            t_sec = calendar.timegm((year, MON[mon], int(day), int(hh), int(mi), int(ss))) * 1000
            r = PF_RCPT.match(rest)
            if r:
                qid, rcpt, relay, conn_use, _d, _ds, dsn, status, text = r.groups()
                lm = RCPT_LOCAL.match(rcpt)
                if not lm:
                    continue
                if status == "sent":
                    kind, tcp, conn, stage = "delivered", 1, 1, "dot"
                elif relay == "none":
                    if "temporarily suspended" in text:
                        kind, tcp, conn, stage = "suspended", 0, 0, "none"
                    elif "Connection refused" in text:
                        kind, tcp, conn, stage = "refused", 1, 0, "connect"
                    else:
                        kind, tcp, conn, stage = status, 1, 0, "connect"
                else:
                    kind, tcp, conn = status, 1, 1
                    stage = stage_from_text(text)
                rows.append({"msg": lm.group(1), "t_log_ms": t_log, "t_sec_ms": t_sec, "tcp": tcp,
                             "connected": conn, "stage": stage, "kind": kind,
                             "reply": reply_code(text) or text[:60], "queue_id": qid,
                             "prog": prog, "conn_use": conn_use or ""})
                continue
            a = PF_ACTIVE.match(rest)
            if a:
                events.append({"t_ms": t_log, "qid": a.group(1), "event": "active", "detail": ""})
                continue
            e = PF_EXPIRED.match(rest)
            if e:
                events.append({"t_ms": t_log, "qid": e.group(1), "event": "expired", "detail": ""})
                continue
            if prog.endswith("master") and "daemon started" in rest:
                events.append({"t_ms": t_log, "qid": "", "event": "mta_started", "detail": rest})
    return rows, events


def parse_exim(path):
    rows, events = [], []
    host_fail = {}
    with open(path, errors="replace") as f:
        for line in f:
            m = EX_LINE.match(line.rstrip("\n"))
            if not m:
                continue
            y, mo, d, hh, mi, ss, frac, _pid, rest = m.groups()
            t = calendar.timegm((int(y), int(mo), int(d), int(hh), int(mi), int(ss))) * 1000 + int(frac or 0)
            if rest.startswith("Start queue run") or rest.startswith("End queue run"):
                events.append({"t_ms": t, "qid": "", "event": "queue_run_start" if rest.startswith("Start") else "queue_run_end",
                               "detail": rest.split(":", 1)[1].strip()})
                continue
            if "daemon started" in rest:
                events.append({"t_ms": t, "qid": "", "event": "mta_started", "detail": rest})
                continue
            arr = re.match(r"^(\S+) <= (\S+) .* for (.*)$", rest)
            if arr and arr.group(2) != "<>":
                for addr in arr.group(3).split():
                    lm = RCPT_LOCAL.match(addr)
                    if lm:
                        events.append({"t_ms": t, "qid": arr.group(1), "event": "arrival",
                                       "detail": lm.group(1)})
                continue
            a = EX_ADDR.match(rest)
            if not a:
                # message-level host line, logged at the moment a connection or greeting failed
                # ("QID H=127.0.0.1 [127.0.0.1]:2525 Connection refused" / "...: SMTP error ...")
                h = re.match(r"^(\S+) H=\S+ \[[\d.]+\]", rest)
                if h:
                    host_fail[h.group(1)] = t
                continue
            qid, flag, addr, tail = a.groups()
            lm = RCPT_LOCAL.match(addr)
            if not lm:
                continue
            host = re.search(r" H=(\S+) \[([\d.]+)\](:\d+)?(\*)?", tail)
            if flag in ("=>", "->"):
                rows.append({"msg": lm.group(1), "t_log_ms": t, "tcp": 1, "connected": 1, "stage": "dot",
                             "kind": "delivered", "reply": reply_code(tail.split('C="', 1)[-1]),
                             "queue_id": qid, "conn_use": "reused" if host and host.group(4) else ""})
                continue
            text = tail.split(": ", 1)[1] if ": " in tail else tail
            text = re.sub(r" ?DT=\S+", "", text)
            em = re.search(r"defer \((-?\d+)\)", tail)
            errno = int(em.group(1)) if em else None
            if flag == "**":
                if "retry timeout exceeded" in tail or "failing for a long time" in tail:
                    kind = "expired"
                else:
                    kind = "bounced"
                # an expiry after an attempt is logged together with that attempt's error
                stage = stage_from_text(text) if host else "none"
                tcp = 1 if host else 0
                rows.append({"msg": lm.group(1), "t_log_ms": t, "tcp": tcp, "connected": tcp and int(stage not in ("connect", "none")),
                             "stage": stage, "kind": kind, "reply": reply_code(text) or text[:60],
                             "queue_id": qid, "conn_use": ""})
                continue
            # == deferral
            t_fail = None
            if errno in (-52, -53, -54) or "retry time not reached" in tail:
                kind, tcp, conn, stage = "skip", 0, 0, "none"
            elif errno == 111 or "Connection refused" in tail:
                kind, tcp, conn, stage = "refused", 1, 0, "connect"
                t_fail = host_fail.pop(qid, None)
            elif host:
                kind, tcp, conn = "deferred", 1, 1
                stage = stage_from_text(text)
                if stage == "greeting":
                    t_fail = host_fail.pop(qid, None)
            else:
                kind, tcp, conn, stage = "deferred", 0, 0, "none"
            rows.append({"msg": lm.group(1), "t_log_ms": t, "tcp": tcp, "connected": conn, "stage": stage,
                         "kind": kind, "reply": reply_code(text) or text[:60], "queue_id": qid,
                         "conn_use": "reused" if host and host.group(4) else ""})
            if t_fail is not None and t - t_fail < 60000:
                rows[-1]["t_host_ms"] = t_fail
    return rows, events


def main(d):
    run = json.load(open(os.path.join(d, "run.json")))
    t0 = run["sink_start_ms"]
    year = time.gmtime(t0 / 1000).tm_year
    inj = read_csv(os.path.join(d, "injections.csv"))
    msgs = {r["rcpt"].split("@")[0]: r for r in inj}
    qid2msg = {r["queue_id"]: k for k, r in msgs.items() if r["queue_id"]}

    sink_rcpt, sink_dot, sink_events = defaultdict(list), {}, []
    with open(os.path.join(d, "sink.jsonl")) as f:
        for line in f:
            e = json.loads(line)
            if e["ev"] == "rcpt":
                sink_rcpt[e["to"]].append(e)
            elif e["ev"] == "dot" and e["r"].startswith("250"):
                sink_dot.setdefault(e["cid"], e["t"])
            elif e["ev"] in ("phase", "listen", "unlisten", "start", "stop"):
                sink_events.append(e)

    mlog = os.path.join(d, "mta.log")
    if run["mta"] == "postfix":
        rows, events = parse_postfix(mlog, year)
    else:
        rows, events = parse_exim(mlog)
    rows.sort(key=lambda r: r["t_log_ms"])

    # attach the sink's RCPT time to every attempt that reached RCPT, in order per message
    checks = []
    by_msg = defaultdict(list)
    for r in rows:
        by_msg[r["msg"]].append(r)
    for m, rs in by_msg.items():
        reached = [r for r in rs if r["connected"] and r["stage"] in ("rcpt", "data", "dot")]
        sr = sink_rcpt.get(m, [])
        if len(reached) != len(sr):
            checks.append(f"{m}: {len(reached)} MTA outcomes at/after RCPT but {len(sr)} sink RCPTs")
        for r, s in zip(reached, sr):
            r["t_ms"], r["source"] = s["t"], "sink"
            if r["kind"] == "delivered" and not s["r"].startswith("2"):
                checks.append(f"{m}: delivered per MTA but sink answered {s['r']} at RCPT")
        for r in rs:
            if "t_ms" not in r and "t_host_ms" in r:
                r["t_ms"], r["source"] = r["t_host_ms"], "mta_log_host"
            elif "t_ms" not in r:
                r["t_ms"], r["source"] = r["t_log_ms"], "mta_log"
    rows.sort(key=lambda r: (r["t_ms"], r["msg"]))

    with open(os.path.join(d, "attempts.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["msg", "try_no", "t_ms", "t_rel_s", "t_log_ms", "source", "tcp", "connected",
                    "stage", "kind", "reply", "queue_id", "conn_use"])
        n_try = defaultdict(int)
        for r in rows:
            n_try[r["msg"]] += 1
            w.writerow([r["msg"], n_try[r["msg"]], r["t_ms"], f"{(r['t_ms'] - t0) / 1000:.3f}",
                        r["t_log_ms"], r["source"], r["tcp"], r["connected"], r["stage"], r["kind"],
                        r["reply"], r["queue_id"], r["conn_use"]])

    expired_at = {}
    for e in events:
        if e["event"] == "expired" and e["qid"] in qid2msg:
            expired_at[qid2msg[e["qid"]]] = e["t_ms"]
    for r in rows:
        if r["kind"] == "expired":
            expired_at.setdefault(r["msg"], r["t_log_ms"])

    # arrival: Exim's own "<=" line (ms); Postfix: the injector's 250, which Postfix sends once
    # the queue file is complete (Exim may deliver before its 250 reaches the injector)
    arrival = {e["detail"]: e["t_ms"] for e in events if e["event"] == "arrival"}
    with open(os.path.join(d, "messages.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["n", "rcpt", "cid", "queue_id", "injected_ms", "arrival_ms", "tries", "connected",
                    "noconn", "skips", "outcome", "outcome_ms", "latency_ms"])
        for m in sorted(msgs):
            i = msgs[m]
            rs = by_msg.get(m, [])
            inj_ms = int(i["injected_ms"])
            arr_ms = arrival.get(m, inj_ms)
            delivered = [r for r in rs if r["kind"] == "delivered"]
            bounced = [r for r in rs if r["kind"] == "bounced"]
            if delivered:
                outcome = "delivered"
                out_ms = sink_dot.get(i["cid"], delivered[0]["t_ms"])
            elif m in expired_at:
                outcome, out_ms = "expired", expired_at[m]
            elif bounced:
                outcome, out_ms = "bounced", bounced[0]["t_ms"]
            else:
                outcome, out_ms = "pending", ""
            w.writerow([i["n"], i["rcpt"], i["cid"], i["queue_id"], inj_ms, arr_ms,
                        sum(r["tcp"] for r in rs), sum(r["connected"] for r in rs),
                        sum(1 for r in rs if not r["connected"] and r["kind"] not in ("expired", "bounced")),
                        sum(1 for r in rs if r["kind"] in ("skip", "suspended")),
                        outcome, out_ms, (out_ms - arr_ms) if out_ms != "" else ""])
            if delivered and i["cid"] not in sink_dot:
                checks.append(f"{m}: delivered per MTA but no 250 end-of-data at the sink")

    with open(os.path.join(d, "mta_events.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["t_ms", "t_rel_s", "event", "msg", "detail"])
        allev = [(e["t_ms"], e["event"], qid2msg.get(e["qid"], e["qid"]), e["detail"]) for e in events]
        allev += [(e["t"], "sink_" + e["ev"], "", json.dumps({k: v for k, v in e.items() if k not in ("t", "ev")},
                                                               separators=(",", ":"))) for e in sink_events]
        for t, ev, m, det in sorted(allev, key=lambda x: x[0]):
            w.writerow([t, f"{(t - t0) / 1000:.3f}", ev, m, det])

    with open(os.path.join(d, "extract-check.txt"), "w") as f:
        f.write(f"messages {len(msgs)}, attempt rows {len(rows)}, sink RCPTs "
                f"{sum(len(v) for v in sink_rcpt.values())}, problems {len(checks)}\n")
        for c in checks:
            f.write(c + "\n")
    print(f"{d}: {len(msgs)} messages, {len(rows)} attempt rows, {len(checks)} check problems",
          file=sys.stderr)


if __name__ == "__main__":
    for d in sys.argv[1:]:
        main(d)
