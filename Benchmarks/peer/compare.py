#!/usr/bin/env python3
"""driftwatch vs the Python peer (Benchmarks/peer/peer.py), side by side in one run.

1. Builds the release products (skip with --no-build).
2. Generates a clean fleet with DriftwatchBench: --train + --events events
   (default 667,000 + 1,000,000, 1,000 agents, seed 42, as `DriftwatchBench replay`
   does), split into a training prefix and the 1M-event test file.
3. `driftwatch baseline learn` on the training prefix.
4. Replay: times `driftwatch replay --baselines DIR test.ndjson` (all detectors,
   alerts to a file), then right after `peer.py replay test.ndjson` (orjson, tool
   Counter, ADWIN + PageHinkley, SQLite in transactions of 1,000), and the peer
   without SQLite (`--no-store`, since `driftwatch replay` stores nothing).
   Two figures each: the tool's own (time in its event loop: driftwatch's summary
   line, the peer's timer around its read loop) and wall-clock of the whole process
   (start-up, baseline loading, Python imports of ~2 s included). The ratio is
   given for both; the in-loop one is the headline (it does not charge the peer
   for importing River).
5. Persisted HTTP ingest: `driftwatch serve` on a fresh store, driven by
   Benchmarks/ingest.py for --ingest-seconds; then `peer.py serve` driven by the same
   client with the same settings, once as specified (one (agent, ts) index) and once
   with --full-schema (driftwatch's three indexes and call_id idempotency). All answer
   202 only after the batch committed.

Prints every figure, the ratios and the load average next to each measurement
(the machine may be shared). Temporary files are removed unless --workdir is given.

    pip install orjson river
    python3 Benchmarks/peer/compare.py
    python3 Benchmarks/peer/compare.py --events 200000 --train 100000 --ingest-seconds 10   # quick
"""
import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
PEER = os.path.join(HERE, "peer.py")
INGEST = os.path.join(REPO, "Benchmarks", "ingest.py")

children = []


def load():
    return "load %.2f/%.2f" % os.getloadavg()[:2]


def run(cmd, **kw):
    print("$ " + " ".join(cmd), file=sys.stderr, flush=True)
    return subprocess.run(cmd, check=True, **kw)


def timed(cmd, stdout=subprocess.DEVNULL):
    """Runs cmd; returns (wall seconds, stderr text)."""
    print("$ " + " ".join(cmd), file=sys.stderr, flush=True)
    start = time.perf_counter()
    p = subprocess.run(cmd, stdout=stdout, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    if p.returncode != 0:
        sys.exit(f"failed ({p.returncode}): {' '.join(cmd)}\n{p.stderr[-2000:]}")
    return elapsed, p.stderr


def start_server(cmd, pattern, log_path):
    log = open(log_path, "w+")
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log,
                         cwd=os.path.dirname(log_path))
    children.append(p)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        log.seek(0)
        m = re.search(pattern, log.read())
        if m:
            return p, int(m.group(1))
        if p.poll() is not None:
            log.seek(0)
            sys.exit(f"server exited: {log.read()}")
        time.sleep(0.05)
    sys.exit("server did not start")


