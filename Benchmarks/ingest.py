#!/usr/bin/env python3
"""Sustained HTTP ingest benchmark for `driftwatch serve` (stdlib only).

Several loopback keep-alive clients POST NDJSON batches (default 1,000 events each)
to /v1/events for a fixed time; every event has a unique call_id, so each one is a
new row (counted ids by default; `--random-call-ids` sends random ones, as Claude
Code and OpenTelemetry do, which cost the store more: they land all over its
UNIQUE (agent, call_id) index). Prints events/s persisted (acknowledged with 202,
which the service sends only after the batch committed) and p50/p99 request latency.

By default it starts its own server from a release build on a fresh store:

    swift build -c release --product driftwatch
    python3 Benchmarks/ingest.py --clients 4 --seconds 10

or point it at a running one with --url (then --binary is not used).
The request bodies are built before the clock starts, so the client's own JSON
work does not count against the server (the clients still share the machine).
"""
import argparse
import http.client
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

TOOLS = ["search.docs", "files.read", "sql.query", "tickets.get", "tickets.update", "notify.email"]


def make_bodies(client, count, batch, random_ids=False):
    bodies = []
    rng = random.Random(client)
    for n in range(count):
        lines = []
        for i in range(batch):
            tool = TOOLS[(n * 7 + i) % len(TOOLS)]
            lines.append(json.dumps({
                # Sessions of 20 calls, each by one agent (50 agents in all).
                "agent": f"bench-{(client * 31 + i // 20) % 50}",
                "tool": tool,
                "session": f"s-{client}-{n}-{i // 20}",
                # Random ids (Claude Code's `toolu_…`, OpenTelemetry span ids) land at random
                # places in the UNIQUE (agent, call_id) index; counted ones near its end.
                # The round marker is a suffix, so later rounds' ids stay random too.
                "call_id": f"{rng.getrandbits(64):016x}-r000000" if random_ids else f"c{client}-{n}-{i}",
                "args": {"query": "SELECT id FROM invoices WHERE customer_id = ?", "limit": 50 + i % 7},
                "status": "ok",
                "cost_usd": 0.0021,
                "tokens_in": 1234,
                "tokens_out": 87,
                "latency_ms": 34,
            }, separators=(",", ":")))
        bodies.append(("\n".join(lines) + "\n").encode())
    return bodies


def fleet_bodies(path, clients, count, batch):
    """Consecutive `batch`-line chunks of an NDJSON fleet file, dealt round-robin to the clients."""
    bodies = [[] for _ in range(clients)]
    with open(path, "rb") as f:
        for n in range(clients * count):
            lines = [f.readline() for _ in range(batch)]
            if not lines[-1]:
                sys.exit(f"{path} has fewer than {clients * count * batch} lines")
            bodies[n % clients].append(b"".join(lines))
    return bodies


