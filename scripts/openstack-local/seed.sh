#!/usr/bin/env bash
# Registers Glance and Nova in Keystone's catalogue, creates projects demo and alt with a member user
# each, and seeds a varied catalogue: active and queued images, duplicate names, every
# visibility, tags, custom properties, a 0-byte image, an image shared with demo, an ova/vhdx
# image, min_disk/min_ram above 0, and a private image of project admin.
# Writes $STATE/clouds.yaml with clouds `local` (demo), `local-alt` (alt) and `local-admin` (admin,
# role admin in project admin: its lists hold every project's private images).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
STATE=${STATE:-$here/.state}
KS=http://127.0.0.1:5000/v3
GL=http://127.0.0.1:9292

json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
token() { # user password project → a project-scoped token
  curl -s -i -X POST "$KS/auth/tokens" -H 'Content-Type: application/json' -d "{\"auth\": {\"identity\": {\"methods\": [\"password\"],
    \"password\": {\"user\": {\"name\": \"$1\", \"domain\": {\"id\": \"default\"}, \"password\": \"$2\"}}},
    \"scope\": {\"project\": {\"name\": \"$3\", \"domain\": {\"id\": \"default\"}}}}}" \
    | tr -d '\r' | awk -F': ' 'tolower($1)=="x-subject-token" {print $2}'
}
ADMIN=$(token admin admin-secret admin)
api() { curl -s -X "$1" "$KS$2" -H "X-Auth-Token: $ADMIN" -H 'Content-Type: application/json' ${3:+-d "$3"}; }
id_of() { api GET "$1" | json "[x['id'] for x in d['$2'] if x['name']=='$3'][0]" 2>/dev/null || true; }

# The image service in the catalogue.
SVC=$(id_of /services services glance)
if [ -z "$SVC" ]; then
  SVC=$(api POST /services '{"service": {"type": "image", "name": "glance"}}' | json "d['service']['id']")
  for iface in public internal admin; do
    api POST /endpoints "{\"endpoint\": {\"service_id\": \"$SVC\", \"interface\": \"$iface\", \"region_id\": \"RegionOne\", \"url\": \"$GL\"}}" >/dev/null
  done
fi
NOVA=$(id_of /services services nova)
if [ -z "$NOVA" ]; then
  NOVA=$(api POST /services '{"service": {"type": "compute", "name": "nova"}}' | json "d['service']['id']")
  for iface in public internal admin; do
    api POST /endpoints "{\"endpoint\": {\"service_id\": \"$NOVA\", \"interface\": \"$iface\", \"region_id\": \"RegionOne\", \"url\": \"http://127.0.0.1:8774/v2.1\"}}" >/dev/null
  done
fi
MEMBER=$(id_of /roles roles member)
for p in demo alt; do
  PID=$(id_of /projects projects $p)
  [ -n "$PID" ] || PID=$(api POST /projects "{\"project\": {\"name\": \"$p\", \"domain_id\": \"default\"}}" | json "d['project']['id']")
  UID_=$(id_of /users users $p)
  [ -n "$UID_" ] || UID_=$(api POST /users "{\"user\": {\"name\": \"$p\", \"domain_id\": \"default\", \"password\": \"$p-secret\"}}" | json "d['user']['id']")
  api PUT "/projects/$PID/users/$UID_/roles/$MEMBER" >/dev/null
done

