#!/usr/bin/env bash
# Real OpenStack clients against the mock: the regression check of `imgconform mock` as a
# stand-in for a cloud.
#
#   scripts/real-clients.sh            # clean battery + the quirks a client notices
#   scripts/real-clients.sh --clean    # the clean battery only
#
# Builds the release binary, creates a venv (target/real-clients-venv, reused when its pins
# match) with pinned python-openstackclient/openstacksdk from PyPI, starts `imgconform mock`
# twice on loopback (a clean "truth" mock and the mock under test), writes a clouds.yaml with
# only auth_url, user, password and project, and runs a battery of openstackclient commands:
# password auth, `image list` (plain, --long, --limit, --marker, --sort, --status,
# --property, --hidden, --public, --shared, --member-status), `image show` by id and by name,
# `image save` with md5 and sha512 verified, `image member list`. Each answer is compared with
# what the clean mock's API says. Then, for every quirk a client can notice, the commands that
# should notice it run against a mock with that quirk, and must fail.
#
# If `go` is installed, a tiny gophercloud lister (module github.com/gophercloud/gophercloud/v2,
# from the Go module proxy) walks the image list with limit=7 too; otherwise the table says
# "gophercloud: skipped (no go)".
#
# Every command has a timeout (60 s, 30 s under a quirk that may loop). Prints a table
# (command, mock result) and exits non-zero if a clean command fails or a quirk goes unnoticed.
# Needs: cargo, python3 (>= 3.10) with venv, network access to PyPI (and to the Go proxy if go
# is installed).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
mode=${1:-all}

# Everything a fresh `pip install python-openstackclient==10.5.0 openstacksdk==4.22.0` resolved
# to on CPython 3.11 (2026-12-02): pinned, so that the result is reproducible.
pins=(
  autopage==0.6.0 certifi==2026.10.19.post1 cffi==2.1.1 charset-normalizer==3.5.3 cliff==4.17.0
  cmd2==4.3.1 cryptography==50.0.2 debtcollector==3.1.0 decorator==5.3.1 dogpile.cache==1.5.0
  idna==3.20 iso8601==2.1.0 jmespath==1.1.0 jsonpatch==1.48 jsonpointer==3.12 keystoneauth1==5.18.1
  markdown-it-py==4.3.0 mdurl==0.1.2 msgpack==1.2.4 netaddr==1.3.0 openstacksdk==4.22.0
  os-service-types==1.9.0 osc-lib==4.7.0 oslo.config==10.7.0 oslo.context==6.5.0 oslo.i18n==6.9.0
  oslo.log==8.3.2 oslo.serialization==5.11.0 oslo.utils==10.2.0 packaging==26.4 pbr==7.1.3
  platformdirs==4.14.9 prettytable==3.19.0 prompt_toolkit==3.0.53 psutil==7.2.2 pycparser==3.12
  Pygments==2.21.0 pyparsing==3.3.3 pyperclip==1.11.0 python-dateutil==4.0.0
  python-keystoneclient==6.0.0 python-manilaclient==6.3.0 python-openstackclient==10.5.0
  PyYAML==6.0.4 requests==2.34.2 rfc3986==2.0.0 rich==15.0.0 rich-argparse==1.8.0 stevedore==5.10.0
  typing_extensions==4.16.0 tzdata==2026.6 urllib3==2.8.0 wcwidth==0.9.4 wrapt==2.5.2
)
gophercloud_version=v2.14.0

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

echo "building imgconform (release) ..." >&2
cargo build --release --quiet
bin=$root/target/release/imgconform

venv=${REAL_CLIENTS_VENV:-$root/target/real-clients-venv}
if [[ ! -x $venv/bin/openstack ]] || [[ "$(cat "$venv/.pins" 2>/dev/null)" != "${pins[*]}" ]]; then
  echo "creating $venv (python-openstackclient 10.5.0, openstacksdk 4.22.0) ..." >&2
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "${pins[@]}"
  echo "${pins[*]}" > "$venv/.pins"
fi

