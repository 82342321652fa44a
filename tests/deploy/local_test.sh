#!/usr/bin/env bash
# deploy/local/clinic-local end to end: `up` in a temporary folder, book a
# session through the printed target list (all three replicas), SIGKILL one
# replica, book again through the same list, see both bookings, see
# `status` report the dead replica, and check that `down` leaves no process
# and no folder behind.
#
# Usage: local_test.sh REPO_ROOT BIN_DIR   (BIN_DIR holds clinicd, clinicctl)
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 REPO_ROOT BIN_DIR" >&2
  exit 2
fi
root=$1
bin=$2
script=$root/deploy/local/clinic-local
export CLINICD=$bin/clinicd
unset CLINIC_LOCAL_DIR CLINIC_SERVER CLINIC_TOKEN CLINIC_CLINIC

tmp=$(mktemp -d -t clinic-local-test-XXXXXX)
# As root, PostgreSQL runs as user postgres, which must pass through here.
chmod 755 "$tmp"
dir=$tmp/state
start=$SECONDS

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# Everything a failure needs to be understood, before `down` removes it.
# shellcheck disable=SC2317  # called by the EXIT trap
print_logs() {
  local f
  for f in "$tmp"/*.out "$dir"/*.log "$dir"/pg/postgres.log; do
    [ -f "$f" ] || continue
    echo "===== $f" >&2
    tail -n 40 "$f" >&2
  done
}

# shellcheck disable=SC2317  # called by the EXIT trap
on_exit() {
  local status=$?
  trap - EXIT
  if [ "$status" -ne 0 ]; then
    print_logs
  fi
  "$script" down --dir "$dir" >/dev/null 2>&1 || true
  rm -rf "$tmp"
  echo "local_test: $([ "$status" -eq 0 ] && echo PASS || echo FAIL)" \
    "in $((SECONDS - start)) s" >&2
  exit "$status"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Output goes to files, not $(...): a daemon holding a pipe open would hang
# the test, and the files are printed on failure.
step() { echo "--- $*" >&2; }

step up
"$script" up --dir "$dir" >"$tmp/up.out" 2>&1 || fail "up failed"
cat "$tmp/up.out" >&2
target=$(grep -m1 '^ipv4:' "$tmp/up.out") || fail "up printed no ipv4: target"
[[ $target =~ ^ipv4:127\.0\.0\.1:[0-9]+,127\.0\.0\.1:[0-9]+,127\.0\.0\.1:[0-9]+$ ]] ||
  fail "target list not in the form ipv4:127.0.0.1:P1,127.0.0.1:P2,127.0.0.1:P3: $target"
[ "$(stat -c %a "$dir/admin.token")" = 600 ] || fail "admin.token is not 0600"
token=$(cat "$dir/admin.token")
[[ $token =~ ^clinic_[A-Za-z0-9_-]{43}$ ]] || fail "admin.token is malformed"
[ "$(grep -Ec '^http://127\.0\.0\.1:[0-9]+/metrics$' "$tmp/up.out")" -eq 3 ] ||
  fail "up did not print three metrics addresses"

"$script" up --dir "$dir" >"$tmp/up-again.out" 2>&1 &&
  fail "a second up on a running deployment succeeded"
grep -q "already up" "$tmp/up-again.out" || fail "a second up did not say 'already up'"

# Every call through the three replicas, as any staff member would.
ctl() {
  "$bin/clinicctl" --server "$target" --token "$token" --timeout 5 "$@"
}

# The clinic's zone is America/New_York (the default of a new store); two
# and three days ahead are inside the therapist's hours and the notice.
day1=$(TZ=America/New_York date -d '+2 days' +%F)
day2=$(TZ=America/New_York date -d '+3 days' +%F)

step "therapist, athlete and a first booking"
ctl therapist add --name "Ana Costa" --modalities sports \
  --hours "mon-sun 09:00-18:00" >"$tmp/therapist.out" || fail "therapist add"
th=$(tail -n1 "$tmp/therapist.out")
[[ $th =~ ^th_[0-9]+$ ]] || fail "therapist add printed no id"
ctl athlete add --name "Lee Park" >"$tmp/athlete.out" || fail "athlete add"
ath=$(tail -n1 "$tmp/athlete.out")
[[ $ath =~ ^ath_[0-9]+$ ]] || fail "athlete add printed no id"
ctl book --athlete "$ath" --therapist "$th" --modality sports \
  --at "$day1 10:00" >"$tmp/book1.out" || fail "first booking"
bk1=$(tail -n1 "$tmp/book1.out")
[[ $bk1 =~ ^bk_[0-9]+$ ]] || fail "first booking printed no bk_ id"

# Replica N's Prometheus text, over bash's /dev/tcp (no curl needed).
metrics() {
  local port
  port=$(cat "$dir/clinicd-$1.metrics_port")
  # shellcheck disable=SC2016  # expanded by the inner bash
  timeout 5 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" &&
    printf "GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n" >&3 && cat <&3' \
    _ "$port"
}

# The replica to kill is the one that served the first booking (its
# metrics count the ReserveSlot), so that the second one must go elsewhere.
victim=
for n in 1 2 3; do
  metrics "$n" >"$tmp/metrics-$n.out" || fail "clinicd-$n serves no metrics"
  if grep -Eq '^grpc_server_handled_total\{.*grpc_method="ReserveSlot".*\} [1-9]' \
    "$tmp/metrics-$n.out"; then
    victim=$n
  fi
done
if [ -z "$victim" ]; then
  echo "no replica's metrics count the ReserveSlot; killing clinicd-2" >&2
  victim=2
fi

step "SIGKILL clinicd-$victim"
pid=$(cat "$dir/clinicd-$victim.pid")
"$script" kill "$victim" --dir "$dir" >&2 || fail "clinic-local kill $victim"
# Dead means gone or a zombie (PID 1 here may never reap it).
for _ in $(seq 50); do
  state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) || break
  [ "$state" != Z ] || break
  sleep 0.1
done

step "a second booking through the same target list"
ctl book --athlete "$ath" --therapist "$th" --modality sports \
  --at "$day2 10:00" >"$tmp/book2.out" || fail "second booking (exit $?)"
bk2=$(tail -n1 "$tmp/book2.out")
[[ $bk2 =~ ^bk_[0-9]+$ ]] || fail "second booking printed no bk_ id"
[ "$bk2" != "$bk1" ] || fail "the second booking has the first one's id"
# Each clinicctl starts at a random replica: several calls make sure the
# dead one's turn comes and is skipped.
for i in 1 2 3 4 5 6; do
  ctl bookings --from "$(TZ=America/New_York date +%F)" --to "$day2" \
    >"$tmp/bookings-$i.out" || fail "bookings call $i after the kill"
  grep -q "^$bk1 " "$tmp/bookings-$i.out" || fail "bookings lacks $bk1"
  grep -q "^$bk2 " "$tmp/bookings-$i.out" || fail "bookings lacks $bk2"
done

step status
status=0
"$script" status --dir "$dir" >"$tmp/status.out" 2>&1 || status=$?
cat "$tmp/status.out" >&2
[ "$status" -eq 1 ] || fail "status exited $status with a replica down, not 1"
grep -Eq "^clinicd-$victim +down " "$tmp/status.out" ||
  fail "status does not report clinicd-$victim down"
for name in postgres redis clinicd-1 clinicd-2 clinicd-3; do
  [ "$name" != "clinicd-$victim" ] || continue
  grep -Eq "^$name +running " "$tmp/status.out" || fail "status does not report $name running"
done

step down
"$script" down --dir "$dir" >&2 || fail "down failed"
if pgrep -af "$dir" >"$tmp/left.out"; then
  cat "$tmp/left.out" >&2
  fail "processes left running after down"
fi
[ ! -e "$dir" ] || fail "down left $dir behind"
"$script" status --dir "$dir" >/dev/null 2>&1 && fail "status after down exited 0"
exit 0
