#!/usr/bin/env python3
"""Load soak for `driftwatch serve` (issue 6, "Load"). Stdlib only.

Starts a release `driftwatch serve` on a temporary store (tokens configured, event
retention bounded), then for --seconds (default 300):

  * --clients (16) keep-alive clients POST NDJSON batches to /v1/events, every event
    with a unique call_id (each client may be throttled with --rate);
  * one viewer client GETs /v1/alerts, /v1/agents, /metrics and dashboard pages
    with the viewer token, in rotation;
  * --slowloris (120) hostile connections, reconnecting whenever the server drops
    them, split evenly over four kinds:
      head-trickle  sends a request head one byte per second, never finishing it
      silent        connects and sends nothing
      body-trickle  sends a complete head (Content-Length 100000), then one body
                    byte per second
      idle-keepalive  makes one GET /healthz, then sits idle on the kept-alive
                    connection

Every --interval seconds (5) it samples the server's VmRSS and open descriptor count
(/proc/PID), the interval's POST latency p50/p99, events/s acknowledged (202),
viewer GET p99, and how many slowloris connections the server cut. At the end all
clients disconnect, and the descriptor count is taken again and compared with the
count before any load. The server is stopped with SIGTERM; its exit status and the
time it took are reported.

    swift build -c release --product driftwatch
    python3 Benchmarks/load/soak.py                 # 5 minutes
    python3 Benchmarks/load/soak.py --seconds 60 --slowloris 200 --rate 20000

Exit status 0 when memory was flat (steady-state RSS growth below --max-rss-growth),
no descriptor leaked and every slowloris kind was cut; 1 otherwise.
"""
import argparse
import atexit
import errno
import http.client
import json
import os
import re
import secrets
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_BINARY = os.path.join(REPO, ".build", "release", "driftwatch")

TOOLS = ["search.docs", "files.read", "sql.query", "tickets.get", "tickets.update", "notify.email"]
KINDS = ["head-trickle", "silent", "body-trickle", "idle-keepalive"]


# ---------------------------------------------------------------- server

