#!/usr/bin/env bash
# System test of the Debian package on a booted systemd.
#
# Builds logmon's .deb once (and lints it) and a version N+1 from the same
# tree with a higher changelog entry, publishes N in a signed apt repository
# with packaging/apt/publish.sh, then for each distribution (bookworm,
# trixie) boots a fresh copy of a pristine debootstrapped rootfs with
# systemd-nspawn and, inside, does what an administrator would: adds the
# repository (its key and sources entry) and runs `apt install logmon`,
# enables the units, wires nginx and logrotate as docs/packaging.md says,
# and checks socket activation, the sandbox, the WebSocket through nginx
# across rotations, reloads and restarts, the upgrade to N+1 published in
# the same repository (`apt update && apt upgrade`), removal and purge.
# With a writer appending 1,000 lines/s, a client that resumes with since=
# must get every line exactly once, in one epoch, across that upgrade, a
# restart, a SIGKILL, and a stop during which the log is rotated
# (tests/system/continuity.sh). On trixie, a fleet (tests/system/fleet.sh):
# a second container in the first one's network runs Debian's nats-server
# with the example packaging/nats/nats-server.conf (NKEYs and a certificate
# made for the run) and the package's logmon as the viewer; the first one's
# logmon becomes the agent of web-1 with the shipped drop-in; every line of
# nginx's requests must reach a client of the viewer exactly once, across a
# restart of the agent, and the viewer's /history and /search answer from
# the agent's files. Every step prints PASS or FAIL; on a failure the
# journal of logmon (and in the fleet, of the second container's
# nats-server and logmon) is printed and the script exits non-zero.
#
# Run as root: tests/system/run.sh
#
# Environment:
#   LOGMON_TEST_DISTROS   distributions to boot (default: "bookworm trixie")
#   LOGMON_TEST_FLEET_DISTROS  those of them that also run the fleet (default:
#                         "trixie"; empty for none)
#   LOGMON_TEST_CACHE     where pristine rootfs trees are kept between runs
#                         (default: /var/cache/logmon-test)
#   LOGMON_TEST_CACHE_DAYS  rebuild a cached rootfs older than this (default: 7)
#   LOGMON_TEST_REFRESH=1 rebuild the cached rootfs trees now
#   LOGMON_TEST_MIRROR    Debian mirror (default: the one this machine's apt uses)
#   LOGMON_TEST_DEB       test this .deb instead of building one (N+1 is then
#                         the same files repacked with a higher version)
#   LOGMON_TEST_KEEP=1    keep the work directory (build logs, containers' files)
#   CARGO_TARGET_DIR      cargo's target directory (default: the checkout's target/)

set -uo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
DISTROS=${LOGMON_TEST_DISTROS:-bookworm trixie}
FLEET_DISTROS=${LOGMON_TEST_FLEET_DISTROS-trixie}
CACHE=${LOGMON_TEST_CACHE:-/var/cache/logmon-test}
CACHE_DAYS=${LOGMON_TEST_CACHE_DAYS:-7}
# The Debian mirror this machine's apt is configured with (deb822 or one-line sources).
host_mirror() {
    { grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}'
      grep -hs '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list | awk '{print $2}'
    } | grep -v -e security -e '^$' | head -n 1
}
MIRROR=${LOGMON_TEST_MIRROR:-$(host_mirror)}
INCLUDE=systemd,systemd-sysv,dbus,nginx,logrotate,curl,ca-certificates,procps,man-db,python3
PORT=8088
BASE="http://127.0.0.1:$PORT"

if [ "$(id -u)" != 0 ]; then
    echo "tests/system/run.sh must run as root (it boots containers)" >&2
    exit 2
fi

WORK=$(mktemp -d /tmp/logmon-system.XXXXXX)
NSPAWN_PID=
CPID=
ROOT=
MOUNTED_NSPAWN_DIR=
FAILED=0
START=$SECONDS

log() { printf '%s\n' "$*"; }
elapsed() { printf '%dm%02ds' $(((SECONDS - START) / 60)) $(((SECONDS - START) % 60)); }

# ---------------------------------------------------------------- cleanup

# halt PID CPID ROOT: powers a container off (its systemd-nspawn process
# PID, its systemd CPID), killed if it does not stop within 20 s, and
# removes its root tree unless LOGMON_TEST_KEEP is set.
halt() {
    local pid=$1 cpid=$2 root=$3
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        if [ -n "$cpid" ]; then
            nsenter -t "$cpid" -a systemctl poweroff >/dev/null 2>&1 || true
        fi
        for _ in $(seq 1 100); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.2
        done
        if kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid" 2>/dev/null || true
            sleep 2
            kill -KILL "$pid" 2>/dev/null || true
        fi
        wait "$pid" 2>/dev/null || true
    fi
    if [ -n "$root" ] && [ -d "$root" ] && [ -z "${LOGMON_TEST_KEEP:-}" ]; then
        rm -rf --one-file-system "$root"
    fi
}

stop_container() {
    halt "$NSPAWN_PID" "$CPID" "$ROOT"
    NSPAWN_PID=
    CPID=
    ROOT=
}

