#!/usr/bin/env python3
"""The Python peer (issue 6): what a team might write instead of driftwatch.

Per event: orjson parsing of the NDJSON line (spec §1 events), a per-agent tool
`collections.Counter`, River's `drift.ADWIN` and `drift.PageHinkley` on the agent's
`cost_usd`, and a row in SQLite (an `events` table with an (agent, ts) index, or with --full-schema also
driftwatch's other two indexes and its call_id idempotency; WAL,
synchronous=NORMAL like driftwatch's store; one transaction per batch of 1,000
events in replay, one per request in serve). A drift detected by either detector
is written as one JSON alert line.

  replay FILE...   read NDJSON files (`-` = stdin), print alerts to --alerts
                   (default: discarded) and events/s on stderr
  serve            a stdlib ThreadingHTTPServer: POST /v1/events with an NDJSON body,
                   202 {"accepted":N,"rejected":M} after the batch committed
                   (the same answer as `driftwatch serve`, so Benchmarks/ingest.py
                   can drive both); GET /healthz

    pip install orjson river
    python3 Benchmarks/peer/peer.py replay fleet.ndjson
    python3 Benchmarks/peer/peer.py serve --listen 127.0.0.1:8090 --db /tmp/peer.db
"""
import argparse
import collections
import datetime
import http.server
import os
import signal
import sqlite3
import sys
import tempfile
import threading
import time

try:
    import orjson
    from river import drift
except ImportError as error:  # pragma: no cover
    sys.exit(f"{error}: pip install orjson river")

SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    ts_ns INTEGER NOT NULL,
    received_ns INTEGER NOT NULL,
    agent TEXT NOT NULL,
    session TEXT,
    call_id TEXT,
    type TEXT NOT NULL DEFAULT 'tool_call',
    tool TEXT,
    args TEXT,
    status TEXT NOT NULL DEFAULT 'ok',
    cost_usd REAL,
    tokens_in INTEGER,
    tokens_out INTEGER,
    latency_ms REAL,
    model TEXT
);
CREATE INDEX IF NOT EXISTS events_agent_ts ON events (agent, ts_ns);
"""

# --full-schema: the indexes driftwatch's store maintains besides (agent, ts), and its
# idempotency rule (a repeated agent + call_id is stored once).
FULL_SCHEMA = """
CREATE UNIQUE INDEX IF NOT EXISTS events_agent_call_id ON events (agent, call_id) WHERE call_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS events_session_ts ON events (session, ts_ns) WHERE session IS NOT NULL;
"""

INSERT = ("INSERT INTO events (ts_ns, received_ns, agent, session, call_id, type, tool, args, status, cost_usd, "
          "tokens_in, tokens_out, latency_ms, model) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)")


def open_store(path, full_schema=False):
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    db.executescript(SCHEMA)
    if full_schema:
        db.executescript(FULL_SCHEMA)
    return db


def parse_ts(value):
    # RFC 3339 → Unix ns; fromisoformat accepts "Z" and offsets from Python 3.11.
    return int(datetime.datetime.fromisoformat(value).timestamp() * 1e9)


class AgentState:
    __slots__ = ("tools", "adwin", "ph", "calls")

    def __init__(self):
        self.tools = collections.Counter()
        self.adwin = drift.ADWIN()
        self.ph = drift.PageHinkley()
        self.calls = 0


class Peer:
    def __init__(self, db, alerts_out=None, require_ts=True, full_schema=False):
        self.db = db
        self.insert = INSERT.replace("INSERT INTO", "INSERT OR IGNORE INTO") if full_schema else INSERT
        self.agents = {}
        self.alerts_out = alerts_out
        self.require_ts = require_ts
        self.events = 0
        self.rejected = 0
        self.alerts = 0

    def decode(self, line, now_ns):
        """One NDJSON line → a row tuple, or None if rejected."""
        try:
            e = orjson.loads(line)
        except orjson.JSONDecodeError:
            return None
        if not isinstance(e, dict):
            return None
        agent = e.get("agent")
        kind = e.get("type", "tool_call")
        tool = e.get("tool")
        if not isinstance(agent, str) or not agent or (kind == "tool_call" and not isinstance(tool, str)):
            return None
        ts = e.get("ts")
        if ts is None:
            if self.require_ts:
                return None
            ts_ns = now_ns
        else:
            try:
                ts_ns = parse_ts(ts)
            except (TypeError, ValueError):
                return None
        cost = e.get("cost_usd")
        if cost is not None and (not isinstance(cost, (int, float)) or cost < 0):
            return None
        args = e.get("args")
        return (ts_ns, now_ns, agent, e.get("session"), e.get("call_id"), kind, tool,
                orjson.dumps(args).decode() if args is not None else None, e.get("status", "ok"), cost,
                e.get("tokens_in"), e.get("tokens_out"), e.get("latency_ms"), e.get("model"))

    def detect(self, row):
        agent, kind, tool, cost = row[2], row[5], row[6], row[9]
        state = self.agents.get(agent)
        if state is None:
            state = self.agents[agent] = AgentState()
        state.calls += 1
        if kind == "tool_call":
            state.tools[tool] += 1
        if cost is not None:
            state.adwin.update(cost)
            state.ph.update(cost)
            if state.adwin.drift_detected:
                self.alert(row, "cost.adwin", state.adwin.estimation)
            if state.ph.drift_detected:
                self.alert(row, "cost.page_hinkley", cost)

    def alert(self, row, kind, score):
        self.alerts += 1
        if self.alerts_out is not None:
            self.alerts_out.write(orjson.dumps({"ts": row[0], "agent": row[2], "session": row[3], "kind": kind,
                                                "score": score, "seq": self.events}) + b"\n")

    def process_lines(self, lines, now_ns):
        """Decodes and detects; returns the rows to store."""
        rows = []
        for line in lines:
            if not line.strip():
                continue
            row = self.decode(line, now_ns)
            if row is None:
                self.rejected += 1
                continue
            self.events += 1
            self.detect(row)
            rows.append(row)
        return rows

    def store(self, rows):
        if self.db is None or not rows:
            return
        self.db.execute("BEGIN")
        self.db.executemany(self.insert, rows)
        self.db.execute("COMMIT")


# ---------------------------------------------------------------- replay

def replay(args):
    workdir = None
    if args.no_store:
        db = None
    else:
        if args.db is None:
            workdir = tempfile.mkdtemp(prefix="peer-replay-")
            args.db = os.path.join(workdir, "peer.db")
        db = open_store(args.db, args.full_schema)
    out = open(args.alerts, "wb") if args.alerts else None
    peer = Peer(db, alerts_out=out, require_ts=True, full_schema=args.full_schema)
    start = time.perf_counter()
    try:
        for path in args.files:
            f = sys.stdin.buffer if path == "-" else open(path, "rb", buffering=1 << 20)
            batch = []
            for line in f:
                batch.append(line)
                if len(batch) == args.batch:
                    peer.store(peer.process_lines(batch, time.time_ns()))
                    batch = []
            if batch:
                peer.store(peer.process_lines(batch, time.time_ns()))
            if f is not sys.stdin.buffer:
                f.close()
    finally:
        elapsed = time.perf_counter() - start
        if out:
            out.close()
        if db is not None:
            db.close()
        if workdir:
            import shutil
            shutil.rmtree(workdir, ignore_errors=True)
    print(f"peer replay: {peer.events:,} events ({peer.rejected} rejected), {len(peer.agents)} agents, "
          f"{peer.alerts:,} alerts in {elapsed:.2f} s: {peer.events / elapsed:,.0f} events/s"
          f"{' (no SQLite)' if args.no_store else ''}", file=sys.stderr)
    print(f"events_per_s={peer.events / elapsed:.0f}")


# ---------------------------------------------------------------- serve

def serve(args):
    workdir = None
    if args.db is None:
        workdir = tempfile.mkdtemp(prefix="peer-serve-")
        args.db = os.path.join(workdir, "peer.db")
    db = open_store(args.db, args.full_schema)
    peer = Peer(db, require_ts=False, full_schema=args.full_schema)
    lock = threading.Lock()  # River detectors and the SQLite connection are not thread-safe

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive

        def log_message(self, *_):
            pass

        def reply(self, status, body):
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            if self.path == "/healthz":
                self.reply(200, b'{"ok":true}')
            else:
                self.reply(404, b'{"error":"not found"}')

        def do_POST(self):
            if self.path.split("?")[0] != "/v1/events":
                self.reply(404, b'{"error":"not found"}')
                return
            length = int(self.headers.get("Content-Length", "0"))
            if length > 8 * 1024 * 1024:
                self.reply(413, b'{"error":"body too large"}')
                self.close_connection = True
                return
            body = self.rfile.read(length)
            lines = body.split(b"\n")
            with lock:
                before = peer.rejected
                rows = peer.process_lines(lines, time.time_ns())
                peer.store(rows)
                rejected = peer.rejected - before
            self.reply(202, orjson.dumps({"accepted": len(rows), "rejected": rejected, "errors": []}))

    class Server(http.server.ThreadingHTTPServer):
        daemon_threads = True
        allow_reuse_address = True

    host, _, port = args.listen.rpartition(":")
    server = Server((host or "127.0.0.1", int(port)), Handler)
    print(f"peer: serving on http://{host or '127.0.0.1'}:{server.server_address[1]} (store {args.db})",
          file=sys.stderr, flush=True)

    def stop(*_):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
        with lock:
            db.close()
        print(f"peer: {peer.events:,} events stored, {peer.alerts:,} alerts", file=sys.stderr)
        if workdir:
            import shutil
            shutil.rmtree(workdir, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("replay", help="replay NDJSON files, print events/s")
    r.add_argument("files", nargs="+", help="NDJSON files, - for stdin")
    r.add_argument("--db", help="SQLite file to write (default: a temporary one, removed afterwards)")
    r.add_argument("--no-store", action="store_true", help="skip SQLite (parse + detect only)")
    r.add_argument("--batch", type=int, default=1000, help="events per transaction (default 1000)")
    r.add_argument("--alerts", help="write alert NDJSON here (default: count only)")
    s = sub.add_parser("serve", help="HTTP ingest server")
    s.add_argument("--listen", default="127.0.0.1:8090", help="HOST:PORT, port 0 = ephemeral (default %(default)s)")
    s.add_argument("--db", help="SQLite file (default: a temporary one, removed on exit)")
    for p in (r, s):
        p.add_argument("--full-schema", action="store_true",
                       help="also maintain driftwatch's other two indexes (unique agent+call_id, session+ts) "
                            "and skip duplicate call_ids, as driftwatch's store does")
    args = parser.parse_args()
    if args.command == "replay":
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # clean up the temporary store
        replay(args)
    else:
        serve(args)


if __name__ == "__main__":
    main()
