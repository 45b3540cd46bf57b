# shellcheck shell=bash
# A fleet on booted Debian (docs/fleet.md): steps for tests/system/run.sh,
# which sources this file (they use its inside, in_sh, step, requests,
# check_restart, check_security, find_systemd, put_repo, T, REPO, WORK...).
#
# The distribution's first container is the agent's host, web-1: its
# nginx and its logmon.service, installed from the repository, now with a
# [fleet] section (role "agent") and the shipped drop-in
# logmon.service.d-fleet.conf. A second container, booted from a fresh copy
# of the same pristine rootfs and sharing the first one's network
# namespace (so 127.0.0.1 is the same for both, and the ports below must
# not collide: nginx 8090, NATS 4222), is the NATS server's and the
# viewer's host: Debian's nats-server installed there with apt and run
# with packaging/nats/nats-server.conf, its NKEYs made for the test
# (tests/system/nkey.py) and a TLS certificate made with openssl; and the
# package's logmon.service with role "viewer", behind that container's
# nginx and the shipped snippet. Then, through the viewer: every line
# nginx logs on web-1 exactly once at a WebSocket client, across a restart
# of the agent; /history and /search of web-1/access answered from the
# agent's files; systemd-analyze security with the drop-in.
#
# Two containers rather than two instances in one: the package has one
# logmon.service (one socket, state and runtime directory), and a fleet is
# an agent on each web host and a viewer elsewhere; so both run the
# package's unit unchanged. The viewer starts first: it creates the
# JetStream stream, which an agent may not.

VPORT=8090
VBASE="http://127.0.0.1:$VPORT"
FLEET_STREAM=web-1/access
# nats-server, as both hosts' logmon reach it (one network namespace).
NATS_URL="tls://127.0.0.1:4222"
FLEET_DIR="$WORK/fleet"
# The seed is given to the service by systemd (LoadCredential=), so the file
# in /etc/logmon stays readable by root only.
SEED_CRED=/run/credentials/logmon.service/fleet.nk

# fleet_wanted SUITE: whether SUITE is in LOGMON_TEST_FLEET_DISTROS.
fleet_wanted() { case " $FLEET_DISTROS " in *" $1 "*) return 0 ;; esac; return 1; }

VROOT=
VNSPAWN_PID=
VCPID=

# on_viewer FUNCTION ARGS...: runs one of run.sh's functions against the
# viewer's container (inside, in_sh, put_repo and nginx's port) instead.
on_viewer() {
    local cpid=$CPID root=$ROOT port=$PORT base=$BASE rc
    CPID=$VCPID ROOT=$VROOT PORT=$VPORT BASE=$VBASE
    "$@"
    rc=$?
    CPID=$cpid ROOT=$root PORT=$port BASE=$base
    return $rc
}
vin() { on_viewer inside "$@"; }

stop_viewer() {
    halt "$VNSPAWN_PID" "$VCPID" "$VROOT"
    VNSPAWN_PID=
    VCPID=
    VROOT=
}

