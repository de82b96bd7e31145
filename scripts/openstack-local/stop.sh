#!/usr/bin/env bash
# Stops what start.sh started.
here=$(cd "$(dirname "$0")" && pwd)
STATE=${STATE:-$here/.state}
for p in keystone glance nova; do
  [ -f "$STATE/$p.pid" ] && kill "$(cat "$STATE/$p.pid")" 2>/dev/null
  rm -f "$STATE/$p.pid"
done
true
