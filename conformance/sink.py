#!/usr/bin/env python3
"""Scripted SMTP sink for the conformance harness (Python 3 standard library only).

Listens on 127.0.0.1 only. What it answers is a schedule (JSON): a list of phases, each active
from `start_s` seconds after the sink started until the next phase starts.  Every field of a
phase is optional; a missing field takes the value from the schedule's `defaults`, else the
built-in default (accept everything).

    {
      "seed": 13,                       # seeds the deferral RNG (random.Random)
      "defaults": { ... phase fields ... },
      "phases": [
        {"start_s": 0,   "rcpt": "451 4.7.500 Server busy. Please try again later"},
        {"start_s": 120}
      ]
    }

Phase fields:
  connect   "accept" (default) | "refuse" (the listening socket is closed for the phase, so the
            kernel refuses connections) | "rst" (accept, then reset with SO_LINGER 0) |
            "hang" (accept and never answer anything)
  greeting  reply to the connection (default "220 sink.test ESMTP conformance sink")
  ehlo      reply to EHLO/HELO (default 250 with PIPELINING and 8BITMIME)
  mail      reply to MAIL FROM (default "250 2.1.0 Ok")
  rcpt      reply to RCPT TO (default "250 2.1.5 Ok")
  data      reply to DATA (default "354 End data with <CR><LF>.<CR><LF>")
  dot       reply to the end of data (default "250 2.0.0 Ok: queued as S<n>")
  rcpt_bucket      {"rate": 2.0, "burst": 5, "reply": "451 4.7.500 ..."}: token bucket per
                   client IP, checked at RCPT; the bucket is full at sink start and keeps its
                   state across phases
  rcpt_defer_p     probability of answering `rcpt_defer_reply` at RCPT (seeded RNG)
  rcpt_defer_reply default "451 4.7.500 Server busy. Please try again later"

Reply values: any SMTP reply line; a reply whose code is 421 closes the connection after it is
sent; the value "hang" means never answer (the sink keeps reading until the client gives up).
Order at RCPT: the phase's `rcpt` reply if it is not 2xx; else the token bucket (a token is
taken only here); else the deferral probability; else `rcpt`.  DATA without any accepted
recipient in the transaction is answered "554 5.5.1 Error: no valid recipients".

Log: one JSON object per line, flushed at once.  `t` = Unix time in ms; `c` = connection number.
Events: start, phase, listen, unlisten, conn, greet, ehlo, mail, rcpt (with `to` = recipient
local part), data, dot (with `cid` = X-Conformance-Id, `mid` = Message-ID), rset, quit, close
(`by` = client|sink), stop.  `r` is the reply code and enhanced code that was sent.  By default
the log is compact: greet 220, ehlo 250, mail 250, data 354, quit and rset are not written
(--full-log writes them); every other reply, every RCPT, end of data and connection is.
"""

import argparse
import asyncio
import json
import random
import signal
import socket
import sys
import time

DEFAULTS = {
    "connect": "accept",
    "greeting": "220 sink.test ESMTP conformance sink",
    "ehlo": "250",
    "mail": "250 2.1.0 Ok",
    "rcpt": "250 2.1.5 Ok",
    "data": "354 End data with <CR><LF>.<CR><LF>",
    "dot": "250 2.0.0 Ok: queued as S{n}",
    "rcpt_bucket": None,
    "rcpt_defer_p": 0.0,
    "rcpt_defer_reply": "451 4.7.500 Server busy. Please try again later",
}
CONNECT_MODES = ("accept", "refuse", "rst", "hang")
IDLE_TIMEOUT_S = 600
# not logged in the compact log (the default): the routine replies and QUIT/RSET
ROUTINE = {("greet", "220"), ("ehlo", "250"), ("mail", "250"), ("data", "354")}


def now_ms():
    return int(time.time() * 1000)


def short(reply):
    """Code and enhanced code of a reply, for the log."""
    parts = reply.split()
    if len(parts) >= 2 and parts[1][:1].isdigit() and "." in parts[1]:
        return parts[0] + " " + parts[1]
    return parts[0] if parts else reply


class Schedule:
    def __init__(self, spec):
        unknown = set(spec) - {"seed", "defaults", "phases", "name", "comment"}
        if unknown:
            raise ValueError(f"unknown schedule keys: {sorted(unknown)}")
        base = dict(DEFAULTS)
        base.update(spec.get("defaults", {}))
        self.phases = []
        for i, ph in enumerate(spec.get("phases", [{"start_s": 0}])):
            bad = set(ph) - set(DEFAULTS) - {"start_s", "comment"}
            if bad:
                raise ValueError(f"phase {i}: unknown keys {sorted(bad)}")
            merged = dict(base)
            merged.update(ph)
            merged["start_s"] = float(ph.get("start_s", 0))
            if merged["connect"] not in CONNECT_MODES:
                raise ValueError(f"phase {i}: connect must be one of {CONNECT_MODES}")
            self.phases.append(merged)
        self.phases.sort(key=lambda p: p["start_s"])
        if not self.phases or self.phases[0]["start_s"] != 0:
            raise ValueError("the first phase must start at 0")
        self.seed = spec.get("seed", 0)

    def index_at(self, elapsed_s):
        idx = 0
        for i, ph in enumerate(self.phases):
            if ph["start_s"] <= elapsed_s:
                idx = i
        return idx


