#!/usr/bin/env bash
# Real OpenStack on loopback: Keystone, Glance and nova-api from PyPI (sqlite, file store), a
# seeded catalogue, and the image-v2 and compute-v2 suites against it with a second identity. Takes a few minutes the
# first time (the virtualenv); not part of `cargo test`.
#   scripts/openstack-local/run.sh [extra imgconform run arguments]
#   MAIN=admin OTHER=demo scripts/openstack-local/run.sh    # other identities: demo, alt, admin
# The default pair is demo (main) and alt (other). Reports go to $STATE/report-MAIN-OTHER.xml/.json.
#   PROVISION=1 scripts/openstack-local/run.sh   # run --provision; the image lists before and after must be equal
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export STATE=${STATE:-$here/.state}
root=$(cd "$here/../.." && pwd)
"$here/setup.sh"
"$here/stop.sh"
"$here/start.sh"
trap '"$here/stop.sh"' EXIT
"$here/seed.sh"
MAIN=${MAIN:-demo}
OTHER=${OTHER:-alt}
cloud() { case $1 in demo) echo local ;; alt | admin) echo "local-$1" ;; *) echo "unknown identity $1 (demo, alt, admin)" >&2; exit 2 ;; esac; }
main_cloud=$(cloud "$MAIN")
other_cloud=$(cloud "$OTHER")
cargo build --quiet --manifest-path "$root/Cargo.toml"
if [ "${PROVISION:-0}" != 1 ]; then
  echo "identities: $MAIN (main, --cloud $main_cloud), $OTHER (other, --other-cloud $other_cloud)" >&2
  start=$(date +%s%N)
  status=0
  OS_CLIENT_CONFIG_FILE="$STATE/clouds.yaml" "$root/target/debug/imgconform" run \
    --cloud "$main_cloud" --other-cloud "$other_cloud" --profile compute-v2,image-v2 \
    --junit "$STATE/report-$MAIN-$OTHER.xml" --json "$STATE/results-$MAIN-$OTHER.json" "$@" || status=$?
  ms=$((($(date +%s%N) - start) / 1000000))
  printf 'wall %d.%03d s (%s main, %s other)\n' $((ms / 1000)) $((ms % 1000)) "$MAIN" "$OTHER" >&2
  exit "$status"
fi
# PROVISION=1: the suite brings its fixtures (run --provision) and must take them all away:
# every image demo and alt can see is listed before and after, and the lists must be equal.
for u in "demo demo-secret demo" "alt alt-secret alt"; do "$here/images.sh" $u; done > "$STATE/images-before.txt"
status=0
# --concurrency 1: Glance on sqlite answers 500 "database is locked" to concurrent writes (a
# production database does not); the suite's cleanup retries such answers, provisioning does not.
OS_CLIENT_CONFIG_FILE="$STATE/clouds.yaml" "$root/target/debug/imgconform" run --provision --concurrency 1 \
  --cloud "$main_cloud" --other-cloud "$other_cloud" --profile compute-v2,image-v2 \
  --junit "$STATE/report.xml" --json "$STATE/results.json" "$@" || status=$?
for u in "demo demo-secret demo" "alt alt-secret alt"; do "$here/images.sh" $u; done > "$STATE/images-after.txt"
if ! diff "$STATE/images-before.txt" "$STATE/images-after.txt"; then
  echo "the provisioning run did not leave the catalogue as it found it (diff above)" >&2
  exit 1
fi
echo "catalogue before = after ($(wc -l < "$STATE/images-after.txt") image lines, demo and alt)"
exit $status