def client_loop(host, port, bodies, deadline, token, results, errors, random_ids):
    conn = http.client.HTTPConnection(host, port, timeout=120)
    headers = {"Content-Type": "application/x-ndjson"}
    if token:
        headers["Authorization"] = "Bearer " + token
    latencies, accepted, i = [], 0, 0
    while time.monotonic() < deadline:
        # Each client cycles through its bodies; a repeated call_id would be a duplicate
        # (not stored again), and a session seeing the same call again every round is a
        # loop (after 20 rounds every session raises loop.repeat, and the run measures an
        # alert storm), so every round gets fresh call and session ids (bytes.replace).
        body = bodies[i % len(bodies)]
        if i >= len(bodies):
            prefix = b'r%d-' % (i // len(bodies))
            if random_ids:
                body = body.replace(b'-r000000"', b'-r%06d"' % (i // len(bodies)))
            else:
                body = body.replace(b'"call_id":"', b'"call_id":"' + prefix)
            body = body.replace(b'"session":"', b'"session":"' + prefix)
        i += 1
        start = time.monotonic()
        try:
            conn.request("POST", "/v1/events", body=body, headers=headers)
            response = conn.getresponse()
            payload = response.read()
        except (OSError, http.client.HTTPException) as error:
            errors.append(str(error))
            conn.close()
            conn = http.client.HTTPConnection(host, port, timeout=120)
            continue
        latencies.append(time.monotonic() - start)
        if response.status == 202:
            accepted += json.loads(payload)["accepted"]
        else:
            errors.append(f"HTTP {response.status}: {payload[:200]!r}")
    conn.close()
    results.append((accepted, latencies))


def percentile(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def start_server(binary, workdir):
    db = os.path.join(workdir, "bench.db")
    stderr = open(os.path.join(workdir, "serve.stderr"), "w+")
    process = subprocess.Popen([binary, "serve", "--listen", "127.0.0.1:0", "--db", db],
                               cwd=workdir, stderr=stderr, stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        stderr.seek(0)
        match = re.search(r"serving on http://127\.0\.0\.1:(\d+)", stderr.read())
        if match:
            return process, int(match.group(1)), db
        if process.poll() is not None:
            stderr.seek(0)
            sys.exit("serve exited: " + stderr.read())
        time.sleep(0.05)
    process.kill()
    sys.exit("serve did not start")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="a running server, e.g. http://127.0.0.1:8080 (default: start one)")
    parser.add_argument("--binary", default=".build/release/driftwatch")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--batch", type=int, default=1000, help="events per request")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--token", help="ingest token, if the server requires one")
    parser.add_argument("--random-call-ids", action="store_true",
                        help="random call ids (as Claude Code and OpenTelemetry send) instead of counted ones")
    parser.add_argument("--fleet", help="send this NDJSON file's lines (e.g. DriftwatchBench generate, 1,000 agents) "
                                        "instead of the built-in 50-agent events")
    args = parser.parse_args()

    process = workdir = db = None
    if args.url:
        match = re.match(r"http://([^:/]+):(\d+)", args.url)
        host, port = match.group(1), int(match.group(2))
    else:
        workdir = tempfile.mkdtemp(prefix="driftwatch-bench-")
        process, port, db = start_server(os.path.abspath(args.binary), workdir)
        host = "127.0.0.1"

    print(f"preparing {args.clients} clients x batches of {args.batch} events ...", file=sys.stderr)
    if args.fleet:
        bodies = fleet_bodies(args.fleet, args.clients, 20, args.batch)
    else:
        bodies = [make_bodies(c, 20, args.batch, args.random_call_ids) for c in range(args.clients)]

    results, errors, threads = [], [], []
    start = time.monotonic()
    deadline = start + args.seconds
    for c in range(args.clients):
        t = threading.Thread(target=client_loop, args=(host, port, bodies[c], deadline, args.token, results, errors,
                                                       args.random_call_ids))
        t.start()
        threads.append(t)
    for t in threads:
        t.join()
    elapsed = time.monotonic() - start

    accepted = sum(r[0] for r in results)
    latencies = [l for r in results for l in r[1]]
    print(f"clients={args.clients} batch={args.batch} seconds={elapsed:.1f}")
    print(f"requests={len(latencies)} events_acknowledged={accepted} errors={len(errors)}")
    print(f"events/s persisted: {accepted / elapsed:,.0f}")
    print(f"request latency p50={percentile(latencies, 50) * 1000:.1f} ms  p99={percentile(latencies, 99) * 1000:.1f} ms")
    if errors:
        print("first errors:", errors[:3])
    if process:
        process.terminate()
        process.wait(timeout=60)
        if db:
            try:
                import sqlite3
                stored = sqlite3.connect(db).execute("SELECT count(*) FROM events").fetchone()[0]
                print(f"rows in store after shutdown: {stored}")
            except Exception as error:  # sqlite3 module missing is not fatal
                print("could not count rows:", error)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
