#!/usr/bin/env bash
# Installs Keystone and Glance from PyPI into a virtualenv and configures them for loopback:
# sqlite databases, fernet tokens, Glance's file store. Idempotent; state lives in $STATE.
#   scripts/openstack-local/setup.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
STATE=${STATE:-$here/.state}
VENV=${VENV:-$STATE/venv}
mkdir -p "$STATE"/{keystone,glance/images,logs}

if [ ! -x "$VENV/bin/gunicorn" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q keystone glance nova gunicorn
fi

cat > "$STATE/keystone/keystone.conf" <<CONF
[DEFAULT]
log_file = $STATE/logs/keystone.log
[database]
connection = sqlite:///$STATE/keystone/keystone.db
[token]
provider = fernet
[fernet_tokens]
key_repository = $STATE/keystone/fernet-keys
[credential]
key_repository = $STATE/keystone/credential-keys
CONF

export OS_KEYSTONE_CONFIG_FILES="$STATE/keystone/keystone.conf"
K="$VENV/bin/keystone-manage --config-file $STATE/keystone/keystone.conf"
$K db_sync
mkdir -p "$STATE/keystone/fernet-keys" "$STATE/keystone/credential-keys"
$K fernet_setup --keystone-user "$(id -un)" --keystone-group "$(id -gn)"
$K credential_setup --keystone-user "$(id -un)" --keystone-group "$(id -gn)"
$K bootstrap --bootstrap-password admin-secret \
  --bootstrap-admin-url http://127.0.0.1:5000/v3/ \
  --bootstrap-internal-url http://127.0.0.1:5000/v3/ \
  --bootstrap-public-url http://127.0.0.1:5000/v3/ \
  --bootstrap-region-id RegionOne

cat > "$STATE/glance/glance-api.conf" <<CONF
[DEFAULT]
log_file = $STATE/logs/glance.log
bind_host = 127.0.0.1
bind_port = 9292
enabled_backends = file:file
[database]
connection = sqlite:///$STATE/glance/glance.db
[glance_store]
default_backend = file
[file]
filesystem_store_datadir = $STATE/glance/images
[os_glance_staging_store]
filesystem_store_datadir = $STATE/glance/staging
[os_glance_tasks_store]
filesystem_store_datadir = $STATE/glance/tasks
[paste_deploy]
flavor = keystone
config_file = $STATE/glance/glance-api-paste.ini
[keystone_authtoken]
www_authenticate_uri = http://127.0.0.1:5000
auth_url = http://127.0.0.1:5000
auth_type = password
project_domain_name = Default
user_domain_name = Default
project_name = admin
username = admin
password = admin-secret
[oslo_policy]
enforce_new_defaults = true
enforce_scope = true
CONF
mkdir -p "$STATE/glance/staging" "$STATE/glance/tasks"
"$VENV/bin/glance-manage" --config-file "$STATE/glance/glance-api.conf" db_sync
# nova-api alone (no conductor, scheduler or message queue): enough for its image proxy.
mkdir -p "$STATE/nova/locks"
cp -n "$VENV/etc/nova/api-paste.ini" "$STATE/nova/" 2>/dev/null || true
cat > "$STATE/nova/nova.conf" <<CONF
[DEFAULT]
transport_url = fake://
log_file = $STATE/logs/nova.log
[api]
auth_strategy = keystone
[api_database]
connection = sqlite:///$STATE/nova/nova_api.db
[database]
connection = sqlite:///$STATE/nova/nova.db
[keystone_authtoken]
www_authenticate_uri = http://127.0.0.1:5000
auth_url = http://127.0.0.1:5000
auth_type = password
project_domain_name = Default
user_domain_name = Default
project_name = admin
username = admin
password = admin-secret
[glance]
endpoint_override = http://127.0.0.1:9292
[oslo_concurrency]
lock_path = $STATE/nova/locks
[oslo_policy]
enforce_new_defaults = true
enforce_scope = true
CONF
N="$VENV/bin/nova-manage --config-file $STATE/nova/nova.conf"
$N api_db sync
$N cell_v2 map_cell0 --database_connection "sqlite:///$STATE/nova/nova_cell0.db" || true
$N db sync
echo "setup done: $STATE"
