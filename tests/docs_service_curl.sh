#!/usr/bin/env bash
# SPDX-License-Identifier: BSL-1.0
# The documents service's acceptance matrix through curl, against the
# real `docs-service serve` on a free port with a fresh database.
set -euo pipefail

binary=${1:?usage: docs_service_curl.sh PATH/TO/docs-service}
work=$(mktemp -d)
server=
cleanup() {
    [[ -n $server ]] && kill "$server" 2>/dev/null && wait "$server" || true
    rm -rf "$work"
}
trap cleanup EXIT

# The files the service serves under /files/, and a link out of them.
mkdir "$work/files"
printf 'hello, files\n' >"$work/files/hello.txt"
ln -s /etc/passwd "$work/files/escape"

"$binary" serve --port 0 --db "$work/docs.db" --audit "$work/audit.jsonl" \
    --files "$work/files" >"$work/out" 2>&1 &
server=$!
for _ in $(seq 100); do
    grep -q '^docs-service listening on' "$work/out" && break
    sleep 0.1
done
base=$(sed -n 's/^docs-service listening on \([^ ]*\).*/\1/p' "$work/out")
[[ -n $base ]] || { cat "$work/out"; echo "the service did not start"; exit 1; }

# The tokens the service printed for its seeded users.
eval "$(grep '^  export ' "$work/out")"

failures=0
passes=0
# check NAME EXPECTED_STATUS [curl arguments...]: runs curl and compares
# the status; the body is kept in $work/body, the headers in $work/head.
check() {
    local name=$1 expected=$2
    shift 2
    local status
    status=$(curl -s -o "$work/body" -D "$work/head" -w '%{http_code}' "$@")
    if [[ $status == "$expected" ]]; then
        passes=$((passes + 1))
    else
        failures=$((failures + 1))
        echo "FAIL: $name: expected $expected, got $status"
        cat "$work/body"; echo
    fi
}
# expect NAME PATTERN FILE: the file contains the pattern.
expect() {
    if grep -qiF -- "$2" "$3"; then
        passes=$((passes + 1))
    else
        failures=$((failures + 1))
        echo "FAIL: $1: '$2' not found in:"; cat "$3"; echo
    fi
}
bearer() { printf 'Authorization: Bearer %s' "$1"; }
# keep NAME: keeps the last answer's headers and body as NAME.
keep() { cp "$work/head" "$work/$1-head"; cp "$work/body" "$work/$1-body"; }
# same_as NAME TEXT: the last answer is byte for byte the one kept as NAME.
same_as() {
    if cmp -s "$work/head" "$work/$1-head" &&
        cmp -s "$work/body" "$work/$1-body"; then
        passes=$((passes + 1))
    else
        failures=$((failures + 1))
        echo "FAIL: $2"
    fi
}

check "health is public" 200 "$base/health"

check "no token" 401 "$base/documents/1"
expect "challenge" 'WWW-Authenticate: Bearer realm="docs-service"' "$work/head"
check "garbage token" 401 -H "$(bearer garbage)" "$base/documents/1"
expect "invalid_token" 'error="invalid_token"' "$work/head"

check "alice reads her document" 200 -H "$(bearer "$ALICE")" "$base/documents/1"
expect "alice's document" '"owner":"alice"' "$work/body"
check "root reads it too" 200 -H "$(bearer "$ROOT")" "$base/documents/1"

check "bob is refused as if it did not exist" 404 -H "$(bearer "$BOB")" \
    "$base/documents/1"
keep refused
check "bob asks for a missing document" 404 -H "$(bearer "$BOB")" \
    "$base/documents/999"
same_as refused "the concealed refusal is the genuine miss"

check "root of acme cannot see globex's document" 404 \
    -H "$(bearer "$ROOT")" "$base/documents/3"
check "a viewer cannot write" 403 -X PUT -H "$(bearer "$BOB")" \
    -d '{"title":"x","body":"y"}' "$base/documents/2"

check "alice is no admin" 403 -H "$(bearer "$ALICE")" "$base/admin/users"
expect "forbidden body" '{"error":"forbidden",' "$work/body"
check "root lists users" 200 -H "$(bearer "$ROOT")" "$base/admin/users"

check "a bad id" 400 -H "$(bearer "$ALICE")" "$base/documents/abc"
check "an unknown path" 404 "$base/nowhere"
check "an unserved method" 405 -X PATCH -H "$(bearer "$ALICE")" \
    "$base/documents/1"
expect "Allow" 'Allow: GET, HEAD, PUT, DELETE' "$work/head"

expired=$("$binary" token alice --db "$work/docs.db" --lifetime -3600)
check "an expired token" 401 -H "$(bearer "$expired")" "$base/documents/1"
expect "expired is invalid_token" 'error="invalid_token"' "$work/head"

b64() { printf '%s' "$1" | base64 -w0 | tr '+/' '-_' | tr -d '='; }
unsigned="$(b64 '{"alg":"none","typ":"JWT"}').$(b64 '{"sub":"alice","tenant":"acme","roles":["admin"],"exp":9999999999}')."
check "alg none" 401 -H "$(bearer "$unsigned")" "$base/admin/users"

check "the reporting job reads the summary" 200 -H "X-API-Key: $REPORT_KEY" \
    "$base/reports/summary"
check "user administration takes no API key" 401 -H "X-API-Key: $REPORT_KEY" \
    "$base/admin/users"
