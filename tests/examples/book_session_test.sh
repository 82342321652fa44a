#!/bin/bash
# Runs clients/examples/book_session.py against a real clinicd on a fresh
# SQLite store, so the example keeps working as the API changes.
#
# usage: book_session_test.sh REPO_ROOT CLINICD [STUBS_DIR]
# STUBS_DIR receives the generated Python stubs (default: a temporary
# folder, removed afterwards). Needs Debian's /usr/bin/python3 with
# python3-grpcio and python3-protobuf, protoc and grpc_python_plugin.
set -euo pipefail

if [[ $# -lt 2 || $# -gt 3 ]]; then
  echo "usage: $0 REPO_ROOT CLINICD [STUBS_DIR]" >&2
  exit 2
fi
repo=$1
clinicd=$2
python=/usr/bin/python3  # not the python3 on PATH: it must have Debian's grpcio

fail() { echo "book_session_test: FAIL: $*" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/book_session_test.XXXXXX")
stubs=${3:-$tmp/stubs}
pid=
cleanup() {
  if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[[ -x $clinicd ]] || fail "no clinicd at $clinicd"
for tool in "$python" protoc /usr/bin/grpc_python_plugin; do
  command -v "$tool" >/dev/null || fail "$tool is not installed"
done

# 1. Python stubs of the API (google/rpc/*.proto are the repository's copies).
mkdir -p "$stubs"
(cd "$repo" && protoc -I proto -I /usr/include \
  --python_out="$stubs" --grpc_out="$stubs" \
  --plugin=protoc-gen-grpc=/usr/bin/grpc_python_plugin \
  proto/clinic/v1/*.proto proto/google/rpc/*.proto) || fail "protoc failed"

# 2. A clinicd on a free port, with a fresh admin token: "clinic_" and the
# unpadded base64url of 32 random bytes, like the tokens clinicd makes.
token="clinic_$(head -c 32 /dev/urandom | base64 -w0 | tr '+/' '-_' | tr -d '=')"
[[ ${#token} -eq 50 ]] || fail "made a malformed token"
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY grpc_proxy
CLINIC_ADMIN_TOKEN=$token "$clinicd" --db="$tmp/clinic.db" \
  --listen=127.0.0.1:0 --port_file="$tmp/port" >"$tmp/clinicd.log" 2>&1 &
pid=$!
for _ in $(seq 300); do  # up to 30 s
  [[ -s $tmp/port ]] && break
  kill -0 "$pid" 2>/dev/null || { cat "$tmp/clinicd.log" >&2; fail "clinicd exited"; }
  sleep 0.1
done
[[ -s $tmp/port ]] || { cat "$tmp/clinicd.log" >&2; fail "clinicd wrote no port within 30 s"; }
port=$(<"$tmp/port")

# 3. The example, as a user would run it.
status=0
PYTHONPATH=$stubs CLINIC_TOKEN=$token timeout 60 "$python" \
  "$repo/clients/examples/book_session.py" --server "127.0.0.1:$port" \
  >"$tmp/out" 2>"$tmp/err" || status=$?
cat "$tmp/out"
cat "$tmp/err" >&2
[[ $status -eq 0 ]] || { cat "$tmp/clinicd.log" >&2; fail "book_session.py exited $status"; }

grep -q 'violates GAP_BEFORE_EVENT: race .Broad Street Run.' "$tmp/out" ||
  fail "the output names no violated rule and race"
grep -q 'suggested: ' "$tmp/out" || fail "the output lists no suggested slot"
booked=$(sed -n 's/^booked \(bk_[0-9]*\) .*/\1/p' "$tmp/out")
again=$(sed -n 's/^retry with the same request_id returned \(bk_[0-9]*\)$/\1/p' "$tmp/out")
[[ -n $booked ]] || fail "the output names no booking"
[[ $booked == "$again" ]] || fail "booked '$booked' but the retry returned '$again'"
echo "book_session_test: PASS (booked $booked, the retry returned $again)"