DEMO=$(token demo demo-secret demo)
ALT=$(token alt alt-secret alt)
ADMIN_IN_ADMIN=$ADMIN
image() { # token name visibility size(-1: queued) tags-json extra-json (may set the formats)
  local formats='"disk_format": "raw", "container_format": "bare", '
  case $6 in *container_format*) formats='' ;; esac
  local body="{\"name\": \"$2\", $formats\"visibility\": \"$3\", \"tags\": $5 $6}"
  local id
  id=$(curl -s -X POST "$GL/v2/images" -H "X-Auth-Token: $1" -H 'Content-Type: application/json' -d "$body" | json "d['id']")
  if [ "$4" -ge 0 ]; then
    head -c "$4" /dev/zero | curl -s -X PUT "$GL/v2/images/$id/file" -H "X-Auth-Token: $1" \
      -H 'Content-Type: application/octet-stream' --data-binary @- >/dev/null
  fi
  echo "$id"
}
if [ "$(curl -s "$GL/v2/images?limit=1" -H "X-Auth-Token: $DEMO" | json "len(d['images'])")" = "0" ]; then
  for i in 1 2 3; do image "$DEMO" ubuntu-22.04 private $((1000 * i)) '["lts", "base"]' ', "os_distro": "ubuntu"' >/dev/null; done
  image "$DEMO" Fedora-40 private 4096 '["gold"]' ', "os_distro": "fedora"' >/dev/null
  image "$DEMO" fedora-40 private 5000 '[]' ', "os_distro": "fedora"' >/dev/null
  image "$DEMO" cirros private 2048 '["gold"]' '' >/dev/null
  image "$DEMO" cirros-0.6.2 community 3072 '[]' '' >/dev/null
  image "$DEMO" demo-empty private 0 '[]' '' >/dev/null
  image "$DEMO" demo-queued private -1 '[]' '' >/dev/null
  image "$DEMO" demo-queued-2 private -1 '["gold"]' '' >/dev/null
  for i in $(seq 1 12); do image "$DEMO" "image-$i" private $((700 * i + 13)) '[]' ", \"os_version\": \"$i\"" >/dev/null; done
  # A snapshot and a backup of a server (compute `type` and `server` filters).
  image "$DEMO" demo-snapshot private 6000 '[]' ', "image_type": "snapshot", "instance_uuid": "6f1c2a9e-3b4d-4e5f-8a7b-1c2d3e4f5a6b"' >/dev/null
  image "$DEMO" demo-backup private 6100 '[]' ', "image_type": "backup", "instance_uuid": "6f1c2a9e-3b4d-4e5f-8a7b-1c2d3e4f5a6b"' >/dev/null
  for i in 1 2 3; do image "$ADMIN_IN_ADMIN" "public-$i" public $((9000 + i)) '["gold"]' '' >/dev/null; done
  SHARED=$(image "$ALT" alt-shared-to-demo shared 7777 '[]' '')
  DEMO_PID=$(id_of /projects projects demo)
  curl -s -X POST "$GL/v2/images/$SHARED/members" -H "X-Auth-Token: $ALT" -H 'Content-Type: application/json' \
    -d "{\"member\": \"$DEMO_PID\"}" >/dev/null
  curl -s -X PUT "$GL/v2/images/$SHARED/members/$DEMO_PID" -H "X-Auth-Token: $DEMO" -H 'Content-Type: application/json' \
    -d '{"status": "accepted"}' >/dev/null
  image "$ALT" alt-private private 1234 '[]' '' >/dev/null
fi
# Added later (a catalogue seeded before gets them on the next run): another container and disk
# format, min_disk and min_ram above 0 (the image-v2 filters on them SKIP without such an image),
# and a private image of project admin (the cross-project cases with admin as the main identity).
if [ "$(curl -s "$GL/v2/images?name=demo-ova" -H "X-Auth-Token: $DEMO" | json "len(d['images'])")" = "0" ]; then
  image "$DEMO" demo-ova private 2500 '[]' ', "disk_format": "vhdx", "container_format": "ova", "min_disk": 10, "min_ram": 1024' >/dev/null
  image "$DEMO" demo-large-flavour private 2600 '[]' ', "min_disk": 20, "min_ram": 2048' >/dev/null
  image "$ADMIN_IN_ADMIN" admin-private private 4321 '[]' '' >/dev/null
fi

cat > "$STATE/clouds.yaml" <<YAML
clouds:
  local:
    auth:
      auth_url: $KS
      username: demo
      password: demo-secret
      project_name: demo
      user_domain_name: Default
      project_domain_name: Default
    region_name: RegionOne
  local-alt:
    auth:
      auth_url: $KS
      username: alt
      password: alt-secret
      project_name: alt
      user_domain_name: Default
      project_domain_name: Default
    region_name: RegionOne
  local-admin:
    auth:
      auth_url: $KS
      username: admin
      password: admin-secret
      project_name: admin
      user_domain_name: Default
      project_domain_name: Default
    region_name: RegionOne
YAML
echo "seeded; clouds.yaml: $STATE/clouds.yaml"