class Bucket:
    def __init__(self):
        self.tokens = None
        self.last = None

    def take(self, rate, burst, t):
        if self.tokens is None:
            self.tokens, self.last = float(burst), t
        self.tokens = min(float(burst), self.tokens + (t - self.last) * rate)
        self.last = t
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


class Sink:
    def __init__(self, schedule, host, port, log, compact=True):
        self.compact = compact
        self.sched = schedule
        self.host, self.port = host, port
        self.log_f = log
        self.rng = random.Random(self.sched.seed)
        self.buckets = {}
        self.server = None
        self.conn_no = 0
        self.msg_no = 0
        self.t0 = time.monotonic()
        self.t0_ms = now_ms()
        self.stopping = asyncio.Event()

    def log(self, ev, **kw):
        if self.compact and (ev in ("quit", "rset") or (ev, kw.get("r", "")[:3]) in ROUTINE):
            return
        rec = {"t": now_ms(), "ev": ev}
        rec.update(kw)
        self.log_f.write(json.dumps(rec, separators=(",", ":")) + "\n")
        self.log_f.flush()

    def phase(self):
        i = self.sched.index_at(time.monotonic() - self.t0)
        return i, self.sched.phases[i]

    async def listen(self):
        if self.server is None:
            self.server = await asyncio.start_server(
                self.handle, self.host, self.port, reuse_address=True, backlog=128)
            self.log("listen", port=self.port)

    async def unlisten(self):
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()
            self.server = None
            self.log("unlisten")

    async def run(self):
        self.log("start", t0=self.t0_ms, port=self.port, seed=self.sched.seed,
                 phases=len(self.sched.phases))
        for i, ph in enumerate(self.sched.phases):
            delay = ph["start_s"] - (time.monotonic() - self.t0)
            if delay > 0:
                try:
                    await asyncio.wait_for(self.stopping.wait(), delay)
                    break
                except asyncio.TimeoutError:
                    pass
            self.log("phase", ph=i, connect=ph["connect"])
            if ph["connect"] == "refuse":
                await self.unlisten()
            else:
                await self.listen()
        await self.stopping.wait()
        await self.unlisten()
        self.log("stop")

    async def handle(self, reader, writer):
        self.conn_no += 1
        c = self.conn_no
        peer = writer.get_extra_info("peername") or ("?", 0)
        ph_i, ph = self.phase()
        self.log("conn", c=c, peer=f"{peer[0]}:{peer[1]}", ph=ph_i, mode=ph["connect"])
        by = "client"
        try:
            if ph["connect"] == "rst":
                sock = writer.get_extra_info("socket")
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                writer.transport.abort()
                by = "sink-rst"
                return
            if ph["connect"] == "hang":
                await self.drain_silently(reader)
                return
            by = await self.session(c, reader, writer, peer[0])
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.TimeoutError, OSError) as e:
            by = "error:" + type(e).__name__
        finally:
            if not writer.is_closing():
                writer.close()
            self.log("close", c=c, by=by)

    async def drain_silently(self, reader):
        deadline = time.monotonic() + IDLE_TIMEOUT_S
        while time.monotonic() < deadline:
            data = await asyncio.wait_for(reader.read(4096), IDLE_TIMEOUT_S)
            if not data:
                return

    async def reply(self, writer, text):
        """Send a reply; returns False if the connection must close (421)."""
        writer.write(text.encode() + b"\r\n" if not text.endswith("\r\n") else text.encode())
        await writer.drain()
        return not text.startswith("421")

    async def readline(self, reader):
        line = await asyncio.wait_for(reader.readline(), IDLE_TIMEOUT_S)
        if not line:
            raise ConnectionResetError("client closed")
        return line.decode("latin-1").rstrip("\r\n")

    def rcpt_reply(self, ph, ip):
        r = ph["rcpt"]
        if not r.startswith("2"):
            return r
        b = ph.get("rcpt_bucket")
        if b:
            bucket = self.buckets.setdefault(ip, Bucket())
            if not bucket.take(float(b["rate"]), float(b["burst"]), time.monotonic()):
                return b.get("reply", DEFAULTS["rcpt_defer_reply"])
        p = float(ph.get("rcpt_defer_p") or 0.0)
        if p > 0 and self.rng.random() < p:
            return ph["rcpt_defer_reply"]
        return r

    async def session(self, c, reader, writer, ip):
        _, ph = self.phase()
        g = ph["greeting"]
        if g == "hang":
            await self.drain_silently(reader)
            return "client"
        self.log("greet", c=c, r=short(g))
        if not await self.reply(writer, g):
            return "sink"
        rcpts_ok = 0
        while True:
            line = await self.readline(reader)
            verb = line[:4].upper()
            _, ph = self.phase()
            if verb in ("EHLO", "HELO"):
                r = ph["ehlo"]
                if r == "250":
                    r = ("250-sink.test\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 SIZE 52428800"
                         if verb == "EHLO" else "250 sink.test")
                if r == "hang":
                    self.log("ehlo", c=c, r="hang")
                    await self.drain_silently(reader)
                    return "client"
                self.log("ehlo", c=c, r=short(r.split("\r\n")[-1]) if "\r\n" in r else short(r))
                if not await self.reply(writer, r):
                    return "sink"
            elif verb == "MAIL":
                rcpts_ok = 0
                r = ph["mail"]
                self.log("mail", c=c, r=short(r) if r != "hang" else "hang")
                if r == "hang":
                    await self.drain_silently(reader)
                    return "client"
                if not await self.reply(writer, r):
                    return "sink"
            elif verb == "RCPT":
                addr = line[line.find("<") + 1:line.rfind(">")] if "<" in line else line[8:]
                local = addr.split("@")[0]
                r = self.rcpt_reply(ph, ip)
                self.log("rcpt", c=c, to=local, r=short(r) if r != "hang" else "hang")
                if r == "hang":
                    await self.drain_silently(reader)
                    return "client"
                if r.startswith("2"):
                    rcpts_ok += 1
                if not await self.reply(writer, r):
                    return "sink"
            elif verb == "DATA":
                r = ph["data"] if rcpts_ok else "554 5.5.1 Error: no valid recipients"
                self.log("data", c=c, r=short(r) if r != "hang" else "hang")
                if r == "hang":
                    await self.drain_silently(reader)
                    return "client"
                if not await self.reply(writer, r):
                    return "sink"
                if not r.startswith("354"):
                    continue
                cid = mid = ""
                in_headers = True
                while True:
                    dl = await self.readline(reader)
                    if dl == ".":
                        break
                    if in_headers:
                        if dl == "":
                            in_headers = False
                        else:
                            low = dl.lower()
                            if low.startswith("x-conformance-id:"):
                                cid = dl.split(":", 1)[1].strip()
                            elif low.startswith("message-id:"):
                                mid = dl.split(":", 1)[1].strip()
                _, ph = self.phase()
                self.msg_no += 1
                r = ph["dot"].replace("{n}", str(self.msg_no))
                self.log("dot", c=c, cid=cid, mid=mid, r=short(r) if r != "hang" else "hang")
                rcpts_ok = 0
                if r == "hang":
                    await self.drain_silently(reader)
                    return "client"
                if not await self.reply(writer, r):
                    return "sink"
            elif verb == "RSET":
                rcpts_ok = 0
                self.log("rset", c=c)
                await self.reply(writer, "250 2.0.0 Ok")
            elif verb == "NOOP":
                await self.reply(writer, "250 2.0.0 Ok")
            elif verb == "QUIT":
                self.log("quit", c=c)
                await self.reply(writer, "221 2.0.0 Bye")
                return "client"
            else:
                self.log("other", c=c, cmd=verb)
                await self.reply(writer, "502 5.5.2 Error: command not recognized")