# Starts `imgconform mock` on a free loopback port; sets mock_url (its base URL) and mock_pid.
start_mock() {
  local log=$work/mock-${#pids[@]}.log
  "$bin" mock --listen 127.0.0.1:0 "$@" > "$log" 2>&1 &
  mock_pid=$!
  pids+=("$mock_pid")
  for _ in $(seq 100); do
    mock_url=$(sed -n 's#^  keystone: *\(http://[^/]*\)/identity.*#\1#p' "$log")
    if [[ -n $mock_url ]]; then return 0; fi
    sleep 0.1
  done
  echo "the mock did not start: $(cat "$log")" >&2
  return 1
}

start_mock
truth=$mock_url

gophercloud_result="skipped (no go)"
if command -v go > /dev/null; then
  gophercloud_result=$(
    set +e
    dir=$work/gophercloud
    mkdir -p "$dir"
    cat > "$dir/main.go" <<'GO'
// Lists every image through gophercloud (clouds.yaml, Keystone, catalogue, paging by 7).
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/gophercloud/gophercloud/v2/openstack/config"
	"github.com/gophercloud/gophercloud/v2/openstack/config/clouds"
	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/images"
)

func main() {
	ctx := context.Background()
	ao, eo, tlsConfig, err := clouds.Parse(clouds.WithCloudName("mock"))
	if err == nil {
		var pc, err2 = config.NewProviderClient(ctx, ao, config.WithTLSConfig(tlsConfig))
		if err = err2; err == nil {
			client, err3 := openstack.NewImageV2(ctx, pc, eo)
			if err = err3; err == nil {
				pages, err4 := images.List(client, images.ListOpts{Limit: 7}).AllPages(ctx)
				if err = err4; err == nil {
					all, err5 := images.ExtractImages(pages)
					if err = err5; err == nil {
						for _, i := range all {
							fmt.Println(i.ID)
						}
						return
					}
				}
			}
		}
	}
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
GO
    cd "$dir" && go mod init imgconform/lister > /dev/null 2>&1 \
      && go get "github.com/gophercloud/gophercloud/v2@$gophercloud_version" > /dev/null 2>&1 \
      && go build -o lister . > /dev/null 2>&1 || { echo "FAIL: could not build the lister"; exit 0; }
    printf 'clouds:\n  mock:\n    auth:\n      auth_url: %s/identity\n      username: demo\n      password: demo-password\n      project_name: demo\n' "$truth" > clouds.yaml
    ids=$(timeout 60 ./lister 2> err.txt | sort)
    want=$(python3 - "$truth" <<'PY'
import json, sys, urllib.request
base, url, ids = sys.argv[1], "/v2/images", []
while url:
    req = urllib.request.Request(base + "/image" + url, headers={"X-Auth-Token": "imgconform-mock-token"})
    page = json.load(urllib.request.urlopen(req))
    ids += [i["id"] for i in page["images"]]
    url = page.get("next")
print("\n".join(sorted(ids)))
PY
)
    if [[ -n $ids && $ids == "$want" ]]; then
      echo "PASS ($(echo "$ids" | wc -l) images in pages of 7)"
    else
      echo "FAIL: $(head -c 200 err.txt)"
    fi
  )
fi

cat > "$work/battery.py" <<'PY'
"""The battery: openstackclient commands against a mock, each checked against the clean mock."""
import hashlib, json, os, subprocess, sys, tempfile, urllib.request

openstack, truth, target, timeout, selected = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5:]
TOKEN = "imgconform-mock-token"
home = tempfile.mkdtemp()
with open(os.path.join(home, "clouds.yaml"), "w") as f:
    f.write("clouds:\n  mock:\n    auth:\n"
            f"      auth_url: {target}/identity\n      username: demo\n      password: demo-password\n"
            "      project_name: demo\n")
env = dict(os.environ, OS_CLIENT_CONFIG_FILE=os.path.join(home, "clouds.yaml"), HOME=home)


def api(path):
    req = urllib.request.Request(truth + path, headers={"X-Auth-Token": TOKEN})
    return json.load(urllib.request.urlopen(req))


def walk(query=""):
    url, out = "/v2/images" + (f"?{query}" if query else ""), []
    while url:
        page = api("/image" + url)
        out += page["images"]
        url = page.get("next")
    return out


def ids(images):
    return sorted(i["id"] if "id" in i else i["ID"] for i in images)


everything = walk()
by_name = {}
for img in everything:
    by_name.setdefault(img["name"], []).append(img)
