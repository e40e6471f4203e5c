#!/usr/bin/env bash
# Held-out detection check: generate scenarios, learn, replay, score, aggregate.
#   bash Benchmarks/eval/run_heldout.sh [SEEDS] [OUTDIR]
# SEEDS: e.g. "1 2 3" (default 1..10); OUTDIR default /tmp/heldout/run.
# DRIFTWATCH: the binary (default: this checkout's release build); SCORE: score.py
# (default: shared/eval/score.py next to the checkout).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
SEEDS=${1:-$(seq 1 10)}
OUT=${2:-/tmp/heldout/run}
REPO=$(cd "$HERE/../.." && pwd)
DW=${DRIFTWATCH:-$REPO/.build/release/driftwatch}
SCORE=${SCORE:-$REPO/../shared/eval/score.py}
mkdir -p "$OUT"
# sanity: the public scenarios must score as documented with this binary
for p in normal hard; do
  E=$(dirname "$SCORE")/public/$p
  [ -d "$E" ] || continue
  D=$OUT/public-$p; rm -rf "$D"; mkdir -p "$D"
  zcat "$E/train.ndjson.gz" | "$DW" baseline learn - --out "$D/bl" 2>"$D/learn.err"
  zcat "$E/test.ndjson.gz" | "$DW" replay --baselines "$D/bl" - >"$D/alerts.ndjson" 2>"$D/replay.err"
  python3 "$SCORE" "$E/labels.json" "$D/alerts.ndjson" --test "$E/test.ndjson.gz" --json >"$D/score.json"
  python3 -c "import json,sys; s=json.load(open(sys.argv[1]))['summary']; print('public/$p:', s['detected'],'/',s['labelled'],'detected, false incidents',s['false_incidents'])" "$D/score.json"
done
for p in normal hard; do
  for s in $SEEDS; do
    D=$OUT/$p/$s; rm -rf "$D"; mkdir -p "$D"
    python3 "$HERE/heldout.py" gen --profile "$p" --seed "$s" --out "$D" 2>/dev/null
    zcat "$D/train.ndjson.gz" | "$DW" baseline learn - --out "$D/bl" 2>"$D/learn.err"
    zcat "$D/test.ndjson.gz" | "$DW" replay --baselines "$D/bl" - >"$D/alerts.ndjson" 2>"$D/replay.err"
    python3 "$SCORE" "$D/labels.json" "$D/alerts.ndjson" --test "$D/test.ndjson.gz" --json >"$D/score.json"
    python3 -c "import json,sys; s=json.load(open(sys.argv[1]))['summary']; print('$p seed $s:', s['detected'],'/',s['labelled'],'detected, exact',s['exact_kind'],', false incidents',s['false_incidents'],'(',s['false_incidents_per_10k_events'],'/10k )')" "$D/score.json"
  done
done
python3 "$HERE/heldout.py" aggregate "$OUT" | tee "$OUT/summary.md"