class Server:
    def __init__(self, binary, workdir, retention_events):
        self.workdir = workdir
        self.tokens = {"ingest": secrets.token_hex(16), "viewer": secrets.token_hex(16), "admin": secrets.token_hex(16)}
        config = {"tokens": self.tokens, "retention": {"max_events": retention_events},
                  "dashboards": os.path.join(REPO, "dashboards")}
        self.config_path = os.path.join(workdir, "config.json")
        with open(self.config_path, "w") as f:
            json.dump(config, f)
        self.db = os.path.join(workdir, "soak.db")
        self.log_path = os.path.join(workdir, "serve.stderr")
        self.log = open(self.log_path, "w+")
        self.process = subprocess.Popen(
            [binary, "serve", "--config", self.config_path, "--listen", "127.0.0.1:0", "--db", self.db],
            cwd=workdir, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self.log)
        self.pid = self.process.pid
        self.port = self._wait_port()

    def _wait_port(self):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            self.log.seek(0)
            match = re.search(r"serving on http://127\.0\.0\.1:(\d+)", self.log.read())
            if match:
                return int(match.group(1))
            if self.process.poll() is not None:
                self.log.seek(0)
                raise SystemExit("serve exited: " + self.log.read())
            time.sleep(0.05)
        raise SystemExit("serve did not start within 60 s")

    def rss_kib(self):
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return -1

    def hwm_kib(self):
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
        return -1

    def fds(self):
        return len(os.listdir(f"/proc/{self.pid}/fd"))

    def fd_kinds(self):
        kinds = {}
        for name in os.listdir(f"/proc/{self.pid}/fd"):
            try:
                target = os.readlink(f"/proc/{self.pid}/fd/{name}")
            except OSError:
                continue
            kind = target.split(":")[0] if ":" in target and not target.startswith("/") else "file"
            kinds[kind] = kinds.get(kind, 0) + 1
        return kinds

    def threads(self):
        return len(os.listdir(f"/proc/{self.pid}/task"))

    def db_bytes(self):
        total = 0
        for suffix in ("", "-wal", "-shm"):
            try:
                total += os.path.getsize(self.db + suffix)
            except OSError:
                pass
        return total

    def stop(self, timeout=60):
        if self.process.poll() is not None:
            return self.process.returncode, 0.0
        start = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait()
        return code, time.monotonic() - start

    def kill(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


# ---------------------------------------------------------------- statistics

class Stats:
    """Per-interval counters, swapped out under a lock by the sampler."""

    def __init__(self):
        self.lock = threading.Lock()
        self.reset()
        self.total_events = 0
        self.total_requests = 0
        self.errors = []
        self.error_count = 0
        self.cut_by_kind = {k: 0 for k in KINDS}
        self.lifetimes = {k: [] for k in KINDS}
        self.got_408 = {k: 0 for k in KINDS}

    def reset(self):
        self.post_latencies = []
        self.get_latencies = []
        self.events = 0
        self.cuts = 0

    def take(self):
        with self.lock:
            snapshot = (self.post_latencies, self.get_latencies, self.events, self.cuts)
            self.reset()
        return snapshot

    def post(self, latency, accepted):
        with self.lock:
            self.post_latencies.append(latency)
            self.events += accepted
            self.total_events += accepted
            self.total_requests += 1

    def get(self, latency):
        with self.lock:
            self.get_latencies.append(latency)
            self.total_requests += 1

    def error(self, text):
        with self.lock:
            self.error_count += 1
            if len(self.errors) < 10:
                self.errors.append(text)

    def cut(self, kind, lifetime, saw_408):
        with self.lock:
            self.cuts += 1
            self.cut_by_kind[kind] += 1
            self.lifetimes[kind].append(lifetime)
            if saw_408:
                self.got_408[kind] += 1


def percentile(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


# ---------------------------------------------------------------- clients

def make_bodies(client, count, batch, agents):
    """NDJSON templates; b"@R@" (call_id) and b"@S@" (session) are replaced per request."""
    bodies = []
    for n in range(count):
        lines = []
        for i in range(batch):
            tool = TOOLS[(n * 7 + i * 3 + client) % len(TOOLS)]
            lines.append(json.dumps({
                "agent": f"soak-{(client * 31 + n * 7 + i) % agents}",
                "tool": tool,
                "session": f"@S@-{client}-{i % 8}",
                "call_id": f"@R@-{client}-{n}-{i}",
                "args": {"query": "SELECT id FROM invoices WHERE customer_id = ?", "limit": 50 + i % 7},
                "status": "ok" if i % 50 else "error",
                "cost_usd": round(0.001 + (i % 13) * 0.0003, 6),
                "tokens_in": 1000 + i,
                "tokens_out": 80 + i % 40,
                "latency_ms": 20 + i % 30,
            }, separators=(",", ":")))
        bodies.append(("\n".join(lines) + "\n").encode())
    return bodies


def ingest_client(index, port, token, bodies, stop, stats, per_client_rate, batch, session_rounds):
    headers = {"Content-Type": "application/x-ndjson", "Authorization": "Bearer " + token}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    interval = batch / per_client_rate if per_client_rate > 0 else 0.0
    next_send = time.monotonic()
    n = 0
    while not stop.is_set():
        if interval:
            delay = next_send - time.monotonic()
            if delay > 0:
                if stop.wait(delay):
                    break
            next_send = max(next_send + interval, time.monotonic() - 1.0)
        round_ = n // len(bodies)
        body = bodies[n % len(bodies)].replace(b"@R@", b"c%dr%d" % (index, round_))
        # Session names: a fixed pool, or a fresh set every `session_rounds` rounds.
        body = body.replace(b"@S@", b"s%d" % (round_ // session_rounds if session_rounds else 0))
        n += 1
        start = time.monotonic()
        try:
            conn.request("POST", "/v1/events", body=body, headers=headers)
            response = conn.getresponse()
            payload = response.read()
        except (OSError, http.client.HTTPException) as error:
            stats.error(f"POST: {error!r}")
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            continue
        latency = time.monotonic() - start
        if response.status == 202:
            stats.post(latency, json.loads(payload)["accepted"])
        else:
            stats.error(f"POST HTTP {response.status}: {payload[:160]!r}")
        if response.getheader("Connection", "").lower() == "close":
            conn.close()  # e.g. maxRequestsPerConnection reached; http.client reconnects
    conn.close()


def viewer_client(port, token, stop, stats, pause):
    paths = ["/v1/alerts?limit=50", "/v1/agents", "/", "/alerts", "/metrics", "/agents/soak-1",
             "/v1/alerts?severity=critical&limit=20"]
    headers = {"Authorization": "Bearer " + token}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    n = 0
    while not stop.is_set():
        path = paths[n % len(paths)]
        n += 1
        start = time.monotonic()
        try:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            payload = response.read()
        except (OSError, http.client.HTTPException) as error:
            stats.error(f"GET {path}: {error!r}")
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            continue
        if response.status == 200:
            stats.get(time.monotonic() - start)
        else:
            stats.error(f"GET {path} HTTP {response.status}: {payload[:120]!r}")
        stop.wait(pause)
    conn.close()


class Slowloris:
    """All hostile connections in one thread, on non-blocking sockets."""

    HEAD = (b"POST /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-ndjson\r\n"
            b"X-Padding: " + b"a" * 4000 + b"\r\n")

    def __init__(self, port, count, stats, stop, byte_every):
        self.port = port
        self.stats = stats
        self.stop = stop
        self.byte_every = byte_every
        self.selector = selectors.DefaultSelector()
        self.conns = {}  # socket -> state dict
        self.kinds = [KINDS[i % len(KINDS)] for i in range(count)]
        self.open_by_kind = {k: 0 for k in KINDS}
        self.connect_failures = 0

    def open(self, kind):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        try:
            s.connect(("127.0.0.1", self.port))
        except BlockingIOError:
            pass
        except OSError:
            self.connect_failures += 1
            s.close()
            return
        state = {"kind": kind, "opened": time.monotonic(), "sent": 0, "next": time.monotonic(), "inbox": b"",
                 "phase": "start"}
        if kind == "body-trickle":
            state["payload"] = (b"POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\n"
                                b"Content-Length: 100000\r\n\r\n")
        elif kind == "idle-keepalive":
            state["payload"] = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
        elif kind == "head-trickle":
            state["payload"] = self.HEAD
        else:
            state["payload"] = b""
        self.conns[s] = state
        self.open_by_kind[kind] += 1
        self.selector.register(s, selectors.EVENT_READ)

    def dropped(self, s, state):
        self.selector.unregister(s)
        s.close()
        del self.conns[s]
        self.open_by_kind[state["kind"]] -= 1
        if self.stop.is_set():
            return
        self.stats.cut(state["kind"], time.monotonic() - state["opened"], b" 408 " in state["inbox"][:64])

    def send_some(self, s, state, now):
        kind, payload = state["kind"], state["payload"]
        try:
            if kind in ("body-trickle", "idle-keepalive") and state["phase"] == "start":
                s.send(payload)  # the whole head at once (small; fits the socket buffer)
                state["phase"] = "body" if kind == "body-trickle" else "waiting"
                state["next"] = now + self.byte_every
            elif kind == "head-trickle" and now >= state["next"]:
                s.send(payload[state["sent"] % len(payload):][:1])
                state["sent"] += 1
                state["next"] = now + self.byte_every
            elif kind == "body-trickle" and now >= state["next"]:
                s.send(b"{")
                state["next"] = now + self.byte_every
        except BlockingIOError:
            pass
        except OSError:
            self.dropped(s, state)

    def run(self):
        for kind in self.kinds:
            self.open(kind)
        while not self.stop.is_set():
            now = time.monotonic()
            for s, state in list(self.conns.items()):
                self.send_some(s, state, now)
            for key, _ in self.selector.select(timeout=0.2):
                s = key.fileobj
                state = self.conns.get(s)
                if state is None:
                    continue
                try:
                    data = s.recv(65536)
                except BlockingIOError:
                    continue
                except OSError:
                    self.dropped(s, state)
                    continue
                if not data:
                    self.dropped(s, state)
                    continue
                state["inbox"] += data[:256]
            # Reconnect whatever the server dropped, keeping the same mix of kinds.
            wanted = {k: self.kinds.count(k) for k in KINDS}
            for kind in KINDS:
                for _ in range(wanted[kind] - self.open_by_kind[kind]):
                    self.open(kind)
        for s in list(self.conns):
            self.selector.unregister(s)
            s.close()
        self.conns.clear()


# ---------------------------------------------------------------- main

def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=DEFAULT_BINARY, help="driftwatch executable (default: %(default)s)")
    parser.add_argument("--seconds", type=float, default=300, help="load duration (default 300)")
    parser.add_argument("--interval", type=float, default=5, help="sampling interval in seconds (default 5)")
    parser.add_argument("--warmup", type=float, default=60,
                        help="seconds before steady state starts, for the RSS comparison (default 60)")
    parser.add_argument("--clients", type=int, default=16, help="keep-alive ingest clients (default 16)")
    parser.add_argument("--batch", type=int, default=200, help="events per POST (default 200)")
    parser.add_argument("--rate", type=float, default=0,
                        help="total events/s target over all clients, 0 = as fast as acknowledged (default 0)")
    parser.add_argument("--agents", type=int, default=300, help="distinct agents (default 300)")
    parser.add_argument("--session-rounds", type=int, default=0,
                        help="every client starts a fresh set of 8 session names every this many rounds of "
                             "10 requests; 0 = a fixed pool of 8 per client (default 0). The service keeps a "
                             "session until 30 minutes of inactivity, so fresh names grow memory on purpose")
    parser.add_argument("--slowloris", type=int, default=120, help="hostile connections (default 120)")
    parser.add_argument("--byte-every", type=float, default=1.0, help="slowloris seconds per byte (default 1)")
    parser.add_argument("--viewer-pause", type=float, default=0.2, help="pause between viewer GETs (default 0.2 s)")
    parser.add_argument("--retention", type=int, default=1_000_000,
                        help="retention.max_events of the server (default 1,000,000)")
    parser.add_argument("--max-rss-growth", type=float, default=0.15,
                        help="largest accepted steady-state RSS growth, as a fraction (default 0.15)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (store, server log)")
    args = parser.parse_args()

    binary = os.path.abspath(args.binary)
    if not os.access(binary, os.X_OK):
        sys.exit(f"{binary} not found: swift build -c release --product driftwatch")

    workdir = tempfile.mkdtemp(prefix="driftwatch-soak-")
    server = None
    stop = threading.Event()

    def cleanup():
        stop.set()
        if server:
            server.kill()
        if args.keep:
            print(f"kept {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    atexit.register(cleanup)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(130))

    server = Server(binary, workdir, args.retention)
    time.sleep(1.0)
    fd_before, rss_before = server.fds(), server.rss_kib()
    fd_kinds_before = server.fd_kinds()
    print(f"server pid {server.pid} on port {server.port}: {fd_before} descriptors, RSS {rss_before / 1024:.1f} MiB "
          f"before load; loadavg {os.getloadavg()[0]:.2f}", file=sys.stderr)

    bodies = [make_bodies(c, 10, args.batch, args.agents) for c in range(args.clients)]
    stats = Stats()
    per_client_rate = args.rate / args.clients if args.rate > 0 else 0
    threads = [threading.Thread(target=ingest_client, daemon=True,
                                args=(c, server.port, server.tokens["ingest"], bodies[c], stop, stats,
                                      per_client_rate, args.batch, args.session_rounds))
               for c in range(args.clients)]
    threads.append(threading.Thread(target=viewer_client, daemon=True,
                                    args=(server.port, server.tokens["viewer"], stop, stats, args.viewer_pause)))
    loris = Slowloris(server.port, args.slowloris, stats, stop, args.byte_every)
    threads.append(threading.Thread(target=loris.run, daemon=True))

    start = time.monotonic()
    for t in threads:
        t.start()
    header = (f"{'t/s':>5} {'RSS MiB':>8} {'fds':>5} {'thr':>4} {'events/s':>9} {'POSTs':>6} {'p50 ms':>7} "
              f"{'p99 ms':>7} {'GET p99':>8} {'cuts':>5} {'loris':>5} {'db MiB':>7} {'load':>5}")
    print(header)
    samples = []
    next_sample = start + args.interval
    try:
        while True:
            now = time.monotonic()
            if now >= start + args.seconds:
                break
            time.sleep(max(0.0, min(next_sample, start + args.seconds) - now))
            if server.process.poll() is not None:
                print("server exited during the soak", file=sys.stderr)
                break
            t = time.monotonic()
            span = t - (samples[-1]["t"] + start if samples else start)
            posts, gets, events, cuts = stats.take()
            sample = {"t": t - start, "rss": server.rss_kib(), "fds": server.fds(), "threads": server.threads(),
                      "eps": events / span, "posts": len(posts), "p50": percentile(posts, 50) * 1000,
                      "p99": percentile(posts, 99) * 1000, "get_p99": percentile(gets, 99) * 1000, "cuts": cuts,
                      "loris": len(loris.conns), "db": server.db_bytes(), "load": os.getloadavg()[0]}
            samples.append(sample)
            print(f"{sample['t']:5.0f} {sample['rss'] / 1024:8.1f} {sample['fds']:5d} {sample['threads']:4d} "
                  f"{sample['eps']:9,.0f} {sample['posts']:6d} {sample['p50']:7.1f} {sample['p99']:7.1f} "
                  f"{sample['get_p99']:8.1f} {sample['cuts']:5d} {sample['loris']:5d} "
                  f"{sample['db'] / 2**20:7.1f} {sample['load']:5.2f}", flush=True)
            next_sample += args.interval
    except KeyboardInterrupt:
        print("interrupted; summarising what was measured", file=sys.stderr)
    elapsed = time.monotonic() - start

    stop.set()
    for t in threads:
        t.join(timeout=90)
    # Every client is gone; give the reactor a moment to see the FINs, then count.
    time.sleep(2.0)
    alive = server.process.poll() is None
    fd_after = server.fds() if alive else -1
    fd_kinds_after = server.fd_kinds() if alive else {}
    rss_after_disconnect = server.rss_kib() if alive else -1
    hwm = server.hwm_kib() if alive else -1
    code, stop_seconds = server.stop()

    steady = [s for s in samples if s["t"] >= args.warmup] or samples
    ok = True
    print()
    print(f"duration {elapsed:.0f} s; {args.clients} ingest clients (batch {args.batch}), 1 viewer, "
          f"{args.slowloris} slowloris; loadavg at end {os.getloadavg()[0]:.2f} "
          f"(1-min), {os.getloadavg()[1]:.2f} (5-min)")
    print(f"events acknowledged: {stats.total_events:,} ({stats.total_events / elapsed:,.0f}/s); "
          f"requests: {stats.total_requests:,}; client errors: {stats.error_count}")
    for e in stats.errors[:5]:
        print("   ", e)
    if steady:
        first, last = steady[0], steady[-1]
        growth = (last["rss"] - first["rss"]) / first["rss"]
        peak = max(s["rss"] for s in steady)
        # least-squares slope over the steady-state samples, MiB per minute
        n = len(steady)
        mt = sum(s["t"] for s in steady) / n
        mr = sum(s["rss"] for s in steady) / n
        var = sum((s["t"] - mt) ** 2 for s in steady)
        slope = (sum((s["t"] - mt) * (s["rss"] - mr) for s in steady) / var * 60 / 1024) if var else 0.0
        flat = growth <= args.max_rss_growth
        ok &= flat
        print(f"RSS: {first['rss'] / 1024:.1f} MiB at t={first['t']:.0f} s (steady state start) -> "
              f"{last['rss'] / 1024:.1f} MiB at t={last['t']:.0f} s ({growth * 100:+.1f} %), steady peak "
              f"{peak / 1024:.1f} MiB, trend {slope:+.2f} MiB/min, VmHWM {hwm / 1024:.1f} MiB; "
              f"after disconnect {rss_after_disconnect / 1024:.1f} MiB -> {'flat' if flat else 'GROWING'}")
        rates = [s["eps"] for s in samples]
        print(f"events/s per interval: median {percentile(rates, 50):,.0f}, lowest {min(rates):,.0f}, "
              f"highest {max(rates):,.0f}; first half median {percentile(rates[:len(rates) // 2], 50):,.0f}, "
              f"second half {percentile(rates[len(rates) // 2:], 50):,.0f}")
        worst = max(samples, key=lambda s: s["p99"] if s["p99"] == s["p99"] else -1)
        print(f"POST latency: worst interval p99 {worst['p99']:.1f} ms (t={worst['t']:.0f} s); median of interval "
              f"p50s {percentile([s['p50'] for s in samples], 50):.1f} ms; worst viewer GET p99 "
              f"{max((s['get_p99'] for s in samples if s['get_p99'] == s['get_p99']), default=float('nan')):.1f} ms")
    leaked = fd_after - fd_before
    ok &= alive and leaked <= 0
    print(f"descriptors: {fd_before} before load {fd_kinds_before}, peak {max((s['fds'] for s in samples), default=0)} "
          f"under load, {fd_after} after all clients disconnected {fd_kinds_after} -> "
          f"{'no leak' if alive and leaked <= 0 else f'LEAK of {leaked}' if alive else 'server died'}")
    print("slowloris connections cut by the server (count, lifetime min/median/max s, answered 408):")
    for kind in KINDS:
        lifetimes = stats.lifetimes[kind]
        if lifetimes:
            print(f"    {kind:15} {stats.cut_by_kind[kind]:5d}  {min(lifetimes):6.1f} {percentile(lifetimes, 50):6.1f} "
                  f"{max(lifetimes):6.1f}  {stats.got_408[kind]}")
        else:
            print(f"    {kind:15}     0  never cut")
            if args.seconds > 70:
                ok = False
    if loris.connect_failures:
        print(f"    connect failures: {loris.connect_failures}")
    print(f"server stopped by SIGTERM in {stop_seconds:.1f} s, exit status {code}")
    ok &= code == 0
    print("RESULT:", "ok" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
