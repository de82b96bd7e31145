#!/usr/bin/env bash
# Benchmark: wall time and peak memory of `imgconform run` against the embedded mock.
#
#   scripts/bench.sh [RUNS]
#
# Builds the release binary, then runs the whole suite RUNS times (default 10) with the default
# catalogue (40 images), a large one (2000 images), and a mock that waits 50 ms before every
# answer (a far-away cloud: the suite must not take cases × 50 ms). Prints min/median/max wall
# time and the peak RSS for each. Results are recorded in docs/benchmarks.md by hand.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-10}
cargo build --release --quiet
bin=target/release/imgconform

measure() {
  local label=$1; shift
  local times=() rss=0
  for _ in $(seq "$runs"); do
    local out tf
    tf=$(mktemp)
    /usr/bin/time -o "$tf" -f '%e %M' "$bin" run -q "$@" >/dev/null 2>&1
    out=$(tail -n 1 "$tf")
    rm -f "$tf"
    times+=("${out% *}")
    local r=${out#* }
    if (( r > rss )); then rss=$r; fi
  done
  local sorted
  sorted=$(printf '%s\n' "${times[@]}" | sort -n)
  local min max med
  min=$(echo "$sorted" | head -n 1)
  max=$(echo "$sorted" | tail -n 1)
  med=$(echo "$sorted" | sed -n "$(( (runs + 1) / 2 ))p")
  printf '%-44s wall min %ss  median %ss  max %ss   peak RSS %s MiB\n' "$label" "$min" "$med" "$max" "$((rss / 1024))"
}

cases=$("$bin" run --list -q | grep -c ': test$')
echo "imgconform $("$bin" --version | cut -d' ' -f2), $cases cases, $runs runs each, $(nproc) cores"
measure "mock, 40 images" --mock-images 40
measure "mock, 2000 images" --mock-images 2000
measure "mock, 40 images, 50 ms per answer" --mock-latency-ms 50
measure "mock, 40 images, 50 ms, --test-threads 1" --mock-latency-ms 50 --test-threads 1