def stop_server(p):
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(timeout=60)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def ingest(port, args):
    cmd = [sys.executable, INGEST, "--url", f"http://127.0.0.1:{port}", "--clients", str(args.clients),
           "--batch", str(args.batch), "--seconds", str(args.ingest_seconds)]
    print("$ " + " ".join(cmd), file=sys.stderr, flush=True)
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    eps = float(re.search(r"events/s persisted: ([\d,]+)", out).group(1).replace(",", ""))
    p50, p99 = re.search(r"p50=([\d.]+) ms\s+p99=([\d.]+) ms", out).groups()
    errors = int(re.search(r"errors=(\d+)", out).group(1))
    return eps, float(p50), float(p99), errors


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--agents", type=int, default=1000)
    parser.add_argument("--events", type=int, default=1_000_000, help="test events replayed (default 1,000,000)")
    parser.add_argument("--train", type=int, default=667_000, help="training prefix for the baselines (default 667,000)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--clients", type=int, default=4, help="ingest.py clients (default 4)")
    parser.add_argument("--batch", type=int, default=1000, help="ingest.py events per request (default 1000)")
    parser.add_argument("--ingest-seconds", type=float, default=30, help="per server (default 30)")
    parser.add_argument("--skip-ingest", action="store_true")
    parser.add_argument("--skip-replay", action="store_true")
    parser.add_argument("--no-build", action="store_true", help="use the existing .build/release products")
    parser.add_argument("--workdir", help="keep generated files here (reused if present) instead of a temp dir")
    args = parser.parse_args()

    os.chdir(REPO)
    if not args.no_build:
        run(["swift", "build", "-c", "release", "--product", "driftwatch"])
        run(["swift", "build", "-c", "release", "--product", "DriftwatchBench"])
    bin_dir = os.path.join(REPO, ".build", "release")
    driftwatch = os.path.join(bin_dir, "driftwatch")
    bench = os.path.join(bin_dir, "DriftwatchBench")

    temporary = args.workdir is None
    work = tempfile.mkdtemp(prefix="driftwatch-peer-") if temporary else os.path.abspath(args.workdir)
    os.makedirs(work, exist_ok=True)
    results = {}
    try:
        train = os.path.join(work, "train.ndjson")
        test = os.path.join(work, "test.ndjson")
        baselines = os.path.join(work, "baselines")
        if not args.skip_replay:
            if not (os.path.exists(test) and os.path.exists(train)):
                everything = os.path.join(work, "all.ndjson")
                run([bench, "generate", "--agents", str(args.agents), "--events", str(args.train + args.events),
                     "--seed", str(args.seed), "--out", everything])
                with open(everything, "rb") as src, open(train, "wb") as t, open(test, "wb") as e:
                    for n, line in enumerate(src):
                        (t if n < args.train else e).write(line)
                os.remove(everything)
            if not os.path.isdir(baselines):
                run([driftwatch, "baseline", "learn", train, "--out", baselines], stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL)
            size_mb = os.path.getsize(test) / 1e6
            with open(test, "rb") as f:  # warm the page cache for both
                while f.read(1 << 24):
                    pass

            n_baselines = len(os.listdir(baselines))
            print(f"\nreplay: {args.events:,} events ({size_mb:.1f} MB), {args.agents} agents, seed {args.seed}, "
                  f"{n_baselines} baselines learned from the preceding {args.train:,} events", flush=True)
            before = load()
            with open(os.path.join(work, "alerts.ndjson"), "wb") as alerts:
                seconds, err = timed([driftwatch, "replay", "--baselines", baselines, test], stdout=alerts)
            events = int(re.search(r"events: (\d+)", err).group(1))
            own = re.search(r"time: (\d+) ms, (\d+) events/s", err)
            n_alerts = re.search(r"alerts: (\d+)", err).group(1)
            results["dw_replay"] = int(own.group(2))
            results["dw_replay_wall"] = events / seconds
            print(f"  driftwatch replay      {int(own.group(2)):>10,} events/s in its loop, {events / seconds:>9,.0f} "
                  f"wall ({seconds:.2f} s; {n_alerts} alerts; {before})", flush=True)

            before = load()
            peer_db = os.path.join(work, "peer-replay.db")
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(peer_db + suffix):
                    os.remove(peer_db + suffix)
            seconds, err = timed([sys.executable, PEER, "replay", "--db", peer_db, test])
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(peer_db + suffix):
                    os.remove(peer_db + suffix)
            peer_events = int(re.search(r"peer replay: ([\d,]+) events", err).group(1).replace(",", ""))
            inner = re.search(r"in ([\d.]+) s:", err)
            peer_alerts = re.search(r"([\d,]+) alerts", err).group(1)
            results["peer_replay"] = peer_events / float(inner.group(1))
            results["peer_replay_wall"] = peer_events / seconds
            print(f"  peer replay (SQLite)   {results['peer_replay']:>10,.0f} events/s in its loop, "
                  f"{peer_events / seconds:>9,.0f} wall ({seconds:.2f} s; {peer_alerts} alerts; {before})", flush=True)

            before = load()
            seconds, err = timed([sys.executable, PEER, "replay", "--no-store", test])
            inner = re.search(r"in ([\d.]+) s:", err)
            results["peer_replay_nostore"] = peer_events / float(inner.group(1))
            results["peer_replay_nostore_wall"] = peer_events / seconds
            print(f"  peer replay (no SQL)   {results['peer_replay_nostore']:>10,.0f} events/s in its loop, "
                  f"{peer_events / seconds:>9,.0f} wall ({seconds:.2f} s; {before})", flush=True)
            print(f"  ratio driftwatch / peer (in-loop figures; wall-clock in brackets): "
                  f"{results['dw_replay'] / results['peer_replay']:.1f}x "
                  f"({results['dw_replay_wall'] / results['peer_replay_wall']:.1f}x) against the peer with SQLite "
                  f"as specified (target >= 10x); {results['dw_replay'] / results['peer_replay_nostore']:.1f}x "
                  f"({results['dw_replay_wall'] / results['peer_replay_nostore_wall']:.1f}x) against the peer "
                  f"without SQLite", flush=True)

        if not args.skip_ingest:
            print(f"\npersisted HTTP ingest: Benchmarks/ingest.py, {args.clients} keep-alive clients, batches of "
                  f"{args.batch}, {args.ingest_seconds:.0f} s per server, fresh store each", flush=True)
            dwdir = os.path.join(work, "serve")
            shutil.rmtree(dwdir, ignore_errors=True)  # a fresh store every run
            os.makedirs(dwdir)
            before = load()
            p, port = start_server([driftwatch, "serve", "--listen", "127.0.0.1:0", "--db", os.path.join(dwdir, "dw.db")],
                                   r"serving on http://127\.0\.0\.1:(\d+)", os.path.join(dwdir, "serve.log"))
            eps, p50, p99, errors = ingest(port, args)
            stop_server(p)
            results["dw_ingest"] = eps
            print(f"  driftwatch serve       {eps:>10,.0f} events/s  (p50 {p50:.1f} ms, p99 {p99:.1f} ms, "
                  f"{errors} errors; {before})", flush=True)

            for name, extra in (("peer_ingest", []), ("peer_ingest_full", ["--full-schema"])):
                peerdir = os.path.join(work, name)
                shutil.rmtree(peerdir, ignore_errors=True)
                os.makedirs(peerdir)
                before = load()
                p, port = start_server([sys.executable, PEER, "serve", "--listen", "127.0.0.1:0",
                                        "--db", os.path.join(peerdir, "peer.db")] + extra,
                                       r"serving on http://127\.0\.0\.1:(\d+)", os.path.join(peerdir, "serve.log"))
                eps, p50, p99, errors = ingest(port, args)
                stop_server(p)
                results[name] = eps
                label = "peer serve --full-schema" if extra else "peer serve"
                print(f"  {label:24} {eps:>8,.0f} events/s  (p50 {p50:.1f} ms, p99 {p99:.1f} ms, "
                      f"{errors} errors; {before})", flush=True)
            print(f"  ratio driftwatch / peer: {results['dw_ingest'] / results['peer_ingest']:.1f}x against the peer "
                  f"as specified (target >= 3x); {results['dw_ingest'] / results['peer_ingest_full']:.1f}x against "
                  f"the peer with driftwatch's indexes", flush=True)
    finally:
        for p in children:
            if p.poll() is None:
                p.kill()
                p.wait()
        if temporary:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run main's cleanup
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