first_page = api("/image/v2/images?limit=5")["images"]
marker = everything[2]["id"]
after_marker = api(f"/image/v2/images?limit=4&marker={marker}")["images"]
small = next(i for i in everything if i["status"] == "active" and 0 < (i["size"] or 0) < 8192)
large = by_name["rocky-9"][0]
shared = next(i for i in everything if i["visibility"] == "shared")
pending = next(i for i in walk("member_status=pending") if i["name"] == "alt-shared-to-demo-pending")


def run(*args):
    p = subprocess.run([openstack, "--os-cloud", "mock", *args], capture_output=True, text=True,
                       timeout=timeout, env=env, cwd=home)
    if p.returncode != 0:
        raise AssertionError(f"exit {p.returncode}: {(p.stderr or p.stdout).strip()[-200:]}")
    return p.stdout


def rows(*args):
    return json.loads(run(*args, "-f", "json"))


def same_ids(got, want, what):
    g, w = ids(got), ids(want)
    if len(g) != len(set(g)):
        raise AssertionError(f"{len(g) - len(set(g))} duplicate rows")
    if len(g) != len(w):
        raise AssertionError(f"{len(g)} rows, expected {len(w)} ({what})")
    if g != w:
        raise AssertionError(f"{len(set(g) - set(w))} of {len(g)} rows are not {what}")
    return f"{len(g)} images"


def check_list():
    return same_ids(rows("image", "list"), everything, "the whole default list")


def check_long():
    got = {r["ID"]: r for r in rows("image", "list", "--long")}
    same_ids(list(got.values()), everything, "the whole list")
    for img in everything:
        r = got[img["id"]]
        for col, field in [("Size", "size"), ("Checksum", "checksum"), ("Hash Value", "os_hash_value"),
                           ("Hash Algorithm", "os_hash_algo"), ("Visibility", "visibility"), ("Status", "status")]:
            if r[col] != img[field] or type(r[col]) is not type(img[field]):
                raise AssertionError(f"{img['id']} {col} {r[col]!r}, expected {img[field]!r}")
    return f"{len(got)} images, size/checksum/hash/visibility as served"


def check_limit():
    return same_ids(rows("image", "list", "--limit", "5"), first_page, "the newest 5")


def check_marker():
    return same_ids(rows("image", "list", "--marker", marker, "--limit", "4"), after_marker, "the 4 after the marker")


def check_sort():
    got = rows("image", "list", "--sort", "name:asc")
    names = [str(r["Name"]) for r in got]
    if names != sorted(names):
        raise AssertionError("not in name order")
    return same_ids(got, everything, "the whole list") + ", by name"


def check_filter(args, query, what):
    return lambda: same_ids(rows("image", "list", *args), walk(query), what)


def check_property():
    want = [i for i in everything if i.get("os_distro") == "ubuntu"]
    return same_ids(rows("image", "list", "--property", "os_distro=ubuntu"), want, "os_distro=ubuntu")


def check_show(ref, img):
    def check():
        got = rows("image", "show", ref)
        for k in ["id", "name", "size", "checksum", "visibility", "status", "created_at", "updated_at"]:
            if got.get(k) != img[k]:
                raise AssertionError(f"{k} {got.get(k)!r}, expected {img[k]!r}")
        return f"{img['name']}: fields as served"
    return check


def check_save(ref, img):
    def check():
        path = os.path.join(home, "saved.img")
        run("image", "save", "--file", path, ref)
        data = open(path, "rb").read()
        if len(data) != img["size"]:
            raise AssertionError(f"{len(data)} bytes, expected {img['size']}")
        if hashlib.md5(data).hexdigest() != img["checksum"] or hashlib.sha512(data).hexdigest() != img["os_hash_value"]:
            raise AssertionError("the bytes do not match checksum / os_hash_value")
        return f"{len(data)} bytes, md5 and sha512 verified"
    return check


def check_members(img):
    def check():
        want = api(f"/image/v2/images/{img['id']}/members")["members"]
        got = rows("image", "member", "list", img["id"])
        pairs = sorted((r["Member ID"], r["Status"]) for r in got)
        if pairs != sorted((m["member_id"], m["status"]) for m in want):
            raise AssertionError(f"{pairs}")
        return ", ".join(f"{s}" for _, s in pairs)
    return check


