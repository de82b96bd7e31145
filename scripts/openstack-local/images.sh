#!/usr/bin/env bash
# Every image USER (in PROJECT) can see — hidden or not, of every visibility and member status —
# as sorted "id name" lines: run before and after a provisioning run to show the catalogue was
# left as it was found.
#   scripts/openstack-local/images.sh USER PASSWORD PROJECT
set -euo pipefail
KS=http://127.0.0.1:5000/v3
GL=http://127.0.0.1:9292
TOKEN=$(curl -s -i -X POST "$KS/auth/tokens" -H 'Content-Type: application/json' -d "{\"auth\": {\"identity\": {\"methods\": [\"password\"],
  \"password\": {\"user\": {\"name\": \"$1\", \"domain\": {\"id\": \"default\"}, \"password\": \"$2\"}}},
  \"scope\": {\"project\": {\"name\": \"$3\", \"domain\": {\"id\": \"default\"}}}}}" \
  | tr -d '\r' | awk -F': ' 'tolower($1)=="x-subject-token" {print $2}')
for hidden in false true; do
  curl -s "$GL/v2/images?limit=1000&visibility=all&member_status=all&os_hidden=$hidden" -H "X-Auth-Token: $TOKEN" \
    | python3 -c "import json,sys; [print(i['id'], i.get('name')) for i in json.load(sys.stdin)['images']]"
done | sort
