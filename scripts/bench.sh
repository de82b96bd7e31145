#!/usr/bin/env bash
# Benchmark: what the whole suite costs as the catalogue grows, how close it runs to its critical
# path when every answer is slow, and how fast the mock serves a page at 100 000 images.
#
#   scripts/bench.sh              # all of it (a few minutes on 2 cores)
#   SIZES="40 2000" scripts/bench.sh   # fewer catalogue sizes
#
# The mock runs as its own process (`imgconform mock`), the suite against it through the mock's
# Keystone with a second identity (clouds `mock` and `mock-alt`), so the runner's own peak RSS is
# measured apart from the mock's. Prints markdown tables; docs/benchmarks.md records them by hand.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=${SIZES:-"40 2000 100000"}
port=${PORT:-18380}
cargo build --release --quiet
bin=$PWD/target/release/imgconform
work=$(mktemp -d)
mock_pid=
cleanup() { [ -n "$mock_pid" ] && kill "$mock_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

cat >"$work/clouds.yaml" <<YAML
clouds:
  mock:
    auth: {auth_url: "http://127.0.0.1:$port/identity", username: demo, password: demo-password, project_name: demo}
  mock-alt:
    auth: {auth_url: "http://127.0.0.1:$port/identity", username: alt, password: alt-password, project_name: alt}
YAML
export OS_CLIENT_CONFIG_FILE=$work/clouds.yaml

# Starts the mock with the given arguments; sets mock_pid and mock_start (seconds until it answers).
start_mock() {
  local t0 t1
  t0=$(date +%s.%N)
  "$bin" mock --listen "127.0.0.1:$port" "$@" >"$work/mock.log" 2>&1 &
  mock_pid=$!
  for _ in $(seq 600); do
    if curl -s -o /dev/null "http://127.0.0.1:$port/identity/v3"; then break; fi
    sleep 0.1
  done
  t1=$(date +%s.%N)
  mock_start=$(printf "%.2f" "$(echo "$t1 - $t0" | bc)")
}
stop_mock() {
  mock_rss=$(awk '/VmHWM/ {print int($2 / 1024)}' "/proc/$mock_pid/status")
  kill "$mock_pid"; wait "$mock_pid" 2>/dev/null || true; mock_pid=
}
# Runs the suite against the mock; sets wall, rss (MiB), code, requests, counts.
run_suite() {
  local tf=$work/time
  set +e
  /usr/bin/time -o "$tf" -f '%e %M' "$bin" run -q --cloud mock --other-cloud mock-alt --json "$work/r.json" "$@" \
    >"$work/run.log" 2>&1
  code=$?
  set -e
  read -r wall rss_k <"$tf"
  rss=$((rss_k / 1024))
  requests=$(python3 -c "import json; print(json.load(open('$work/r.json'))['summary']['requests'])")
  counts=$(python3 -c "import json; s=json.load(open('$work/r.json'))['summary']; print(f\"{s['passed']} pass, {s['failed']} fail, {s['errors']} error, {s['warned']} warn, {s['skipped']} skip\")")
}

cases=$("$bin" run --list -q | grep -c ': test$')
echo "imgconform $("$bin" --version | cut -d' ' -f2-), $cases cases, $(nproc) cores, $(date -u +%Y-%m-%d)"
echo
echo "## Cost by catalogue size (mock as its own process, demo + alt)"
echo
echo "| images | exit | verdicts | requests | runner wall | runner peak RSS | mock start | mock peak RSS |"
echo "|---|---|---|---|---|---|---|---|"
for n in $sizes; do
  start_mock --images "$n"
  run_suite
  stop_mock
  echo "| $n | $code | $counts | $requests | ${wall} s | $rss MiB | ${mock_start} s | $mock_rss MiB |"
done

echo
echo "## Critical path: 20 ms before every answer, 40 images"
echo
echo "Times are the run's own (\`summary.duration_ms\`, after Keystone). The floor is the longer of the"
echo "critical path (the longest case run alone) and requests × 20 ms / concurrency."
echo
start_mock --images 40 --latency-ms 20
echo "| --concurrency | whole suite | requests | longest case | that case alone | floor | wall / critical path | wall / floor |"
echo "|---|---|---|---|---|---|---|---|"
for c in 8 64; do
  run_suite --concurrency "$c"
  suite_ms=$(python3 -c "import json; print(json.load(open('$work/r.json'))['summary']['duration_ms'])")
  suite_requests=$requests
  # The critical path is the longest chain of dependent requests: the case that took longest
  # in the whole run may only have waited longest for a request slot, so the candidates are
  # it and the three cases that sent the most requests, each timed alone.
  candidates=$(python3 -c "
import json
cs = json.load(open('$work/r.json'))['cases']
ids = [max(cs, key=lambda c: c['duration_ms'])['id']] + [c['id'] for c in sorted(cs, key=lambda c: -c.get('requests', 0))[:3]]
print(' '.join(dict.fromkeys(ids)))")
  longest= alone_ms=0
  for id in $candidates; do
    run_suite --concurrency "$c" --exact "$id"
    ms=$(python3 -c "import json; print(json.load(open('$work/r.json'))['summary']['duration_ms'])")
    if [ "$ms" -gt "$alone_ms" ]; then alone_ms=$ms; longest=$id; fi
  done
  python3 - "$c" "$suite_ms" "$suite_requests" "$longest" "$alone_ms" <<'PY'
import sys
c, suite, reqs, longest, alone = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
floor = max(alone, reqs * 20 / c)
print(f"| {c} | {suite} ms | {reqs} | `{longest}` | {alone} ms | {floor:.0f} ms | {suite / alone:.2f} | {suite / floor:.2f} |")
PY
done
stop_mock

echo
echo "## The mock's page latency at 100 000 images"
echo
if [ -f benches/mock_latency.rs ]; then
  cargo bench --quiet --bench mock_latency 2>/dev/null | grep -E '^(mock_|#)' || true
else
  echo "(benches/mock_latency.rs not present)"
fi