def check_token():
    got = rows("token", "issue")
    req = urllib.request.Request(truth + "/identity/v3/auth/tokens",
                                 headers={"X-Auth-Token": TOKEN, "X-Subject-Token": TOKEN})
    want = json.load(urllib.request.urlopen(req))["token"]["project"]["id"]
    if got.get("project_id") != want:
        raise AssertionError(f"project {got.get('project_id')!r}, expected {want}")
    return f"scoped to project {want}"


battery = [
    ("token issue (password auth, clouds.yaml)", check_token),
    ("image list", check_list),
    ("image list --long", check_long),
    ("image list --limit 5", check_limit),
    ("image list --marker ID --limit 4", check_marker),
    ("image list --sort name:asc", check_sort),
    ("image list --status queued", check_filter(["--status", "queued"], "status=queued", "status=queued")),
    ("image list --status active", check_filter(["--status", "active"], "status=active", "status=active")),
    ("image list --property os_distro=ubuntu", check_property),
    ("image list --hidden", check_filter(["--hidden"], "os_hidden=true", "os_hidden=true")),
    ("image list --public", check_filter(["--public"], "visibility=public", "visibility=public")),
    ("image list --shared", check_filter(["--shared"], "visibility=shared", "visibility=shared")),
    ("image list --member-status pending", check_filter(["--member-status", "pending"], "member_status=pending",
                                                        "member_status=pending")),
    ("image show ID", check_show(small["id"], small)),
    ("image show fedora-40 (by name)", check_show("fedora-40", by_name["fedora-40"][0])),
    ("image save ID (small)", check_save(small["id"], small)),
    ("image save cirros (by name, 0 bytes)", check_save("cirros", by_name["cirros"][0])),
    ("image save rocky-9 (by name, 20 MiB)", check_save("rocky-9", large)),
    ("image member list ID (accepted share)", check_members(shared)),
    ("image member list ID (pending share)", check_members(pending)),
]

failed = 0
for name, check in battery:
    if selected and name not in selected:
        continue
    try:
        result = "PASS (" + check() + ")"
    except subprocess.TimeoutExpired:
        result, failed = f"FAIL: no answer within {timeout} s", failed + 1
    except Exception as e:  # noqa: BLE001 - every failure is a row of the table
        result, failed = f"FAIL: {e}", failed + 1
    print(f"{name}\t{result}", flush=True)
sys.exit(1 if failed else 0)
PY

# The quirks an openstackclient user notices, with the commands that show it. Others go
# unnoticed by design of the client, not of the mock: openstacksdk stops at an empty page
# (next-never-ends), re-sends its filters with every page (next-drops-filters), keeps only exact
# name matches in find_image (name-filter-*), and sorts --sort on the client side.
quirks=(
  "limit-off-by-one|image list --limit 5"
  "limit-ignored|image list --limit 5"
  "default-order-asc|image list --limit 5"
  "marker-inclusive|image list --marker ID --limit 4"
  "page-gap|image list"
  "duplicate-in-page|image list"
  "next-loops|image list"
  "missing-visibility|image list --long"
  "datetime-without-zone|image show ID"
)

status=0
printf '%-62s %s\n' "command" "mock result"
printf '%-62s %s\n' "-------" "-----------"
clean_out=$("$venv/bin/python" "$work/battery.py" "$venv/bin/openstack" "$truth" "$truth" 60) || status=1
while IFS=$'\t' read -r name result; do
  printf '%-62s %s\n' "openstack $name" "$result"
done <<< "$clean_out"
printf '%-62s %s\n' "gophercloud: image list (pages of 7)" "$gophercloud_result"
[[ $gophercloud_result == FAIL* ]] && status=1

if [[ $mode != --clean ]]; then
  for entry in "${quirks[@]}"; do
    quirk=${entry%%|*}
    command=${entry#*|}
    start_mock --quirk "$quirk"
    target=$mock_url
    if out=$("$venv/bin/python" "$work/battery.py" "$venv/bin/openstack" "$truth" "$target" 30 "$command"); then
      result="NOT NOTICED (the client saw nothing wrong)"
      status=1
    else
      result="noticed: ${out#*$'\t'}"
    fi
    kill "$mock_pid" 2>/dev/null || true
    printf '%-62s %s\n' "--quirk $quirk: openstack $command" "${result:0:160}"
  done
fi
exit $status
