#!/usr/bin/env bash
# Builds a libFuzzer binary for one target from the DriftwatchCore sources and runs it.
# usage: Benchmarks/fuzz/run.sh decoder [seconds]   (corpus in Benchmarks/fuzz/corpus-<target>)
set -euo pipefail
cd "$(dirname "$0")/../.."
target=${1:-decoder}; seconds=${2:-60}
out=.build-fuzz; mkdir -p "$out" "Benchmarks/fuzz/corpus-$target"
case "$target" in
  decoder) harness=Benchmarks/fuzz/DecoderFuzz.swift ;;
  *) echo "unknown target $target" >&2; exit 64 ;;
esac
swiftc -O -sanitize=fuzzer,address -parse-as-library -module-name DriftwatchCore \
  $(find Sources/DriftwatchCore -name '*.swift') -emit-library -static -o "$out/libcore.a" -emit-module -emit-module-path "$out/" 2>&1 | grep -v warning || true
swiftc -O -sanitize=fuzzer,address -parse-as-library -I "$out" "$harness" "$out/libcore.a" -o "$out/fuzz-$target"
"$out/fuzz-$target" -max_total_time="$seconds" -max_len=4096 -rss_limit_mb=2048 "Benchmarks/fuzz/corpus-$target"
