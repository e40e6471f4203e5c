#!/usr/bin/env python3
"""The webhook outbox across random kill -9 (issue 6, faults): everything owed is delivered.

Each round starts `driftwatch serve` on the same store with a webhook to a loopback
receiver that runs throughout and verifies every HMAC signature (docs/kill-switch.md).
While kill9.py's keep-alive clients ingest, a breaker client keeps opening breakers:
agents `ob-*` are in `enforce` mode with a session budget of $0.50, so each POST of a
fresh session with two $0.30 calls opens that session's breaker and enqueues one
`breaker.open` delivery in the batch's transaction. The service is SIGKILLed at a
random moment; `PRAGMA integrity_check` runs after every round. After the last round
the service is started once more and given time to drain, then the script checks:

- every outbox row is `delivered` (none pending, none dead);
- every session whose POST was acknowledged has its `breaker.open` row, and every
  delivered row reached the receiver with a valid signature;
- duplicates (at-least-once: a POST answered just before the kill is sent again) are
  counted, and per agent the first arrivals follow the outbox order.

usage: Benchmarks/faults/outbox_kill9.py [--rounds 20] [--binary .build/release/driftwatch]
"""
import argparse, collections, hashlib, hmac, http.client, json, os, random, signal, sqlite3, subprocess, sys, tempfile, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kill9 import client, wait_ready  # noqa: E402 (the plain kill -9 rounds' load and readiness helpers)

SECRET = b"outbox-kill9-secret-0123456789"


class Receiver(BaseHTTPRequestHandler):
    """Verifies the signature (constant time, timestamp within 5 minutes) and records the delivery.
    Flaky on purpose, so kills find deliveries in flight and rows waiting for a retry: of
    the requests, 10 % answer 500, 5 % are dropped (connection closed without an answer),
    5 % take 1.5 s (longer than the sender's 1 s timeout: it retries, so the receiver
    records a duplicate), 10 % take 0.3 s."""
    arrivals, bad, lock, rng = [], [], threading.Lock(), random.Random(66)
    faults = collections.Counter()

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        with Receiver.lock:
            draw = Receiver.rng.random()
        if draw < 0.1:
            with Receiver.lock:
                Receiver.faults["500"] += 1
            self.send_response(500); self.end_headers()
            return
        if draw < 0.15:
            with Receiver.lock:
                Receiver.faults["dropped"] += 1
            self.close_connection = True
            self.connection.shutdown(2)
            return
        if draw < 0.2:
            with Receiver.lock:
                Receiver.faults["1.5 s"] += 1
            time.sleep(1.5)
        elif draw < 0.3:
            time.sleep(0.3)
        try:
            t, v1 = (p.split("=", 1)[1] for p in self.headers["X-Driftwatch-Signature"].split(","))
            good = hmac.compare_digest(hmac.new(SECRET, t.encode() + b"." + body, hashlib.sha256).hexdigest(), v1)
            good = good and abs(time.time() - int(t)) <= 300
            event = json.loads(body)
            good = good and event["id"] == self.headers["X-Driftwatch-Event-Id"]
        except Exception as e:
            good, event = False, {"error": str(e)}
        with Receiver.lock:
            (Receiver.arrivals if good else Receiver.bad).append((time.time(), event))
        self.send_response(204 if good else 401)
        self.end_headers()

    def log_message(self, *args):
        pass


