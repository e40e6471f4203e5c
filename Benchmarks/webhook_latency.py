#!/usr/bin/env python3
"""Kill-switch latency: ingest of a triggering event → webhook POST arrival (stdlib only).

Starts `driftwatch serve` on a fresh store with baselines for N victim agents and a
webhook to a loopback receiver in this process. Background clients ingest ~RATE
events/s of normal traffic (learning agents, which never open breakers). Every
INTERVAL seconds one victim calls a never-seen tool classed destructive: critical,
so its breaker opens and the kill switch fires. Latency = receiver arrival time −
the moment just before the triggering POST was sent. Prints p50/p99/max.

    swift build -c release --product driftwatch
    python3 Benchmarks/webhook_latency.py --rate 10000 --openings 50
"""
import argparse, http.client, json, os, shutil, subprocess, sys, tempfile, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOOLS = ["search.docs", "files.read", "sql.query", "tickets.get"]
arrivals, lock = {}, threading.Lock()


class Receiver(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        now = time.monotonic()
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if body["type"] == "breaker.open":
            with lock:
                arrivals.setdefault(body["agent"], now)
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def percentile(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def main():
    ap = argparse.ArgumentParser()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    default_binary = next((p for p in (os.path.join(root, ".build/release/driftwatch"), os.path.join(root, ".build/debug/driftwatch"))
                           if os.path.exists(p)), "driftwatch")
    ap.add_argument("--binary", default=default_binary)
    ap.add_argument("--rate", type=int, default=10000, help="background events/s")
    ap.add_argument("--openings", type=int, default=50)
    ap.add_argument("--interval", type=float, default=0.2, help="seconds between openings")
    ap.add_argument("--port", type=int, default=18731)
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="dw-webhook-bench-")
    recv = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=recv.serve_forever, daemon=True).start()

    # One learned baseline, copied for every victim.
    with open(os.path.join(tmp, "train.ndjson"), "w") as f:
        for i in range(1200):
            f.write(json.dumps({"ts": "2026-01-01T%02d:%02d:%02dZ" % (i // 3600, i // 60 % 60, i % 60), "agent": "template",
                                "session": f"s{i // 20}", "tool": TOOLS[i % 4], "args": {"q": "x"}}) + "\n")
    subprocess.run([a.binary, "baseline", "learn", os.path.join(tmp, "train.ndjson"), "--out", os.path.join(tmp, "learned")],
                   check=True, stderr=subprocess.DEVNULL)
    template = json.load(open(os.path.join(tmp, "learned", "template.json")))
    os.makedirs(os.path.join(tmp, "baselines"))
    for v in range(a.openings):
        template["agent"] = f"victim-{v}"
        json.dump(template, open(os.path.join(tmp, "baselines", f"victim-{v}.json"), "w"))
    with open(os.path.join(tmp, "config.json"), "w") as f:
        json.dump({"webhooks": [{"url": f"http://127.0.0.1:{recv.server_port}/kill", "secret": "benchmark-secret-0123"}],
                   "tools": {"db.drop_*": "destructive"}, "learning": {"min_calls": 1000000}}, f)
    server = subprocess.Popen([a.binary, "serve", "--db", os.path.join(tmp, "dw.db"), "--baselines", os.path.join(tmp, "baselines"),
                               "--config", os.path.join(tmp, "config.json"), "--listen", f"127.0.0.1:{a.port}"],
                              stderr=open(os.path.join(tmp, "serve.log"), "w"))
    try:
        for _ in range(200):
            try:
                c = http.client.HTTPConnection("127.0.0.1", a.port, timeout=2); c.request("GET", "/healthz"); c.getresponse().read(); break
            except OSError:
                time.sleep(0.05)
        stop = threading.Event()
        sent = [0]

        def background(client):
            batch = 500
            per_client = a.rate / 2
            conn = http.client.HTTPConnection("127.0.0.1", a.port, timeout=30)
            n = 0
            start = time.monotonic()
            while not stop.is_set():
                body = "\n".join(json.dumps({"agent": f"bg-{(client * 7 + i) % 40}", "tool": TOOLS[(n + i) % 4], "session": f"b{n % 100}",
                                             "call_id": f"{client}-{n}-{i}", "args": {"q": i}}) for i in range(batch))
                conn.request("POST", "/v1/events", body, {"Content-Type": "application/x-ndjson"}); conn.getresponse().read()
                n += 1
                sent[0] += batch
                delay = start + n * batch / per_client - time.monotonic()
                if delay > 0:
                    time.sleep(delay)

        threads = [threading.Thread(target=background, args=(c,), daemon=True) for c in range(2)]
        for t in threads:
            t.start()
        time.sleep(1)
        sent_at, conn = {}, http.client.HTTPConnection("127.0.0.1", a.port, timeout=30)
        t_start, sent_start = time.monotonic(), sent[0]
        for v in range(a.openings):
            agent = f"victim-{v}"
            body = json.dumps({"agent": agent, "tool": "db.drop_table", "args": {"table": "invoices"}})
            sent_at[agent] = time.monotonic()
            conn.request("POST", "/v1/events", body, {"Content-Type": "application/json"}); conn.getresponse().read()
            time.sleep(a.interval)
        deadline = time.monotonic() + 10
        while len(arrivals) < a.openings and time.monotonic() < deadline:
            time.sleep(0.05)
        rate = (sent[0] - sent_start) / (time.monotonic() - t_start)
        stop.set()
        lat = [(arrivals[k] - sent_at[k]) * 1000 for k in sent_at if k in arrivals]
        print(f"binary: {a.binary}")
        print(f"background ingest: {rate:,.0f} events/s acknowledged (target {a.rate:,})")
        print(f"openings: {len(lat)}/{a.openings} delivered")
        if lat:
            print(f"ingest → webhook POST arrival: p50 {percentile(lat, 50):.1f} ms, p99 {percentile(lat, 99):.1f} ms, max {max(lat):.1f} ms")
    finally:
        server.terminate()
        server.wait()
        recv.shutdown()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
