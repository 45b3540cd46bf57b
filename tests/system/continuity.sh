# shellcheck shell=bash
# Continuity across upgrade, restart, crash and a stop with rotation: steps
# for tests/system/run.sh, which sources this file (they use its inside,
# in_sh, main_pid, T, BASE and WORK).
#
# A client (wsresume.py) follows the access stream through nginx and keeps
# its epoch and position: after every disconnect it reconnects with
# since=access:SEQ. A writer (loggen.py) appends numbered lines to
# /var/log/nginx/access.log at 1,000 lines/s while logmon is (a) upgraded
# with apt, (b) restarted, (c) killed with SIGKILL and brought back by
# Restart=; each phase must deliver every written line exactly once, with
# one epoch, contiguous seq, no gap frame and a short outage. Then (d)
# logmon is stopped while the client is away, 500 lines are written,
# logrotate rotates (access.log becomes access.log.1), 500 more are
# written, logmon is started, and the client, started again from its saved
# state, resumes with since= and must get all 1,000 exactly once.

CONT_URL="$BASE/logmon/ws"
CONT_RATE=1000

cont_client_start() { # the resuming client, from its state file if there is one
    in_sh "cd $T && (python3 wsresume.py run '$CONT_URL' resume.json >>resume.err 2>&1 & echo \$! >resume.pid)" || return 1
    local _
    for _ in $(seq 1 50); do
        if inside python3 -c 'import json,sys; sys.exit(0 if json.load(open(sys.argv[1]))["connected"] else 1)' \
            "$T/resume.json" 2>/dev/null; then
            inside python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print("connected:", s["connects"][-1]["query"], "epoch", s["epoch"])' "$T/resume.json"
            return 0
        fi
        sleep 0.2
    done
    inside cat "$T/resume.err"
    return 1
}

cont_client_stop() { # SIGTERM; the client saves its state and exits
    in_sh "kill \$(cat $T/resume.pid)" || return 1
    local _
    for _ in $(seq 1 50); do
        in_sh "kill -0 \$(cat $T/resume.pid) 2>/dev/null" || { echo "client stopped, state saved"; return 0; }
        sleep 0.1
    done
    echo "the client did not stop"
    return 1
}

# cont_writer_start TAG: loggen.py at CONT_RATE lines/s; the phase starts now.
cont_writer_start() {
    inside date +%s.%N >"$WORK/cont-$1.from" || return 1
    in_sh "cd $T && rm -f $1.count && (python3 loggen.py /var/log/nginx/access.log $1 --rate $CONT_RATE --done $1.count >$1.out 2>&1 & echo \$! >$1.pid)" || return 1
    sleep 1.5
    echo "writer $1 at $CONT_RATE lines/s"
}

cont_writer_stop() { # cont_writer_stop TAG: prints the number of lines written
    local _
    in_sh "kill \$(cat $T/$1.pid)" || return 1
    for _ in $(seq 1 50); do
        inside test -s "$T/$1.count" && break
        sleep 0.1
    done
    inside cat "$T/$1.count"
}

# cont_check TAG:N...: every line of each TAG exactly once at the client.
cont_check() {
    local from
    from=$(cat "$WORK/cont-${1%%:*}.from") || return 1
    inside python3 "$T/wsresume.py" check "$T/resume.json" --wait 30 --max-outage 10 --from "$from" "$@"
}

# cont_phase_end TAG: after 1.5 s more of writing the writer stops; then the check.
cont_phase_end() {
    local n
    sleep 1.5
    n=$(cont_writer_stop "$1") || return 1
    cont_check "$1:$n"
}

cont_begin() {
    inside rm -f "$T/resume.json" "$T/resume.err" || return 1
    cont_client_start || return 1
    cont_writer_start "$1"
}

check_restart_policy() {
    local policy
    policy=$(inside systemctl show -p Restart --value logmon.service) || return 1
    echo "Restart=$policy"
    case "$policy" in on-failure | on-abnormal | on-abort | always) ;; *) return 1 ;; esac
}

check_kill() {
    local before after n0 n1 sock_down=0 _
    check_restart_policy || return 1
    before=$(main_pid)
    n0=$(inside systemctl show -p NRestarts --value logmon.service)
    inside systemctl kill -s KILL logmon.service || return 1
    # Until Restart= has brought it back, the socket must stay.
    for _ in $(seq 1 100); do
        inside systemctl is-active -q logmon.socket || sock_down=$((sock_down + 1))
        after=$(main_pid)
        if [ -n "$after" ] && [ "$after" != 0 ] && [ "$after" != "$before" ] &&
            inside systemctl is-active -q logmon.service; then
            break
        fi
        sleep 0.1
    done
    n1=$(inside systemctl show -p NRestarts --value logmon.service)
    inside systemctl is-active logmon.service logmon.socket || return 1
    echo "main pid $before -> $after, NRestarts $n0 -> $n1, logmon.socket down in $sock_down checks"
    [ "$after" != "$before" ] && [ "$n1" -gt "$n0" ] && [ "$sock_down" = 0 ]
}

# (d): logmon stopped while the client is away; lines written before and
# after a rotation; the client resumes with since= after the start.
check_stopped_rotation() {
    cont_client_stop || return 1
    inside date +%s.%N >"$WORK/cont-S1.from" || return 1
    inside systemctl stop logmon.service || return 1
    echo "logmon.service: $(inside systemctl is-active logmon.service), logmon.socket: $(inside systemctl is-active logmon.socket)"
    inside python3 "$T/loggen.py" /var/log/nginx/access.log S1 --count 500 --done "$T/S1.count" || return 1
    inside logrotate -f /etc/logrotate.d/nginx || return 1
    inside ls -l /var/log/nginx/ || return 1
    inside python3 "$T/loggen.py" /var/log/nginx/access.log S2 --count 500 --done "$T/S2.count" || return 1
    inside systemctl is-active -q logmon.service && { echo "logmon was started while stopped"; return 1; }
    inside systemctl start logmon.service || return 1
    inside systemctl is-active logmon.service || return 1
    cont_client_start
}

show_state_file() {
    inside ls -l /var/lib/private/logmon/ || return 1
    inside sh -c 'head -c 600 /var/lib/private/logmon/state; echo' 2>/dev/null || true
}