def breaker_client(port, prefix, acked, stop):
    """Opens one session breaker per acknowledged POST (a fresh session over its budget)."""
    n = 0
    while not stop.is_set():
        session = f"{prefix}-{n}"
        body = "\n".join(json.dumps({"agent": f"ob-{n % 8}", "tool": "t", "session": session, "call_id": f"{session}-{i}",
                                     "cost_usd": 0.3}) for i in range(2))
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            c.request("POST", "/v1/events", body=body, headers={"Content-Type": "application/x-ndjson"})
            r = c.getresponse(); r.read(); c.close()
            if r.status == 202:
                acked.append(session)
        except Exception:
            time.sleep(0.01)
        n += 1
        time.sleep(0.02)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--binary", default=".build/release/driftwatch")
    ap.add_argument("--port", type=int, default=18830)
    ap.add_argument("--receiver-port", type=int, default=18831)
    ap.add_argument("--drain", type=float, default=180, help="seconds the final run may take to deliver everything")
    a = ap.parse_args()
    a.binary = os.path.abspath(a.binary)
    work = tempfile.mkdtemp(prefix="dw-outbox-kill9-")
    db = os.path.join(work, "dw.db")
    with open(os.path.join(work, "config.json"), "w") as f:
        json.dump({"webhooks": [{"url": f"http://127.0.0.1:{a.receiver_port}/kill", "secret": SECRET.decode()}],
                   "agents": {"ob-*": {"mode": "enforce", "budgets": {"session_usd": 0.5}}},
                   "delivery": {"initial_backoff_s": 1, "max_backoff_s": 2, "timeout_s": 1}}, f)
    receiver = ThreadingHTTPServer(("127.0.0.1", a.receiver_port), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    rng = random.Random(6)
    command = [a.binary, "serve", "--config", "config.json", "--db", db, "--listen", f"127.0.0.1:{a.port}"]
    acked_sessions, acked_events = [], 0
    for rnd in range(1, a.rounds + 1):
        proc = subprocess.Popen(command, cwd=work, stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, f"serve-{rnd}.log"), "w"))
        if not wait_ready(a.port, time.time() + 30):
            print(f"round {rnd}: server did not become ready", file=sys.stderr); proc.kill(); return 1
        events, sessions, stop = [], [], threading.Event()
        threads = [threading.Thread(target=client, args=(a.port, f"r{rnd}c{k}", events, stop)) for k in range(2)]
        threads.append(threading.Thread(target=breaker_client, args=(a.port, f"r{rnd}b", sessions, stop)))
        for t in threads: t.start()
        time.sleep(rng.uniform(0.5, 3.0))
        proc.send_signal(signal.SIGKILL); proc.wait()
        stop.set()
        for t in threads: t.join()
        con = sqlite3.connect(db)
        integrity = con.execute("PRAGMA integrity_check").fetchone()[0]
        states = dict(con.execute("SELECT state, count(*) FROM outbox GROUP BY state").fetchall())
        con.close()
        acked_sessions += sessions; acked_events += len(events)
        with Receiver.lock:
            received = len(Receiver.arrivals)
        print(f"round {rnd:2}: {len(events):6} events and {len(sessions):3} breaker sessions acknowledged; outbox {states}; "
              f"received so far {received}; integrity {integrity}", flush=True)
        if integrity != "ok":
            print("FAILED: integrity", file=sys.stderr); return 1

    # Final run: no load, only delivery.
    proc = subprocess.Popen(command, cwd=work, stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "serve-final.log"), "w"))
    wait_ready(a.port, time.time() + 30)
    started, pending = time.time(), None
    while time.time() - started < a.drain:
        con = sqlite3.connect(db)
        pending = con.execute("SELECT count(*) FROM outbox WHERE state = 'pending'").fetchone()[0]
        con.close()
        if pending == 0:
            break
        time.sleep(0.2)
    drained = time.time() - started
    time.sleep(2)  # let a late duplicate show up
    proc.send_signal(signal.SIGTERM); proc.wait()

    con = sqlite3.connect(db)
    rows = con.execute("SELECT id, event_id, agent, state, attempts, body FROM outbox ORDER BY id").fetchall()
    integrity = con.execute("PRAGMA integrity_check").fetchone()[0]
    con.close()
    states = collections.Counter(r[3] for r in rows)
    order = {r[1]: r[0] for r in rows}
    owed_sessions = {json.loads(r[5]).get("session") for r in rows}
    with Receiver.lock:
        arrivals, bad = list(Receiver.arrivals), list(Receiver.bad)
    per_id = collections.Counter(e["id"] for _, e in arrivals)
    duplicates = sum(n - 1 for n in per_id.values())
    never_received = [r[1] for r in rows if r[1] not in per_id]
    unknown = [i for i in per_id if i not in order]
    acked_without_row = [s for s in acked_sessions if s not in owed_sessions]
    first_seen, out_of_order = {}, 0
    for _, e in arrivals:
        first_seen.setdefault(e["id"], e["agent"])
    last = {}
    for event_id, agent in first_seen.items():  # dicts keep insertion (= first arrival) order
        if event_id in order:
            if order[event_id] < last.get(agent, 0):
                out_of_order += 1
            last[agent] = max(last.get(agent, 0), order[event_id])
    retried = sum(1 for r in rows if r[4] > 1)
    print(f"\n{a.rounds} rounds killed with SIGKILL; {acked_events} events and {len(acked_sessions)} breaker-opening sessions acknowledged")
    print(f"outbox rows {len(rows)}: {dict(states)}; drained in {drained:.1f} s after the final start; {retried} rows needed more than one attempt")
    print(f"receiver: {len(arrivals)} signed deliveries of {len(per_id)} distinct events, {duplicates} duplicates, "
          f"{len(bad)} bad signatures, {len(unknown)} not in the outbox; receiver faults on purpose {dict(Receiver.faults)}")
    print(f"owed but never received: {len(never_received)}; acknowledged sessions without a breaker.open row: {len(acked_without_row)}; "
          f"per-agent order violations: {out_of_order}; integrity {integrity} ({work})")
    ok = (states.get("pending", 0) == 0 and states.get("dead", 0) == 0 and not never_received and not bad and not unknown
          and not acked_without_row and out_of_order == 0 and integrity == "ok")
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
