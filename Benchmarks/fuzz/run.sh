#!/usr/bin/env bash
# Builds a libFuzzer binary for one target and runs it.
# usage: Benchmarks/fuzz/run.sh decoder|config|http|gzip [seconds]
# Seeds live in Benchmarks/fuzz/corpus-<target> (read only); the grown corpus and any
# crash-* artifacts go to .build-fuzz/ (git-ignored).
set -euo pipefail
cd "$(dirname "$0")/../.."
target=${1:-decoder}; seconds=${2:-60}; extra=()
out=.build-fuzz; mkdir -p "$out/corpus-$target" "Benchmarks/fuzz/corpus-$target"
case "$target" in
  decoder) harness=Benchmarks/fuzz/DecoderFuzz.swift; module=DriftwatchCore ;;
  config) harness=Benchmarks/fuzz/ConfigFuzz.swift; module=DriftwatchCore ;;
  http) harness=Benchmarks/fuzz/HTTPParserFuzz.swift; module=DriftwatchHTTP ;;
  # Differential against the system zlib (zlib1g-dev), which only the harness links.
  gzip) harness=Benchmarks/fuzz/GzipFuzz.swift; module=DriftwatchHTTP; extra=(-I Benchmarks/fuzz/zlib-oracle) ;;
  *) echo "unknown target $target" >&2; exit 64 ;;
esac
# The module under test, instrumented the same way as the harness.
swiftc -O -sanitize=fuzzer,address -parse-as-library -module-name "$module" \
  $(find "Sources/$module" -name '*.swift') -emit-library -static -o "$out/lib$module.a" \
  -emit-module -emit-module-path "$out/$module.swiftmodule" 2>&1 | grep -v warning || true
swiftc -O -sanitize=fuzzer,address -parse-as-library -I "$out" "${extra[@]}" "$harness" "$out/lib$module.a" -o "$out/fuzz-$target"
SWIFT_BACKTRACE=enable=no "$out/fuzz-$target" -max_total_time="$seconds" -max_len=4096 -rss_limit_mb=2048 -timeout=10 \
  -artifact_prefix="$out/$target-" -print_final_stats=1 "$out/corpus-$target" "Benchmarks/fuzz/corpus-$target"
