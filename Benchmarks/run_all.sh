#!/usr/bin/env bash
# Runs every benchmark of Benchmarks/README.md once, in order, on this machine, and
# writes what each printed (plus the load average before each) to one log:
#
#   bash Benchmarks/run_all.sh [LOG]        # default: benchmarks-YYYYMMDD-HHMM.log
#
# About 20 minutes on 2 cores. Needs: a Swift toolchain, libsqlite3-dev, python3, and
# `pip install orjson river` for the peer comparison. Not included (they take longer or
# need root): fuzzing (Benchmarks/fuzz/run.sh), fault injection (Benchmarks/faults/*.py)
# and the 5-minute soak (Benchmarks/load/soak.py).
set -euo pipefail
cd "$(dirname "$0")/.."
log=${1:-benchmarks-$(date +%Y%m%d-%H%M).log}

step() {
    { echo; echo "## $1"; echo "\$ ${*:2}"; echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"; } | tee -a "$log"
    "${@:2}" 2>&1 | tee -a "$log"
}

{ echo "# driftwatch benchmarks, $(date -u +%Y-%m-%dT%H:%MZ)"; echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"; echo "commit: $(git rev-parse --short HEAD)"; swift --version 2>&1 | head -1; } | tee "$log"
swift build -c release --product driftwatch 2>&1 | tail -1
swift build -c release --product DriftwatchBench 2>&1 | tail -1
bench=.build/release/DriftwatchBench

step "Replay throughput (1M events, 1,000 agents, all detectors, one thread)" \
    "$bench" replay --events 1000000 --agents 1000
step "Persistence alone (stored-record building, then append + commit)" \
    "$bench" store --events 500000 --agents 1000
step "Persistence alone, random call ids (as Claude Code's toolu_… and span ids are)" \
    "$bench" store --events 500000 --agents 1000 --random-call-ids
step "Persisted HTTP ingest (4 keep-alive clients, NDJSON batches of 1,000)" \
    python3 Benchmarks/ingest.py --clients 4 --seconds 20
fleet=$(mktemp /tmp/driftwatch-fleet-XXXXXX.ndjson)
"$bench" generate --agents 1000 --events 200000 --seed 7 --out "$fleet" 2>/dev/null
step "Persisted HTTP ingest, 8 keep-alive clients (more requests in flight for the two ingest stages to overlap)" \
    python3 Benchmarks/ingest.py --clients 8 --seconds 20
step "Persisted HTTP ingest of a 1,000-agent fleet (4 clients)" \
    python3 Benchmarks/ingest.py --clients 4 --seconds 20 --fleet "$fleet"
rm -f "$fleet"
step "Ingest-to-webhook latency under 10,000 events/s" \
    python3 Benchmarks/webhook_latency.py --rate 10000 --openings 100
step "Dashboard render time (1M events, 100k alerts in the store)" \
    "$bench" dashboard --events 1000000 --agents 1000
step "Memory, 10,000 agents" \
    "$bench" memory --agents 10000 --events 1000000
step "Memory, 100,000 agents" \
    "$bench" memory --agents 100000 --events 2000000
step "driftwatch vs the Python peer, one run" \
    python3 Benchmarks/peer/compare.py --no-build
echo | tee -a "$log"
echo "log: $log"
