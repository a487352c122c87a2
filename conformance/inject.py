#!/usr/bin/env python3
"""Inject N test messages into an MTA over SMTP on 127.0.0.1, on a stated schedule.

Message i (0-based) is due at start + i * over_s / count (over_s = 0: all at once); `concurrency`
worker threads take due messages in order, one SMTP session per message.  Each message has a
unique recipient local part `m%04d` (the sink attributes each RCPT to a message by it), and the
headers `Message-ID: <CID@conformance.test>` and `X-Conformance-Id: CID`.

Writes a CSV: n, cid, rcpt, due_ms, start_ms, injected_ms (when the MTA answered the end of
data), reply (that answer), queue_id (parsed from it, Postfix "queued as X" or Exim "id=X").
"""

import argparse
import csv
import queue
import re
import smtplib
import sys
import threading
import time


def now_ms():
    return int(time.time() * 1000)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=25)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--over-s", type=float, default=0.0)
    ap.add_argument("--concurrency", type=int, default=4)
    ap.add_argument("--run-id", required=True)
    ap.add_argument("--sender", default="sender@conformance.test")
    ap.add_argument("--rcpt-domain", default="sink.test")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    if not a.host.startswith("127."):
        ap.error("injects into the loopback range only")

    start = time.time()
    todo = queue.Queue()
    for i in range(a.count):
        todo.put(i)
    rows, lock = [], threading.Lock()

    def send(i):
        due = start + (i * a.over_s / a.count if a.count else 0)
        wait = due - time.time()
        if wait > 0:
            time.sleep(wait)
        cid = f"{a.run_id}-{i:04d}"
        rcpt = f"m{i:04d}@{a.rcpt_domain}"
        body = (f"From: <{a.sender}>\r\nTo: <{rcpt}>\r\nSubject: conformance {cid}\r\n"
                f"Message-ID: <{cid}@conformance.test>\r\nX-Conformance-Id: {cid}\r\n"
                f"Date: {time.strftime('%a, %d %b %Y %H:%M:%S +0000', time.gmtime())}\r\n\r\n"
                f"conformance test message {cid}\r\n")
        t_start = now_ms()
        reply, qid = "", ""
        for tries in range(5):
            try:
                with smtplib.SMTP(a.host, a.port, local_hostname="injector.conformance.test",
                                  timeout=60) as s:
                    s.ehlo()
                    code, msg = s.mail(a.sender)
                    if code != 250:
                        raise smtplib.SMTPResponseException(code, msg)
                    code, msg = s.rcpt(rcpt)
                    if code not in (250, 251):
                        raise smtplib.SMTPResponseException(code, msg)
                    code, msg = s.data(body.encode())
                    reply = f"{code} {msg.decode(errors='replace')}"
                    if code != 250:
                        raise smtplib.SMTPResponseException(code, msg)
                break
            except (OSError, smtplib.SMTPException) as e:
                reply = f"error: {e}"
                time.sleep(0.5)
        t_done = now_ms()
        m = re.search(r"queued as (\S+)", reply) or re.search(r"id=(\S+)", reply)
        qid = m.group(1) if m else ""
        with lock:
            rows.append([i, cid, rcpt, int(due * 1000), t_start, t_done, reply.strip(), qid])

    def worker():
        while True:
            try:
                i = todo.get_nowait()
            except queue.Empty:
                return
            send(i)

    threads = [threading.Thread(target=worker) for _ in range(max(1, a.concurrency))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    rows.sort()
    with open(a.out, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["n", "cid", "rcpt", "due_ms", "start_ms", "injected_ms", "reply", "queue_id"])
        w.writerows(rows)
    failed = sum(1 for r in rows if not r[7])
    print(f"injected {len(rows) - failed}/{a.count} in {time.time() - start:.1f}s", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