expect "a plain challenge" 'WWW-Authenticate: Bearer realm="docs-service"' \
    "$work/head"
check "a valid key does not excuse a token in the query" 400 \
    -H "X-API-Key: $REPORT_KEY" "$base/reports/summary?access_token=abc"
check "nor a bearer token that is not b64token" 400 \
    -H "X-API-Key: $REPORT_KEY" -H 'Authorization: Bearer a$b' \
    "$base/reports/summary"
check "a token in the query" 400 -H "$(bearer "$ALICE")" \
    "$base/documents/1?access_token=$ALICE"
expect "the query token is named" 'error_description="the token is sent in both the header and the query"' \
    "$work/head"
# Files under /files/ are for readers of documents.
check "a file needs a token" 401 "$base/files/hello.txt"
check "bob reads a file" 200 -H "$(bearer "$BOB")" "$base/files/hello.txt"
expect "the file" 'hello, files' "$work/body"
expect "its type" 'Content-Type: text/plain; charset=utf-8' "$work/head"
expect "nosniff" 'X-Content-Type-Options: nosniff' "$work/head"
check "a range of it" 206 -r 0-4 -H "$(bearer "$BOB")" \
    "$base/files/hello.txt"
expect "the range" 'Content-Range: bytes 0-4/13' "$work/head"
expect "the range's bytes" 'hello' "$work/body"
check "a range past its end" 416 -r 50- -H "$(bearer "$BOB")" \
    "$base/files/hello.txt"
check "a missing file" 404 -H "$(bearer "$BOB")" "$base/files/none.txt"
keep missing
check "a link out of the directory" 404 -H "$(bearer "$BOB")" \
    "$base/files/escape"
same_as missing "the link is answered as a missing file"
check "climbing out" 400 --path-as-is -H "$(bearer "$BOB")" \
    "$base/files/../../../etc/passwd"

# The audit log has one JSON line per decision, concealed ones included.
# One request of each kind, named by its X-Request-Id, then the file is
# read back: every line is a JSON object, and each request's line holds
# exactly what was decided, by which rule, for whom.
rid() { printf 'X-Request-Id: %s' "$1"; }
check "audit: allowed" 200 -H "$(rid audit-allowed)" -H "$(bearer "$ALICE")" \
    "$base/documents/1"
check "audit: bad request" 400 -H "$(rid audit-bad)" -H "$(bearer "$ALICE")" \
    "$base/documents/abc"
check "audit: no token" 401 -H "$(rid audit-anonymous)" "$base/documents/1"
check "audit: forbidden" 403 -X PUT -H "$(rid audit-forbidden)" \
    -H "$(bearer "$BOB")" -d '{"title":"x","body":"y"}' "$base/documents/2"
check "audit: concealed" 404 -H "$(rid audit-concealed)" -H "$(bearer "$BOB")" \
    "$base/documents/1"
check "audit: missing" 404 -H "$(rid audit-missing)" -H "$(bearer "$BOB")" \
    "$base/documents/999"
check "audit: method" 405 -X PATCH -H "$(rid audit-method)" \
    -H "$(bearer "$ALICE")" "$base/documents/1"
check "audit: network" 200 -H "$(rid audit-network)" "$base/internal/metrics"
if python3 - "$work/audit.jsonl" <<'CHECK'; then
import json
import sys

events = {}
with open(sys.argv[1]) as log:
    for number, line in enumerate(log, 1):
        event = json.loads(line)
        assert isinstance(event, dict), f"line {number} is not an object"
        assert isinstance(event["time_ms"], int) and event["time_ms"] > 0
        events.setdefault(event["request_id"], []).append(event)

def exactly(request_id, **expected):
    found = events.get(request_id, [])
    assert len(found) == 1, f"{request_id}: {len(found)} events"
    event = dict(found[0])
    del event["time_ms"], event["request_id"]
    assert event == expected, f"{request_id}: {event} != {expected}"

document = dict(method="GET", route="/documents/{id}")
exactly("audit-allowed", **document, path="/documents/1", subject="alice",
        tenant="acme", decision="allowed", status=200, rule="")
exactly("audit-bad", **document, path="/documents/abc", subject="alice",
        tenant="acme", decision="bad_request", status=400,
        rule="path parameter")
exactly("audit-anonymous", **document, path="/documents/1", subject="",
        tenant="", decision="unauthorized", status=401,
        rule="no credentials")
exactly("audit-forbidden", method="PUT", route="/documents/{id}",
        path="/documents/2", subject="bob", tenant="acme",
        decision="forbidden", status=403, rule="permission docs:write")
exactly("audit-concealed", **document, path="/documents/1", subject="bob",
        tenant="acme", decision="concealed", status=404,
        rule="ownership docs_service::is_owner")
exactly("audit-missing", **document, path="/documents/999", subject="bob",
        tenant="acme", decision="not_found", status=404,
        rule="no such record")
# No route serves PATCH there, so none is named.
exactly("audit-method", method="PATCH", route="",
        path="/documents/1", subject="alice", tenant="acme",
        decision="method_not_allowed", status=405, rule="method")
exactly("audit-network", method="GET", route="/internal/metrics",
        path="/internal/metrics", subject="", tenant="", decision="allowed",
        status=200, rule="")
CHECK
    passes=$((passes + 1))
else
    failures=$((failures + 1))
    echo "FAIL: the audit log read back"
fi

echo "$passes passed, $failures failed"
[[ $failures == 0 ]]
