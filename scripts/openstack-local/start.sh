#!/usr/bin/env bash
# Starts Keystone on 127.0.0.1:5000, Glance on :9292 and nova-api on :8774 (gunicorn) in the background;
# waits until both answer. stop.sh ends them.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
STATE=${STATE:-$here/.state}
VENV=${VENV:-$STATE/venv}
export OS_KEYSTONE_CONFIG_FILES="$STATE/keystone/keystone.conf"
# Keystone's WSGI module parses sys.argv with oslo.config; under gunicorn that is gunicorn's own
# command line, so a two-line shim hands it a clean argv.
printf 'import sys\nsys.argv = sys.argv[:1]\nfrom keystone.wsgi.api import application  # noqa\n' > "$STATE/keystone_app.py"
"$VENV/bin/gunicorn" --daemon --chdir "$STATE" --bind 127.0.0.1:5000 --workers 1 --threads 4 \
  --pid "$STATE/keystone.pid" --error-logfile "$STATE/logs/keystone-gunicorn.log" keystone_app:application
# Glance runs under a WSGI server too; it reads $OS_GLANCE_CONFIG_DIR/glance-api.conf.
cp -n "$VENV/etc/glance/glance-api-paste.ini" "$STATE/glance/" 2>/dev/null || true
OS_GLANCE_CONFIG_DIR="$STATE/glance" "$VENV/bin/gunicorn" --daemon --bind 127.0.0.1:9292 --workers 1 --threads 4 \
  --pid "$STATE/glance.pid" --error-logfile "$STATE/logs/glance-gunicorn.log" glance.wsgi.api:application
printf 'import sys\nsys.argv = sys.argv[:1]\nfrom nova.wsgi.osapi_compute import application  # noqa\n' > "$STATE/nova_app.py"
OS_NOVA_CONFIG_DIR="$STATE/nova" "$VENV/bin/gunicorn" --daemon --chdir "$STATE" --bind 127.0.0.1:8774 --workers 1 --threads 4 \
  --pid "$STATE/nova.pid" --error-logfile "$STATE/logs/nova-gunicorn.log" nova_app:application
for url in http://127.0.0.1:5000/v3 http://127.0.0.1:9292/versions http://127.0.0.1:8774/; do
  for _ in $(seq 60); do
    if curl -s -o /dev/null "$url"; then break; fi
    sleep 1
  done
  curl -s -o /dev/null "$url" || { echo "$url does not answer; see $STATE/logs" >&2; exit 1; }
done
echo "keystone: http://127.0.0.1:5000/v3  glance: http://127.0.0.1:9292  nova: http://127.0.0.1:8774"
