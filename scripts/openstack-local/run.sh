#!/usr/bin/env bash
# Real OpenStack on loopback: Keystone, Glance and nova-api from PyPI (sqlite, file store), a
# seeded catalogue, and the image-v2 and compute-v2 suites against it with a second identity. Takes a few minutes the
# first time (the virtualenv); not part of `cargo test`.
#   scripts/openstack-local/run.sh [extra imgconform run arguments]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export STATE=${STATE:-$here/.state}
root=$(cd "$here/../.." && pwd)
"$here/setup.sh"
"$here/stop.sh"
"$here/start.sh"
trap '"$here/stop.sh"' EXIT
"$here/seed.sh"
cargo build --quiet --manifest-path "$root/Cargo.toml"
OS_CLIENT_CONFIG_FILE="$STATE/clouds.yaml" "$root/target/debug/imgconform" run \
  --cloud local --other-cloud local-alt --profile compute-v2,image-v2 \
  --junit "$STATE/report.xml" --json "$STATE/results.json" "$@"