cleanup() {
    stop_viewer
    stop_container
    if [ -n "$MOUNTED_NSPAWN_DIR" ]; then
        umount /run/systemd/nspawn 2>/dev/null || true
    fi
    if [ -n "${LOGMON_TEST_KEEP:-}" ]; then
        log "work directory kept: $WORK"
    else
        rm -rf --one-file-system "$WORK"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- steps

# step NAME COMMAND...: runs COMMAND, prints PASS or FAIL with its output.
step() {
    local name=$1
    shift
    local out="$WORK/step.out"
    if "$@" >"$out" 2>&1; then
        log "PASS  $name"
        sed 's/^/      /' "$out" | grep -v '^ *$' | head -n 40
        return 0
    fi
    log "FAIL  $name"
    sed 's/^/      /' "$out" | tail -n 60
    return 1
}

# inside COMMAND...: runs COMMAND in the booted container, with a clean environment.
inside() {
    nsenter -t "$CPID" -a env -i \
        PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        HOME=/root LANG=C.UTF-8 TERM=dumb DEBIAN_FRONTEND=noninteractive \
        SYSTEMD_PAGER= SYSTEMD_COLORS=0 "$@"
}
in_sh() { inside /bin/sh -c "$1"; }

# ---------------------------------------------------------------- host

host_prerequisites() {
    local missing=() p
    for p in systemd-container debootstrap dpkg-dev debhelper lintian fakeroot python3 util-linux; do
        dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        echo "installing ${missing[*]}"
        apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
    fi
}

VERSION=
DEB=
VERSION_UPGRADE=
DEB_UPGRADE=

build_deb() {
    local src
    VERSION=$(dpkg-parsechangelog -l "$REPO/debian/changelog" -S Version)
    src="$WORK/build/logmon-$VERSION"
    mkdir -p "$src"
    # A copy of the working tree, so that the build's output (written to the
    # parent directory) stays out of the checkout; cargo's target directory
    # is shared with it.
    tar -C "$REPO" --exclude=./target --exclude=./.git --exclude=node_modules \
        --exclude=./debian/logmon --exclude=./debian/.debhelper -cf - . | tar -C "$src" -xf - || return 1
    if ! (cd "$src" && dpkg-checkbuilddeps); then
        echo "installing the Build-Depends"
        (cd "$src" && apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get build-dep -y -q ./) || return 1
    fi
    # The source package first, from the clean tree (lintian checks it too).
    (cd "$WORK/build" && dpkg-source -b "logmon-$VERSION") >"$WORK/build.log" 2>&1 || { tail -n 20 "$WORK/build.log"; return 1; }
    export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$REPO/target}
    if ! (cd "$src" && DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" dpkg-buildpackage -b -us -uc) >>"$WORK/build.log" 2>&1; then
        tail -n 40 "$WORK/build.log"
        return 1
    fi
    DEB=$(ls "$WORK"/build/logmon_"$VERSION"_*.deb)
    echo "built $(basename "$DEB") ($(du -k "$DEB" | cut -f1) KiB) and the source package"
    dpkg-deb -c "$DEB" | awk '{print $1, $6, $7, $8}'
}

run_lintian() {
    # Every tag, but only errors and warnings fail.
    lintian --fail-on error,warning --display-info --tag-display-limit 0 \
        "$WORK"/build/logmon_"$VERSION".dsc "$DEB"
    local rc=$?
    echo "lintian exit status: $rc"
    return $rc
}

# Version N+1, for the upgrade: the same tree with a new debian/changelog
# entry, built again by dpkg-buildpackage. It is built where N was, so cargo
# finds nothing to compile and the build only packages.
build_upgrade_deb() {
    local src="$WORK/build/logmon-$VERSION" started=$SECONDS
    VERSION_UPGRADE="$VERSION+systemtest1"
    if [ ! -d "$src" ]; then
        # LOGMON_TEST_DEB: no tree to build from; repack the given .deb.
        local dir="$WORK/upgrade"
        rm -rf "$dir"
        dpkg-deb -R "$DEB" "$dir" || return 1
        sed -i "s/^Version: .*/Version: $VERSION_UPGRADE/" "$dir/DEBIAN/control"
        DEB_UPGRADE="$WORK/logmon_${VERSION_UPGRADE}_$(dpkg-deb -f "$DEB" Architecture).deb"
        dpkg-deb --root-owner-group -b "$dir" "$DEB_UPGRADE" >/dev/null || return 1
        echo "repacked $(basename "$DEB_UPGRADE")"
        return 0
    fi
    {
        printf 'logmon (%s) unstable; urgency=medium\n\n' "$VERSION_UPGRADE"
        printf '  * System test: the same tree, a newer version for the upgrade.\n\n'
        printf ' -- %s  %s\n\n' "$(dpkg-parsechangelog -l "$src/debian/changelog" -S Maintainer)" "$(date -R)"
        cat "$src/debian/changelog"
    } >"$WORK/changelog.new" && mv "$WORK/changelog.new" "$src/debian/changelog" || return 1
    head -n 5 "$src/debian/changelog"
    if ! (cd "$src" && DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" dpkg-buildpackage -b -us -uc) >"$WORK/build-upgrade.log" 2>&1; then
        tail -n 40 "$WORK/build-upgrade.log"
        return 1
    fi
    DEB_UPGRADE=$(ls "$WORK"/build/logmon_"$VERSION_UPGRADE"_*.deb) || return 1
    grep -E '^ *(Compiling|Finished)' "$WORK/build-upgrade.log" | tail -n 3
    echo "built $(basename "$DEB_UPGRADE") in $((SECONDS - started)) s"
    [ "$(dpkg-deb -f "$DEB_UPGRADE" Version)" = "$VERSION_UPGRADE" ]
}

# ---------------------------------------------------------------- the apt repository
#
# Made on the host by packaging/apt/publish.sh with a key made for the test;
# each container gets a copy under /opt (not /tmp, a fresh tmpfs there), with
# the sources entry the script wrote (file:///opt/logmon-apt).

APT_DIR="$WORK/apt"
REPO_IN=/opt/logmon-apt

# publish_repo DEB SNAPSHOT: adds DEB to the repository, then copies the
# repository as it is now to $APT_DIR/SNAPSHOT.
publish_repo() {
    "$REPO/packaging/apt/publish.sh" --gnupghome "$APT_DIR/gnupg" \
        --create-key "logmon system test <logmon-test@localhost>" \
        --url "file://$REPO_IN" "$APT_DIR/repo" "$1" || return 1
    rm -rf "${APT_DIR:?}/$2"
    cp -a "$APT_DIR/repo" "$APT_DIR/$2"
}

# put_repo SNAPSHOT: the container's copy of the repository becomes SNAPSHOT.
put_repo() {
    rm -rf --one-file-system "${ROOT:?}$REPO_IN"
    cp -a "$APT_DIR/$1" "$ROOT$REPO_IN"
}

# ---------------------------------------------------------------- rootfs

# The pristine rootfs of a suite: built once with debootstrap and cached;
# rebuilt when its recipe changed, when it is older than CACHE_DAYS or
# incomplete. It is never booted itself: each run boots a fresh copy.
rootfs_cached() {
    local suite=$1 tree="$CACHE/$1" stamp="$CACHE/$1.stamp"
    local recipe="suite=$suite variant=minbase include=$INCLUDE mirror=$MIRROR"
    if [ -z "${LOGMON_TEST_REFRESH:-}" ] && [ -f "$stamp" ] && [ -x "$tree/usr/lib/systemd/systemd" ] \
        && [ "$(head -n 1 "$stamp")" = "$recipe" ] \
        && [ -n "$(find "$stamp" -mtime -"$CACHE_DAYS")" ]; then
        echo "cached: $tree ($(sed -n 2p "$stamp"))"
        return 0
    fi
    echo "debootstrap $suite into $tree"
    mkdir -p "$CACHE"
    rm -rf --one-file-system "$tree.new" "$tree" "$stamp"
    if ! debootstrap --variant=minbase --include="$INCLUDE" "$suite" "$tree.new" ${MIRROR:+"$MIRROR"} >"$WORK/debootstrap-$suite.log" 2>&1; then
        tail -n 30 "$WORK/debootstrap-$suite.log"
        rm -rf --one-file-system "$tree.new"
        return 1
    fi
    # apt's package lists are not needed: the .deb's dependencies are all in the tree.
    mv "$tree.new" "$tree"
    printf '%s\nbuilt %s\n' "$recipe" "$(date -u +%FT%TZ)" >"$stamp"
}

boot() {
    local suite=$1
    ROOT="$WORK/root-$suite"
    cp -a --reflink=auto "$CACHE/$suite" "$ROOT" || return 1
    mkdir -p "$ROOT/opt/logmon-test"
    cp "$REPO"/tests/system/*.py "$ROOT/opt/logmon-test/"
    put_repo repo-N || return 1
    mkdir -p /run/systemd/nspawn
    if ! mountpoint -q /run/systemd/nspawn; then
        mount -t tmpfs tmpfs /run/systemd/nspawn && MOUNTED_NSPAWN_DIR=1
    fi
    systemd-nspawn --quiet --register=no --keep-unit --private-network \
        -D "$ROOT" -M "logmon-$suite" --boot </dev/null >"$WORK/console-$suite.log" 2>&1 &
    NSPAWN_PID=$!
    local pid
    for _ in $(seq 1 300); do
        pid=$(find_systemd "$NSPAWN_PID") && { CPID=$pid; break; }
        kill -0 "$NSPAWN_PID" 2>/dev/null || { cat "$WORK/console-$suite.log"; return 1; }
        sleep 0.1
    done
    [ -n "$CPID" ] || { echo "no systemd in the container"; return 1; }
    local state
    for _ in $(seq 1 60); do
        state=$(inside systemctl is-system-running --wait 2>/dev/null) && break
        case "$state" in running | degraded) break ;; esac
        sleep 1
    done
    echo "systemd $(inside systemctl --version | head -n 1 | cut -d' ' -f2) is $state (pid $CPID on the host)"
    if [ "$state" = degraded ]; then inside systemctl --failed --no-legend; fi
    case "$state" in running | degraded) return 0 ;; *) return 1 ;; esac
}

# The container's systemd: the first descendant of the nspawn process named systemd.
find_systemd() {
    local parent=$1 children=() c
    read -r -a children < <(ps -o pid= --ppid "$parent" | tr '\n' ' ')
    for c in "${children[@]}"; do
        if [ "$(cat "/proc/$c/comm" 2>/dev/null)" = systemd ]; then
            echo "$c"
            return 0
        fi
    done
    for c in "${children[@]}"; do
        find_systemd "$c" && return 0
    done
    return 1
}

# ---------------------------------------------------------------- checks inside

T=/opt/logmon-test

ws_start() { # ws_start NAME QUERY: a WebSocket client through nginx, recording to $T/NAME.jsonl
    in_sh "cd $T && rm -f $1.jsonl && (python3 wsclient.py '$BASE/logmon/ws?$2' $1.jsonl >$1.err 2>&1 & echo \$! >$1.pid)" || return 1
    for _ in $(seq 1 50); do
        inside grep -q '"type":"hello"' "$T/$1.jsonl" 2>/dev/null && { inside head -c 300 "$T/$1.jsonl"; echo; return 0; }
        sleep 0.2
    done
    inside cat "$T/$1.err"
    return 1
}
ws_stop() { in_sh "kill \$(cat $T/$1.pid) 2>/dev/null; true"; }
ws_check() { local name=$1; shift; inside python3 "$T/wscheck.py" "$T/$name.jsonl" access "$@"; }
epoch_of() { inside python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["epoch"])' "$T/$1.jsonl"; }

# requests PREFIX N: N requests to nginx, each logging one line with /m/PREFIX-i.
requests() {
    in_sh "for i in \$(seq 1 $2); do curl -s -o /dev/null $BASE/m/$1-\$i || exit 1; done"
}

main_pid() { inside systemctl show -p MainPID --value logmon.service; }

# apt_update: apt update must succeed without a warning (a bad or untrusted
# signature is one).
apt_update() {
    local out
    out=$(inside apt update 2>&1)
    local rc=$?
    grep -vE '^(WARNING: apt does not have a stable CLI|$)' <<<"$out" | tail -n 8
    [ "$rc" = 0 ] || return 1
    if grep -E '^(W|E|Err):' <<<"$out"; then return 1; fi
}

add_repository() {
    # The container has no network: Debian's own sources are put aside, so
    # that apt sees the logmon repository and what is installed, nothing else.
    in_sh 'cd /etc/apt && for f in sources.list sources.list.d/*.list sources.list.d/*.sources; do
               [ -f "$f" ] && mv "$f" "$f.offline"; done; true' || return 1
    # What the script printed for a client: the key and the sources entry.
    inside install -d -m 0755 /etc/apt/keyrings || return 1
    inside curl -fsSL -o /etc/apt/keyrings/logmon-archive-keyring.gpg "file://$REPO_IN/logmon-archive-keyring.gpg" || return 1
    inside curl -fsSL -o /etc/apt/sources.list.d/logmon.sources "file://$REPO_IN/logmon.sources" || return 1
    inside ls -l /etc/apt/keyrings/logmon-archive-keyring.gpg /etc/apt/sources.list.d/ || return 1
    inside cat /etc/apt/sources.list.d/logmon.sources || return 1
    apt_update || return 1
    inside apt-cache policy logmon
}

check_installed() {
    inside apt install logmon </dev/null 2>&1 | grep -vE '^(WARNING: apt does not have a stable CLI|$)' | tail -n 12
    [ "${PIPESTATUS[0]}" = 0 ] || return 1
    inside dpkg -s logmon | grep -E '^(Status|Version)' || return 1
    [ "$(inside dpkg-query -W -f '${Version}' logmon)" = "$VERSION" ]
}

check_enable() {
    inside systemctl enable --now logmon || return 1
    inside systemctl is-enabled logmon.service logmon.socket
}

check_active() {
    inside systemctl is-active logmon.socket logmon.service || return 1
    inside systemctl show -p Type -p NRestarts -p MainPID -p StatusText logmon.service
}

check_verify() {
    local out
    out=$(inside systemd-analyze verify logmon.service logmon.socket 2>&1)
    echo "${out:-systemd-analyze verify: clean}"
    [ -z "$out" ]
}

SCORE=
check_security() {
    local out
    out=$(inside systemd-analyze security --no-pager logmon.service) || return 1
    grep -E '^✗' <<<"$out" | sed 's/  */ /g'
    SCORE=$(sed -n 's/.*Overall exposure level for logmon.service: \([0-9.]*\).*/\1/p' <<<"$out")
    echo "exposure: $SCORE"
    awk -v s="$SCORE" 'BEGIN { exit !(s != "" && s <= 0.2) }'
}

check_process() {
    local pid status uid
    pid=$(main_pid)
    [ -n "$pid" ] && [ "$pid" != 0 ] || { echo "no main pid"; return 1; }
    status=$(inside cat "/proc/$pid/status") || return 1
    grep -E '^(Name|Uid|Gid|Groups|CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp):' <<<"$status"
    uid=$(awk '/^Uid:/ {print $2}' <<<"$status")
    local bad=0
    for cap in CapInh CapPrm CapEff CapBnd CapAmb; do
        grep -q "^$cap:[[:space:]]*0000000000000000$" <<<"$status" || { echo "$cap is not zero"; bad=1; }
    done
    [ "$uid" -ge 61184 ] && [ "$uid" -le 65519 ] || { echo "uid $uid is not a dynamic uid"; bad=1; }
    grep -qE '^Groups:.*\b4\b' <<<"$status" || { echo "not in the adm group (4)"; bad=1; }
    grep -q '^NoNewPrivs:[[:space:]]*1' <<<"$status" || { echo "no_new_privs not set"; bad=1; }
    grep -q '^Seccomp:[[:space:]]*2' <<<"$status" || { echo "no seccomp filter"; bad=1; }
    return $bad
}

check_state_dir() {
    local pid uid seen
    inside systemctl show -p StateDirectory -p StateDirectoryMode logmon.service || return 1
    pid=$(main_pid)
    uid=$(inside awk '/^Uid:/ {print $2}' "/proc/$pid/status") || return 1
    [ "$(inside readlink /var/lib/logmon)" = private/logmon ] || { echo "/var/lib/logmon is not a link to private/logmon"; return 1; }
    # On disk, systemd 252 gives the directory to the run's uid; 256 and
    # later leave it to nobody and map it with an id-mapped mount. Seen from
    # the service's mount namespace it is the service's in both cases.
    echo "on disk: $(inside stat -c '%A %u %n' /var/lib/private /var/lib/private/logmon | tr '\n' ' ')"
    seen=$(inside nsenter -t "$pid" -m stat -c '%a %u' /var/lib/private/logmon) || return 1
    echo "seen by the service (uid $uid): $seen"
    [ "$seen" = "700 $uid" ] || { echo "expected 700 $uid"; return 1; }
    inside nsenter -t "$pid" -m -S "$uid" -G "$uid" sh -c \
        'echo x >/var/lib/logmon/.write-test && rm /var/lib/logmon/.write-test' || { echo "the service's uid cannot write there"; return 1; }
    echo "the service's uid can write there"
    if inside nsenter -t "$pid" -m -S 65533 -G 65533 sh -c 'ls /var/lib/logmon/' 2>/dev/null; then
        echo "another uid can read it"
        return 1
    fi
    echo "another uid cannot read it"
}

check_socket_access() {
    inside stat -c '%A %U:%G %n' /run/logmon /run/logmon/logmon.sock || return 1
    [ "$(inside stat -c '%a %U %G' /run/logmon/logmon.sock)" = "660 root www-data" ] || { echo "wrong owner or mode"; return 1; }
    echo "as www-data:"
    inside setpriv --reuid=www-data --regid=www-data --init-groups \
        curl -fsS --max-time 5 --unix-socket /run/logmon/logmon.sock http://localhost/healthz || return 1
    echo
    echo "as nobody:"
    inside setpriv --reuid=nobody --regid=nogroup --clear-groups python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
try:
    s.connect("/run/logmon/logmon.sock")
except PermissionError as e:
    print("refused:", e)
    sys.exit(0)
print("nobody could connect")
sys.exit(1)'

}

check_logrotate_clean() {
    local out
    out=$(inside logrotate -d /etc/logrotate.conf 2>&1)
    if grep -iE '^error|duplicate' <<<"$out"; then return 1; fi
    echo "logrotate -d /etc/logrotate.conf: no error"
}

wire_nginx() {
    local site=/etc/nginx/sites-available/default
    in_sh "sed -i -e 's/listen 80 default_server;/listen $PORT default_server;/' \
        -e 's/listen \[::\]:80 default_server;/listen [::]:$PORT default_server;/' \
        -e 's|^\tserver_name _;|\tserver_name _;\n\n\tinclude snippets/logmon.conf;|' $site" || return 1
    inside grep -nE "listen|include snippets/logmon.conf" "$site" || return 1
    inside nginx -t || return 1
    inside systemctl restart nginx
}

check_ui() {
    local code
    code=$(inside curl -s -o "$T/ui.html" -w '%{http_code} %{content_type}' "$BASE/logmon/") || return 1
    echo "GET /logmon/: $code"
    [ "${code%% *}" = 200 ] && inside grep -qi '<html' "$T/ui.html" || return 1
    code=$(inside curl -s -o /dev/null -w '%{http_code} %{redirect_url}' "$BASE/logmon") || return 1
    echo "GET /logmon: $code"
    inside curl -fsS "$BASE/logmon/healthz" || return 1
    echo
}

# The access log's layout comes from nginx's own configuration, read inside
# the sandbox; /metrics, through nginx, counts the requests nginx logged.
check_formats() {
    inside python3 -c '
import json, sys
hello = json.loads(open(sys.argv[1]).readline())
s = next(x for x in hello["streams"] if x["id"] == "access")
print(s["format"], [f["name"] for f in s["layout"]["fields"]])
sys.exit(s["format"] != "nginx:combined")' "$T/c1.jsonl" || return 1
    local metrics
    metrics=$(inside curl -fsS "$BASE/logmon/metrics") || return 1
    echo "$metrics" | grep -E '^nginx_http_requests_total\{stream="access",status="[0-9]+",method="GET"\} [1-9]' || return 1
}

check_origin() {
    # Same origin as the Host nginx passes on: allowed.
    inside timeout 10 python3 "$T/wsclient.py" "$BASE/logmon/ws?backlog=0" "$T/origin-ok.jsonl" \
        --origin "http://127.0.0.1:$PORT" --once || return 1
    inside grep -q '"type":"hello"' "$T/origin-ok.jsonl" || { echo "same-origin upgrade refused"; return 1; }
    echo "Origin http://127.0.0.1:$PORT: upgraded"
    # A foreign origin: refused before the upgrade.
    if inside timeout 10 python3 "$T/wsclient.py" "$BASE/logmon/ws?backlog=0" "$T/origin-bad.jsonl" \
        --origin "http://evil.example" --once 2>&1; then
        echo "a foreign origin was upgraded"
        return 1
    fi
}

# ---------------------------------------------------------------- authentication in front
#
# The shipped snippet's commented examples, enabled in a copy that the
# default server includes for a while; the shipped conffile stays untouched.

SITE=/etc/nginx/sites-available/default
AUTH_SNIPPET=/etc/nginx/snippets/logmon-test-auth.conf

# use_snippet NAME: the default server includes snippets/NAME instead; nginx
# restarted (a reload returns before the new workers serve).
use_snippet() {
    inside sed -i "s|include snippets/logmon[-a-z]*\.conf;|include snippets/$1;|" "$SITE" || return 1
    inside grep -n "include snippets/logmon" "$SITE" || return 1
    inside nginx -t || return 1
    inside systemctl restart nginx
}

# http_expect CODE PATH [CURL ARGS...]: GET PATH through nginx answers CODE.
http_expect() {
    local want=$1 path=$2 got
    shift 2
    got=$(inside curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@" "$BASE$path") || return 1
    echo "GET $path${*:+ ($*)}: $got"
    [ "$got" = "$want" ] || { echo "    expected $want"; return 1; }
}

# ws_expect CODE [--header 'NAME: VALUE']...: the WebSocket handshake through
# nginx answers CODE; a 101 must bring a hello.
ws_expect() {
    local want=$1 out rc
    shift
    inside rm -f "$T/auth.jsonl"
    out=$(inside timeout 10 python3 "$T/wsclient.py" "$BASE/logmon/ws?backlog=0" "$T/auth.jsonl" --once "$@" 2>&1)
    rc=$?
    if [ "$want" = 101 ]; then
        if [ "$rc" = 0 ] && inside grep -q '"type":"hello"' "$T/auth.jsonl"; then
            echo "WebSocket /logmon/ws${*:+ ($*)}: 101, hello"
            return 0
        fi
    elif grep -q "handshake refused: HTTP/1.1 $want " <<<"$out"; then
        echo "WebSocket /logmon/ws${*:+ ($*)}: $want"
        return 0
    fi
    echo "WebSocket /logmon/ws${*:+ ($*)}: expected $want, got: $out (exit $rc)"
    return 1
}

basic_auth() { printf 'Authorization: Basic %s' "$(printf '%s' "$1" | base64)"; }

check_auth_basic() {
    # The snippet's auth_basic lines uncommented; the password file made
    # with openssl, as docs/security.md says.
    sed -e 's/^    #auth_basic/    auth_basic/' "$ROOT/etc/nginx/snippets/logmon.conf" >"$ROOT$AUTH_SNIPPET" || return 1
    [ "$(grep -c '^    auth_basic' "$ROOT$AUTH_SNIPPET")" = 2 ] || { echo "the snippet's auth_basic example changed"; return 1; }
    grep -n '^    auth_basic' "$ROOT$AUTH_SNIPPET"
    in_sh "printf 'admin:%s\n' \"\$(openssl passwd -apr1 s3cret)\" >/etc/nginx/logmon.htpasswd \
        && chgrp www-data /etc/nginx/logmon.htpasswd && chmod 640 /etc/nginx/logmon.htpasswd" || return 1
    use_snippet "$(basename "$AUTH_SNIPPET")" || return 1
    http_expect 401 /logmon/ &&
        http_expect 401 /logmon/ -u admin:wrong &&
        ws_expect 401 &&
        ws_expect 401 --header "$(basic_auth admin:wrong)" &&
        http_expect 200 /logmon/ -u admin:s3cret &&
        ws_expect 101 --header "$(basic_auth admin:s3cret)"
}

check_auth_request() {
    # A stand-in for the site's authentication service: 204 for the right
    # session cookie, 401 otherwise.
    cat >"$ROOT/etc/nginx/conf.d/logmon-test-authsvc.conf" <<'NGINX' || return 1
server {
    listen 127.0.0.1:8089;
    access_log off;
    location = /check {
        if ($cookie_session = "let-me-in") {
            return 204;
        }
        return 401;
    }
}
NGINX
    # The snippet's auth_request line and its location uncommented, pointed at it.
    sed -e 's/^    #auth_request /    auth_request /' \
        -e '/^#location = \/logmon-auth {/,/^#}/s/^#//' \
        -e 's|http://127.0.0.1:4180/oauth2/auth|http://127.0.0.1:8089/check|' \
        "$ROOT/etc/nginx/snippets/logmon.conf" >"$ROOT$AUTH_SNIPPET" || return 1
    if ! grep -q '^    auth_request /logmon-auth;' "$ROOT$AUTH_SNIPPET" ||
        ! grep -q '^location = /logmon-auth {' "$ROOT$AUTH_SNIPPET" ||
        ! grep -q '^    proxy_pass http://127.0.0.1:8089/check;' "$ROOT$AUTH_SNIPPET"; then
        echo "the snippet's auth_request example changed"
        return 1
    fi
    grep -n '^    auth_request' "$ROOT$AUTH_SNIPPET"
    sed -n '/^location = \/logmon-auth {/,/^}/p' "$ROOT$AUTH_SNIPPET"
    use_snippet "$(basename "$AUTH_SNIPPET")" || return 1
    http_expect 401 /logmon/ &&
        http_expect 401 /logmon/ -b session=wrong &&
        ws_expect 401 &&
        ws_expect 401 --header "Cookie: session=wrong" &&
        http_expect 404 /logmon-auth -b session=let-me-in &&
        http_expect 200 /logmon/ -b session=let-me-in &&
        ws_expect 101 --header "Cookie: session=let-me-in"
}

restore_nginx() {
    inside rm -f "$AUTH_SNIPPET" /etc/nginx/conf.d/logmon-test-authsvc.conf /etc/nginx/logmon.htpasswd || return 1
    use_snippet logmon.conf || return 1
    http_expect 200 /logmon/ && ws_expect 101
}

check_tcp_dropin() {
    local d=/etc/systemd/system/logmon.socket.d
    inside mkdir -p "$d" || return 1
    # The shipped example with its first TCP address and localhost allowed.
    inside sed -e '0,/^#ListenStream=127.0.0.1:5051/s//ListenStream=127.0.0.1:5051/' \
        -e 's/^#IPAddressAllow=localhost/IPAddressAllow=localhost/' \
        /usr/share/doc/logmon/examples/logmon.socket.d-tcp.conf >"$ROOT$d/tcp.conf" || return 1
    inside grep -v '^#' "$d/tcp.conf" | grep .
    inside systemctl daemon-reload || return 1
    inside systemctl restart logmon.socket logmon.service || return 1
    inside systemctl show -p Listen logmon.socket
    echo "http://127.0.0.1:5051/healthz:"
    inside curl -fsS --max-time 5 http://127.0.0.1:5051/healthz || return 1
    echo
    echo "through nginx:"
    inside curl -fsS --max-time 5 "$BASE/logmon/healthz" || return 1
    echo
    inside rm -r "$d" && inside systemctl daemon-reload && inside systemctl restart logmon.socket logmon.service
}

check_watchdog() {
    local pid since now wait
    pid=$(main_pid)
    since=$(date -d "$(inside systemctl show -p ExecMainStartTimestamp --value logmon.service)" +%s) || return 1
    now=$(date +%s)
    wait=$((40 - (now - since)))
    [ "$wait" -le 40 ] || wait=40
    inside systemctl show -p WatchdogUSec logmon.service
    if [ "$wait" -gt 0 ]; then
        echo "waiting ${wait}s: the process must outlive WatchdogSec=30s"
        sleep "$wait"
    fi
    inside systemctl is-active logmon.service || return 1
    [ "$(main_pid)" = "$pid" ] || { echo "main pid $pid -> $(main_pid): restarted"; return 1; }
    if inside journalctl -u logmon --no-pager -o cat | grep -i 'watchdog timeout'; then return 1; fi
    inside systemctl show -p NRestarts -p MainPID logmon.service
}

check_journal() { # check_journal ERE...: each must match a message of logmon's
    local out rc=0
    out=$(inside journalctl -u logmon --no-pager -o cat) || return 1
    for pattern in "$@"; do
        if grep -qE -- "$pattern" <<<"$out"; then
            echo "found: $(grep -E -- "$pattern" <<<"$out" | head -n 1)"
        else
            echo "missing: $pattern"
            rc=1
        fi
    done
    return $rc
}

rotate_nginx_config() {
    inside ls -l /var/log/nginx/ || return 1
    # Requests go on while logrotate renames the log and nginx reopens it.
    requests "$1" 60 &
    local bg=$!
    sleep 0.1
    inside logrotate -f /etc/logrotate.d/nginx || { wait $bg; return 1; }
    wait $bg || return 1
    inside ls -l /var/log/nginx/
}

# Runs `systemctl ARGS...` inside and checks that the same process keeps serving.
check_same_process() {
    local before after
    before=$(main_pid)
    inside systemctl "$@" || return 1
    sleep 1
    after=$(main_pid)
    inside systemctl is-active logmon.service || return 1
    echo "main pid $before -> $after"
    [ "$before" = "$after" ]
}

check_restart() {
    local before after
    before=$(main_pid)
    inside systemctl restart logmon || return 1
    inside systemctl is-active logmon.service logmon.socket || return 1
    after=$(main_pid)
    echo "main pid $before -> $after"
    [ "$before" != "$after" ]
}

# The state file keeps the epoch across restarts.
check_same_epoch() {
    local e1 e2
    e1=$(epoch_of "$1") && e2=$(epoch_of "$2") || return 1
    echo "epoch $e1 -> $e2"
    [ -n "$e1" ] && [ "$e1" = "$e2" ]
}

edit_conffile() {
    # A third stream beside nginx's two, applied by a reload.
    in_sh 'cat >>/etc/logmon/logmon.toml <<EOF

# edited by the administrator
[[stream]]
id = "access"
path = "/var/log/nginx/access.log"

[[stream]]
id = "error"
path = "/var/log/nginx/error.log"

[[stream]]
id = "extra"
path = "/var/log/nginx/extra.log"
EOF' || return 1
    inside logmon --check-config || return 1
    local before
    before=$(main_pid)
    inside systemctl reload logmon || return 1
    [ "$(main_pid)" = "$before" ] || { echo "restarted instead of reloaded"; return 1; }
    in_sh "echo 'GET /m/X-1 ' >>/var/log/nginx/extra.log" || return 1
    inside timeout 10 python3 "$T/wsclient.py" "$BASE/logmon/ws?stream=extra&backlog=10" "$T/extra.jsonl" --once || return 1
    inside head -c 300 "$T/extra.jsonl"
    echo
    inside grep -q '"id":"extra"' "$T/extra.jsonl"
}

check_bad_config() {
    local before
    before=$(main_pid)
    inside cp /etc/logmon/logmon.toml /root/logmon.toml.good || return 1
    in_sh 'echo "no_such_key = 1" >>/etc/logmon/logmon.toml' || return 1
    echo "systemctl reload with a bad config:"
    if inside systemctl reload logmon; then echo "the reload succeeded"; return 1; fi
    inside systemctl is-active logmon.service || return 1
    [ "$(main_pid)" = "$before" ] || { echo "the process changed"; return 1; }
    echo "systemctl restart with a bad config:"
    if inside systemctl restart logmon; then echo "the restart succeeded"; return 1; fi
    local journal
    journal=$(inside journalctl -u logmon --no-pager -o cat -n 200)
    grep no_such_key <<<"$journal" | head -n 1
    grep -q no_such_key <<<"$journal" || { echo "no reason in the journal"; return 1; }
    inside cp /root/logmon.toml.good /etc/logmon/logmon.toml || return 1
    inside systemctl reset-failed logmon.service
    inside systemctl restart logmon || return 1
    inside systemctl is-active logmon.service logmon.socket
}

check_upgrade() {
    local before after
    before=$(main_pid)
    # N+1 is published in the repository beside N.
    put_repo repo-N1 || return 1
    apt_update || return 1
    inside apt list --upgradable 2>/dev/null | grep logmon || { echo "no upgrade offered"; return 1; }
    inside apt upgrade -y </dev/null 2>&1 | grep -vE '^(WARNING: apt does not have a stable CLI|$)' | tail -n 12
    [ "${PIPESTATUS[0]}" = 0 ] || return 1
    inside dpkg -s logmon | grep '^Version' || return 1
    [ "$(inside dpkg-query -W -f '${Version}' logmon)" = "$VERSION_UPGRADE" ] || { echo "not $VERSION_UPGRADE"; return 1; }
    inside systemctl is-active logmon.socket logmon.service || return 1
    after=$(main_pid)
    echo "main pid $before -> $after"
    [ "$before" != "$after" ] || { echo "not restarted"; return 1; }
    inside grep -n "edited by the administrator" /etc/logmon/logmon.toml || { echo "the edited conffile was replaced"; return 1; }
    [ ! -e "$ROOT/etc/logmon/logmon.toml.dpkg-new" ] && [ ! -e "$ROOT/etc/logmon/logmon.toml.dpkg-dist" ]
}

nothing_running() {
    if inside pgrep -a -x logmon; then echo "logmon still runs"; return 1; fi
    local s
    s=$(inside systemctl is-active logmon.service logmon.socket | tr '\n' ' ')
    echo "units: $s"
    case "$s" in *" active"* | "active"*) return 1 ;; esac
    if inside test -e /run/logmon/logmon.sock; then echo "the socket is still there"; return 1; fi
}

check_remove() {
    inside apt-get remove -y -q logmon || return 1
    nothing_running || return 1
    inside test -f /etc/logmon/logmon.toml || { echo "the config went away on remove"; return 1; }
    inside test -d /var/lib/private/logmon || { echo "the state directory went away on remove"; return 1; }
    echo "/etc/logmon/logmon.toml and /var/lib/private/logmon kept until purge"
}

unwire_nginx() {
    inside sed -i '/include snippets\/logmon.conf;/d' /etc/nginx/sites-available/default || return 1
    inside nginx -t && inside systemctl restart nginx
}

check_purge() {
    inside apt-get purge -y -q logmon || return 1
    nothing_running || return 1
    local left
    left=$(inside sh -c 'ls -d /etc/logmon /etc/nginx/snippets/logmon.conf /usr/bin/logmon /lib/systemd/system/logmon.* /usr/lib/systemd/system/logmon.* /etc/systemd/system/*/logmon.* /var/lib/logmon /var/lib/private/logmon 2>/dev/null')
    [ -z "$left" ] || { echo "left after purge: $left"; return 1; }
    inside systemctl list-unit-files 'logmon*' --no-legend
    echo "nothing left"
}

show_journal() {
    log "----- journalctl -u logmon ($1)"
    inside journalctl -u logmon --no-pager -o short-monotonic 2>&1 | tail -n 120
    log "----- end of the journal"
}

# Continuity across upgrade, restart, SIGKILL and a stop with a rotation.
# shellcheck source=tests/system/continuity.sh
. "$REPO/tests/system/continuity.sh"

# A fleet: web-1's agent, NATS and a viewer in a second container.
# shellcheck source=tests/system/fleet.sh
. "$REPO/tests/system/fleet.sh"

# ---------------------------------------------------------------- one distribution

run_distro() {
    local suite=$1
    log ""
    log "===== $suite"
    step "$suite: rootfs (pristine, cached)" rootfs_cached "$suite" || return 1
    step "$suite: boot a fresh copy with systemd-nspawn" boot "$suite" || return 1

    local ok=1
    {
        step "$suite: add the signed repository (key, sources entry), apt update" add_repository &&
        step "$suite: apt install logmon ($VERSION, from the repository)" check_installed &&
        step "$suite: systemctl enable --now logmon" check_enable &&
        step "$suite: logmon.socket and logmon.service active" check_active &&
        step "$suite: systemd-analyze verify" check_verify &&
        step "$suite: systemd-analyze security (<= 0.2)" check_security &&
        step "$suite: no capabilities, dynamic uid, adm group, seccomp" check_process &&
        step "$suite: state directory /var/lib/private/logmon, the dynamic user's, 0700" check_state_dir &&
        step "$suite: socket 0660 root:www-data; www-data connects, nobody not" check_socket_access &&
        step "$suite: logrotate -d /etc/logrotate.conf clean after install" check_logrotate_clean &&
        step "$suite: nginx serves the snippet (include snippets/logmon.conf)" wire_nginx &&
        step "$suite: UI and /healthz through nginx" check_ui &&
        step "$suite: Origin policy through nginx (Host passed on)" check_origin &&
        step "$suite: auth_basic (the snippet's example): 401 without, 200 and 101 with" check_auth_basic &&
        step "$suite: auth_request (the snippet's example): 401 without, 200 and 101 with" check_auth_request &&
        step "$suite: nginx back to the shipped snippet, no authentication" restore_nginx &&
        step "$suite: WebSocket client through nginx" ws_start c1 "backlog=0&stream=access" &&
        step "$suite: lines of real nginx requests received" requests A 20 &&
        step "$suite: ... each exactly once, seq contiguous" ws_check c1 --open A:20 &&
        step "$suite: format from /etc/nginx (nginx:combined); /metrics counts the requests" check_formats &&
        step "$suite: logrotate -f with nginx's own config, requests during it" rotate_nginx_config B &&
        step "$suite: lines after the rotation" requests C 20 &&
        step "$suite: before, during and after rotation: each exactly once" ws_check c1 --open A:20 B:60 C:20 &&
        step "$suite: install the shipped logrotate example (postrotate HUP)" \
            inside cp /usr/share/doc/logmon/examples/logrotate-nginx /etc/logrotate.d/nginx &&
        step "$suite: logrotate -d /etc/logrotate.conf clean with it" check_logrotate_clean &&
        step "$suite: logrotate -f with the postrotate line, requests during it" rotate_nginx_config D &&
        step "$suite: lines after the second rotation" requests E 20 &&
        step "$suite: all lines exactly once across both rotations" ws_check c1 --open A:20 B:60 C:20 D:60 E:20 &&
        step "$suite: systemctl reload logmon (same process)" check_same_process reload logmon &&
        step "$suite: lines after reload, client still connected" requests F 20 &&
        step "$suite: ... received exactly once" ws_check c1 --open A:20 B:60 C:20 D:60 E:20 F:20 &&
        step "$suite: systemctl kill -s HUP logmon (same process)" check_same_process kill -s HUP logmon &&
        step "$suite: lines after SIGHUP" requests G 20 &&
        step "$suite: ... received exactly once, client still connected" ws_check c1 --open A:20 B:60 C:20 D:60 E:20 F:20 G:20 &&
        step "$suite: systemctl restart logmon" check_restart &&
        step "$suite: the old client was closed" ws_check c1 --closed --wait 10 &&
        step "$suite: a client reconnects" ws_start c2 "backlog=0&stream=access" &&
        step "$suite: ... to the same epoch (the state file)" check_same_epoch c1 c2 &&
        step "$suite: lines after restart" requests H 20 &&
        step "$suite: ... received exactly once" ws_check c2 --open H:20 &&
        step "$suite: journal shows start, listening, following, rotation" check_journal \
            "listening on unix:/run/logmon/logmon.sock" "following /var/log/nginx/access.log" \
            "access.log: (rotated|removed|created)" "^SIGHUP: " &&
        step "$suite: TCP drop-in example (127.0.0.1:5051, IPAddressAllow=localhost)" check_tcp_dropin &&
        step "$suite: the administrator adds a stream; systemctl reload applies it" edit_conffile &&
        step "$suite: a bad config: reload and restart refused, reason in the journal" check_bad_config &&
        step "$suite: continuity: resuming client through nginx, writer at $CONT_RATE lines/s (U)" cont_begin U &&
        step "$suite: N+1 published; apt update && apt upgrade: $VERSION_UPGRADE, restarted, conffile kept" check_upgrade &&
        step "$suite: (a) apt upgrade: every line once, same epoch, resumed with since=" cont_phase_end U &&
        step "$suite: writer (R)" cont_writer_start R &&
        step "$suite: systemctl restart logmon" check_restart &&
        step "$suite: (b) systemctl restart: every line once, same epoch, resumed with since=" cont_phase_end R &&
        step "$suite: writer (K)" cont_writer_start K &&
        step "$suite: systemctl kill -s KILL logmon: Restart= brings it back, the socket stays" check_kill &&
        step "$suite: (c) SIGKILL: every line once, same epoch, resumed with since=" cont_phase_end K &&
        step "$suite: systemctl stop; 500 lines; logrotate -f; 500 lines; systemctl start; client resumes" check_stopped_rotation &&
        step "$suite: (d) lines written while stopped, across the rotation: all 1,000 once" cont_check S1:500 S2:500 &&
        step "$suite: the state file" show_state_file &&
        step "$suite: systemd-analyze security still <= 0.2" check_security &&
        step "$suite: the client stops" cont_client_stop &&
        step "$suite: a client connects after the upgrade" ws_start c3 "backlog=0&stream=access" &&
        step "$suite: watchdog: no restart after WatchdogSec" check_watchdog &&
        { ! fleet_wanted "$suite" || run_fleet "$suite"; } &&
        step "$suite: apt remove: stopped, config kept" check_remove &&
        step "$suite: the administrator removes the include from nginx" unwire_nginx &&
        step "$suite: apt purge: nothing running, no config left" check_purge
    } || ok=0

    if [ "$ok" = 0 ]; then
        show_journal "$suite"
        log "----- console"
        tail -n 30 "$WORK/console-$suite.log"
    fi
    if [ -n "$SCORE" ]; then log "$suite: systemd-analyze security logmon.service: $SCORE"; fi
    stop_container
    [ "$ok" = 1 ]
}

# ---------------------------------------------------------------- main

# The whole run is one function, read completely before it starts.
main() {
    log "logmon system test ($(date -u +%FT%TZ))"
    step "host: prerequisites (systemd-container, debootstrap, debhelper, lintian)" host_prerequisites || exit 1
    if [ -n "${LOGMON_TEST_DEB:-}" ]; then
        DEB=$(readlink -f "$LOGMON_TEST_DEB")
        VERSION=$(dpkg-deb -f "$DEB" Version)
        log "PASS  using $DEB"
    else
        step "build: dpkg-buildpackage -b -us -uc" build_deb || exit 1
        step "build: lintian (no error, no warning)" run_lintian || FAILED=1
    fi
    step "build: version N+1 (a new debian/changelog entry, dpkg-buildpackage again)" build_upgrade_deb || exit 1
    step "apt repository: packaging/apt/publish.sh with N (signed with a new key)" publish_repo "$DEB" repo-N || exit 1
    step "apt repository: packaging/apt/publish.sh adds N+1" publish_repo "$DEB_UPGRADE" repo-N1 || exit 1

    for suite in $DISTROS; do
        run_distro "$suite" || FAILED=1
        log "($suite done after $(elapsed))"
    done

    log ""
    if [ "$FAILED" = 0 ]; then
        log "system test: PASS ($(elapsed))"
    else
        log "system test: FAIL ($(elapsed))"
    fi
    return "$FAILED"
}

main "$@"; exit $?
