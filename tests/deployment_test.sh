#!/usr/bin/env bash
# SPDX-License-Identifier: BSL-1.0
# The documents service deployed as it grows: three replicas on
# PostgreSQL behind nginx, all on loopback (examples/docs_service/deploy).
# Runs the store's cases on PostgreSQL, then deployment_client.py's
# checks under load with a replica killed. Everything started is stopped
# on the way out, also when the time limit (DEPLOYMENT_TEST_SECONDS, 300
# by default) runs out.
#
#   deployment_test.sh PATH/TO/docs-service PATH/TO/clearance_service_tests
set -euo pipefail

binary=${1:?usage: deployment_test.sh DOCS_SERVICE SERVICE_TESTS}
service_tests=${2:?usage: deployment_test.sh DOCS_SERVICE SERVICE_TESTS}
here=$(cd "$(dirname "$0")" && pwd)
cluster=$here/../examples/docs_service/deploy/cluster.sh
limit=${DEPLOYMENT_TEST_SECONDS:-300}
dir=$(mktemp -d "${TMPDIR:-/tmp}/clearance-deployment-XXXXXX")

child=
watchdog=
cleanup() {
    [[ -n $child ]] && kill "$child" 2>/dev/null || true
    [[ -n $watchdog ]] && kill "$watchdog" 2>/dev/null || true
    "$cluster" down "$dir" || true
}
trap cleanup EXIT
trap 'echo "deployment test: over its limit of $limit s" >&2; exit 124' TERM
# The watchdog's sleep ends with it, and holds none of the test's
# output open.
(
    sleep "$limit" &
    sleeping=$!
    trap 'kill $sleeping; exit 0' TERM
    wait "$sleeping"
    kill -TERM $$
) >/dev/null 2>&1 &
watchdog=$!

# Runs a step in the background and waits for it, so that the time
# limit can interrupt it.
step() {
    local started=$SECONDS
    "$@" &
    child=$!
    wait "$child"
    child=
    echo "(${1##*/}: $((SECONDS - started)) s)"
}

started=$SECONDS
step "$cluster" up "$dir" --binary "$binary"
# shellcheck source=/dev/null
source "$dir/cluster.env"

echo "== the store's cases on PostgreSQL"
PGPASSFILE=$dir/pgpass DOCS_STORE_TEST_POSTGRES=$STORE_TEST_URI \
    step "$service_tests" "[any_database]"

echo "== replicas under load"
step python3 "$here/deployment_client.py" "$cluster" "$dir"
echo "deployment test passed in $((SECONDS - started)) s"