def compact_file(path):
    """Rewrite a --full-log log in place into the compact form (same rule as live logging)."""
    with open(path) as f:
        recs = [json.loads(line) for line in f]
    keep = [r for r in recs if not (r["ev"] in ("quit", "rset") or
                                    (r["ev"], r.get("r", "")[:3]) in ROUTINE)]
    with open(path, "w") as f:
        for r in keep:
            f.write(json.dumps(r, separators=(",", ":")) + "\n")
    print(f"{path}: kept {len(keep)} of {len(recs)} lines", file=sys.stderr)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--compact":
        compact_file(sys.argv[2])
        return 0
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 epilog="sink.py --compact LOG rewrites a full log into the compact form")
    ap.add_argument("--schedule", required=True, help="JSON schedule file (or object with a 'sink' key)")
    ap.add_argument("--port", type=int, default=2525)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--log", required=True, help="JSON-lines log to write")
    ap.add_argument("--full-log", action="store_true",
                    help="also log routine replies (220 greeting, 250 EHLO/MAIL, 354 DATA), QUIT, RSET")
    a = ap.parse_args()
    if not a.host.startswith("127."):
        ap.error("the sink listens on the loopback range (127.0.0.0/8) only")
    with open(a.schedule) as f:
        spec = json.load(f)
    if "sink" in spec:
        spec = spec["sink"]
    sched = Schedule(spec)
    with open(a.log, "a", buffering=1) as log:
        async def amain():
            sink = Sink(sched, a.host, a.port, log, compact=not a.full_log)
            loop = asyncio.get_running_loop()
            for s in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(s, sink.stopping.set)
            await sink.run()
        asyncio.run(amain())
    return 0


if __name__ == "__main__":
    sys.exit(main())