# The viewer's host: a fresh copy of the pristine rootfs, whose own apt
# fetches nats-server from the mirror before the boot (the booted container
# has no network of its own), then booted in web-1's network namespace.
fleet_boot_viewer() {
    local suite=$1 state
    VROOT="$WORK/root-$suite-viewer"
    cp -a --reflink=auto "$CACHE/$suite" "$VROOT" || return 1
    mkdir -p "$VROOT$T"
    cp "$REPO"/tests/system/*.py "$VROOT$T/"
    cp -a "$APT_DIR/repo-N" "$VROOT$REPO_IN" || return 1
    if ! systemd-nspawn --quiet --register=no --keep-unit -D "$VROOT" -M "logmon-$suite-fetch" --pipe \
        env DEBIAN_FRONTEND=noninteractive sh -c \
        'apt-get -q update && apt-get -q -y install --download-only nats-server' \
        </dev/null >"$WORK/fetch-nats.log" 2>&1; then
        tail -n 20 "$WORK/fetch-nats.log"
        return 1
    fi
    grep -E '^(Get|Fetched)' "$WORK/fetch-nats.log" | grep -v -e InRelease -e Packages | tail -n 3
    systemd-nspawn --quiet --register=no --keep-unit --network-namespace-path="/proc/$CPID/ns/net" \
        -D "$VROOT" -M "logmon-$suite-viewer" --boot </dev/null >"$WORK/console-$suite-viewer.log" 2>&1 &
    VNSPAWN_PID=$!
    local pid
    for _ in $(seq 1 300); do
        pid=$(find_systemd "$VNSPAWN_PID") && { VCPID=$pid; break; }
        kill -0 "$VNSPAWN_PID" 2>/dev/null || { cat "$WORK/console-$suite-viewer.log"; return 1; }
        sleep 0.1
    done
    [ -n "$VCPID" ] || { echo "no systemd in the viewer's container"; return 1; }
    for _ in $(seq 1 60); do
        state=$(vin systemctl is-system-running --wait 2>/dev/null) && break
        case "$state" in running | degraded) break ;; esac
        sleep 1
    done
    echo "systemd is $state (pid $VCPID on the host)"
    [ "$(readlink "/proc/$VCPID/ns/net")" = "$(readlink "/proc/$CPID/ns/net")" ] || { echo "not web-1's network namespace"; return 1; }
    echo "network namespace: web-1's, $(readlink "/proc/$VCPID/ns/net")"
    case "$state" in running | degraded) return 0 ;; *) return 1 ;; esac
}

# Keys and certificates, made on the host as an administrator would: one
# NKEY per user of the example (web-1, web-2, the viewer), a CA and a
# certificate for 127.0.0.1 that it signed.
fleet_credentials() {
    local k
    rm -rf "$FLEET_DIR" && mkdir -p "$FLEET_DIR" || return 1
    for k in web-1 web-2 viewer; do
        python3 "$REPO/tests/system/nkey.py" "$FLEET_DIR/$k.nk" >"$FLEET_DIR/$k.pub" || return 1
        echo "$k: $(cat "$FLEET_DIR/$k.pub")"
    done
    (
        cd "$FLEET_DIR" || exit 1
        openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 \
            -subj /CN=logmon-system-test-ca &&
            openssl req -newkey rsa:2048 -nodes -keyout server-key.pem -out server.csr -subj /CN=localhost &&
            echo "subjectAltName=IP:127.0.0.1" >ext &&
            openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
                -out server-cert.pem -extfile ext
    ) >"$FLEET_DIR/openssl.log" 2>&1 || { cat "$FLEET_DIR/openssl.log"; return 1; }
    openssl x509 -in "$FLEET_DIR/server-cert.pem" -noout -subject -issuer -ext subjectAltName
}

fleet_install_nats() {
    vin apt-get -q -y install nats-server </dev/null 2>&1 | grep -E '^(Unpacking|Setting up)'
    [ "${PIPESTATUS[0]}" = 0 ] || return 1
    vin dpkg-query -W nats-server
}

# The example configuration with the test's public keys in place of its
# own, in order; its listen address, store_dir and certificate paths as
# they are. The certificate's key is the nats user's.
fleet_configure_nats() {
    local example="$REPO/packaging/nats/nats-server.conf" theirs conf="$VROOT/etc/nats-server.conf"
    mapfile -t theirs < <(sed -n 's/^ *nkey: *\(U[A-Z0-9]*\) *$/\1/p' "$example")
    [ "${#theirs[@]}" = 3 ] || { echo "the example has ${#theirs[@]} users, not 3"; return 1; }
    sed -e "s/${theirs[0]}/$(cat "$FLEET_DIR/web-1.pub")/" \
        -e "s/${theirs[1]}/$(cat "$FLEET_DIR/web-2.pub")/" \
        -e "s/${theirs[2]}/$(cat "$FLEET_DIR/viewer.pub")/" "$example" >"$conf" || return 1
    diff "$example" "$conf" | grep '^>' | sed 's/^> *//'
    mkdir -p "$VROOT/etc/nats" &&
        cp "$FLEET_DIR/server-cert.pem" "$FLEET_DIR/server-key.pem" "$VROOT/etc/nats/" || return 1
    vin chgrp nats /etc/nats/server-key.pem &&
        vin chmod 0640 /etc/nats/server-key.pem || return 1
    grep -E '^ *(listen|store_dir|cert_file|key_file):' "$conf"
    vin sh -c 'mkdir -p /var/lib/nats && chown nats:nats /var/lib/nats' || return 1
    vin nats-server -c /etc/nats-server.conf -t || return 1
    vin systemctl restart nats-server || return 1
    # Its INFO, the first line a client gets: TLS required, JetStream on.
    local info
    for _ in $(seq 1 50); do
        info=$(vin python3 -c '
import socket
s = socket.create_connection(("127.0.0.1", 4222), timeout=2)
print(s.recv(4096).decode().strip())' 2>/dev/null) && break
        sleep 0.2
    done
    echo "${info:0:300}"
    grep -q '"tls_required":true' <<<"$info" && grep -q '"jetstream":true' <<<"$info" ||
        { echo "nats-server does not require TLS or has no JetStream"; return 1; }
    vin systemctl is-active nats-server
}

# fleet_logmon ROLE HOST SEED: [fleet] in /etc/logmon/logmon.toml (a copy
# of the configuration kept for the way back), the seed and the CA in
# /etc/logmon, the shipped drop-in with IPAddressAllow= set to the NATS
# server's address, and LoadCredential= for the seed; then a restart.
fleet_logmon() {
    local role=$1 host=$2 seed=$3 d=/etc/systemd/system/logmon.service.d
    inside cp /etc/logmon/logmon.toml /root/logmon.toml.local || return 1
    install -m 0600 "$FLEET_DIR/$seed.nk" "$ROOT/etc/logmon/fleet.nk" &&
        install -m 0644 "$FLEET_DIR/ca.pem" "$ROOT/etc/logmon/nats-ca.pem" || return 1
    cat >>"$ROOT/etc/logmon/logmon.toml" <<EOF || return 1

[fleet]
role = "$role"
servers = ["$NATS_URL"]
nkey_seed = "$SEED_CRED"
tls_ca = "/etc/logmon/nats-ca.pem"
host = "$host"
EOF
    inside mkdir -p "$d" || return 1
    inside sed -e 's/^IPAddressAllow=192\.0\.2\.10$/IPAddressAllow=127.0.0.1/' \
        /usr/share/doc/logmon/examples/logmon.service.d-fleet.conf >"$ROOT$d/fleet.conf" || return 1
    grep -q '^IPAddressAllow=127.0.0.1$' "$ROOT$d/fleet.conf" || { echo "the example's IPAddressAllow= changed"; return 1; }
    printf '[Service]\nLoadCredential=fleet.nk:/etc/logmon/fleet.nk\n' >"$ROOT$d/seed.conf" || return 1
    sed -n '/^\[fleet\]/,$p' "$ROOT/etc/logmon/logmon.toml"
    grep -hv -e '^#' -e '^$' "$ROOT$d/fleet.conf" "$ROOT$d/seed.conf"
    inside ls -l /etc/logmon/ || return 1
    inside systemctl daemon-reload || return 1
    inside systemctl restart logmon.service || return 1
    inside systemctl is-active logmon.service logmon.socket || return 1
    inside systemctl show -p DropInPaths --value logmon.service
}

# fleet_journal ERE: waits (up to 20 s) for a message of the running
# logmon.service (this invocation's) that matches.
fleet_journal() {
    local line id
    id=$(inside systemctl show -p InvocationID --value logmon.service) || return 1
    for _ in $(seq 1 100); do
        line=$(inside journalctl --no-pager -o cat "_SYSTEMD_INVOCATION_ID=$id" | grep -E -- "$1" | tail -n 1)
        [ -n "$line" ] && { echo "found: $line"; return 0; }
        sleep 0.2
    done
    echo "missing: $1"
    inside journalctl -u logmon --no-pager -o cat -n 20
    return 1
}

fleet_agent() {
    fleet_logmon agent web-1 web-1 || return 1
    fleet_journal 'fleet: publishing logmon\.lines\.web-1\.access from line'
}

check_security_fleet() {
    local out score
    out=$(inside systemd-analyze security --no-pager logmon.service) || return 1
    grep -E '^✗' <<<"$out" | sed 's/  */ /g' | grep -iE 'network|address|IP' || true
    score=$(sed -n 's/.*Overall exposure level for logmon.service: \([0-9.]*\).*/\1/p' <<<"$out")
    echo "exposure with the drop-in: $score (docs/fleet.md: 1.0)"
    [ "$score" = 1.0 ]
}

fleet_viewer_nginx() {
    wire_nginx || return 1
    inside curl -fsS --max-time 5 "$BASE/logmon/healthz" && echo
}

# The viewer first: it creates the JetStream stream, which an agent may not.
fleet_viewer() {
    fleet_logmon viewer viewer viewer || return 1
    fleet_journal 'fleet: reading LOGMON from message'
}

fleet_viewer_serves() { fleet_journal "fleet: serving $FLEET_STREAM"; }

# ws_start on the viewer, once it serves web-1/access.
fleet_ws_start() {
    local _
    for _ in $(seq 1 50); do
        inside rm -f "$T/streams.jsonl"
        inside timeout 10 python3 "$T/wsclient.py" "$BASE/logmon/ws?backlog=0" "$T/streams.jsonl" --once >/dev/null 2>&1 &&
            inside grep -q "\"id\":\"$FLEET_STREAM\"" "$T/streams.jsonl" && break
        sleep 0.2
    done
    ws_start "$@"
}

fleet_ws_check() { local name=$1; shift; inside python3 "$T/wscheck.py" "$T/$name.jsonl" "$FLEET_STREAM" "$@"; }

# requests paced over about 2 s on web-1 while its agent restarts.
fleet_restart_agent() {
    in_sh "for i in \$(seq 1 40); do curl -s -o /dev/null $BASE/m/FB-\$i || exit 1; sleep 0.05; done" &
    local bg=$!
    sleep 0.5
    check_restart || { wait $bg; return 1; }
    wait $bg || return 1
    fleet_journal 'fleet: publishing logmon\.lines\.web-1\.access from line'
}

# /history on the viewer: the newest page of web-1/access, read by the agent.
fleet_history() {
    inside curl -fsS --max-time 20 -o "$T/history.json" \
        "$BASE/logmon/history?stream=$FLEET_STREAM&at=2100-01-01T00:00:00Z&limit=200" || return 1
    inside python3 -c '
import json, re, sys
page = json.load(open(sys.argv[1]))
texts = [l["text"] for l in page["lines"]]
fc = [m.group(1) for t in texts for m in [re.search(r"GET /m/(FC-\d+) ", t)] if m]
print("stream", page["stream"], "-", len(texts), "lines, the newest:", texts[-1][:120])
print("FC lines:", len(fc), "distinct:", len(set(fc)), "cursors:", all(l.get("cursor") for l in page["lines"]))
want = ["FC-%d" % i for i in range(1, 21)]
sys.exit(0 if fc == want and all(l.get("cursor") for l in page["lines"]) else 1)' "$T/history.json"
}

# /search on the viewer: the 60 lines of B, requested during the first
# rotation long ago, now in web-1's rotated (compressed) files.
fleet_search() {
    inside curl -fsS --max-time 30 -o "$T/search.ndjson" \
        "$BASE/logmon/search?stream=$FLEET_STREAM&q=GET%20/m/B-&limit=1000" || return 1
    inside python3 -c '
import json, re, sys
items = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
matches = [re.search(r"GET /m/(B-\d+) ", i["text"]).group(1) for i in items if i["type"] == "match"]
done = items[-1]
print("matches:", len(matches), "distinct:", len(set(matches)), "done:", json.dumps(done))
sys.exit(0 if done["type"] == "done" and done["matches"] == 60 and sorted(set(matches)) == sorted("B-%d" % i for i in range(1, 61)) and len(matches) == 60 else 1)' "$T/search.ndjson"
}

# Back to a local logmon on web-1: drop-ins, seed and [fleet] gone.
fleet_unconfigure() {
    inside rm -r /etc/systemd/system/logmon.service.d /etc/logmon/fleet.nk /etc/logmon/nats-ca.pem || return 1
    inside cp /root/logmon.toml.local /etc/logmon/logmon.toml || return 1
    inside systemctl daemon-reload || return 1
    inside systemctl restart logmon.service || return 1
    inside systemctl is-active logmon.service logmon.socket
}

show_fleet_journals() {
    if [ -n "$VCPID" ]; then
        log "----- journalctl -u nats-server (the viewer's host)"
        vin journalctl -u nats-server --no-pager -o short-monotonic 2>&1 | tail -n 60
        log "----- journalctl -u logmon (the viewer's host)"
        vin journalctl -u logmon --no-pager -o short-monotonic 2>&1 | tail -n 80
        log "----- end of the viewer's journals"
    fi
}

# run_fleet SUITE: the fleet's steps; web-1's container is booted, with
# logmon installed and nginx wired.
run_fleet() {
    local suite=$1 ok=1 started=$SECONDS
    {
        step "$suite fleet: a second container (NATS, viewer) in web-1's network; apt fetches nats-server" fleet_boot_viewer "$suite" &&
        step "$suite fleet: NKEYs (tests/system/nkey.py) and a TLS certificate for 127.0.0.1 (openssl)" fleet_credentials &&
        step "$suite fleet: apt install nats-server (Debian's)" fleet_install_nats &&
        step "$suite fleet: nats-server with packaging/nats/nats-server.conf (its keys): TLS, JetStream" fleet_configure_nats &&
        step "$suite fleet: the viewer's host: the signed repository, apt install logmon" on_viewer add_repository &&
        step "$suite fleet: ... installed" on_viewer check_installed &&
        step "$suite fleet: ... enabled" on_viewer check_enable &&
        step "$suite fleet: ... its nginx serves the snippet on :$VPORT" on_viewer fleet_viewer_nginx &&
        step "$suite fleet: logmon as the viewer: [fleet], the shipped drop-in, restart; the stream LOGMON" on_viewer fleet_viewer &&
        step "$suite fleet: web-1's logmon as the agent: [fleet], the shipped drop-in, restart; publishing" fleet_agent &&
        step "$suite fleet: systemd-analyze security with the drop-in (1.0)" check_security_fleet &&
        step "$suite fleet: the viewer serves $FLEET_STREAM" on_viewer fleet_viewer_serves &&
        step "$suite fleet: a WebSocket client on the viewer, stream=$FLEET_STREAM" on_viewer fleet_ws_start v1 "backlog=0&stream=$FLEET_STREAM" &&
        step "$suite fleet: requests to web-1's nginx" requests FA 30 &&
        step "$suite fleet: ... each line once at the viewer's client, seq contiguous" on_viewer fleet_ws_check v1 --open FA:30 &&
        step "$suite fleet: systemctl restart of the agent while requests go on" fleet_restart_agent &&
        step "$suite fleet: requests after the restart" requests FC 20 &&
        step "$suite fleet: ... every line once at the viewer's client, nothing lost or repeated" on_viewer fleet_ws_check v1 --open FA:30 FB:40 FC:20 &&
        step "$suite fleet: /history?stream=$FLEET_STREAM on the viewer, from web-1's files" on_viewer fleet_history &&
        step "$suite fleet: /search?stream=$FLEET_STREAM on the viewer, in web-1's rotated files" on_viewer fleet_search &&
        step "$suite fleet: web-1 back to a local logmon (drop-ins and [fleet] removed)" fleet_unconfigure &&
        step "$suite fleet: systemd-analyze security without the drop-in (<= 0.2)" check_security
    } || ok=0
    if [ "$ok" = 0 ]; then show_fleet_journals; fi
    stop_viewer
    log "($suite fleet: $((SECONDS - started)) s)"
    [ "$ok" = 1 ]
}
