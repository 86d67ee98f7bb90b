#!/usr/bin/env bash
# SPDX-License-Identifier: BSL-1.0
# The documents service as stateless replicas behind nginx, on one
# PostgreSQL database, all on loopback, all in one directory:
#
#   cluster.sh up DIR [--binary PATH] [--replicas N]
#       Starts PostgreSQL (a new data directory in DIR, run as an
#       unprivileged user), N replicas of docs-service (3 by default) and
#       nginx in front of them, on free ports, and waits until nginx
#       answers. Writes DIR/cluster.env with the addresses.
#   cluster.sh down DIR        Stops everything and removes DIR.
#   cluster.sh kill-replica DIR I     Kills replica I at once (SIGKILL).
#   cluster.sh start-replica DIR I    Starts replica I again.
#   cluster.sh add-key DIR KID        Adds a new HS256 key to DIR/keys.json.
#   cluster.sh remove-key DIR KID     Removes a key from DIR/keys.json.
#   cluster.sh token DIR USER [docs-service token options...]
#
# Every replica verifies tokens with DIR/keys.json, a JSON Web Key Set
# that it re-reads when it changes; tokens are revoked in the shared
# database. Nothing is downloaded: PostgreSQL and nginx are Debian's
# (scripts/install-dependencies.sh installs them).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
command=${1:?usage: cluster.sh up|down|kill-replica|start-replica|add-key|remove-key|token DIR ...}
dir=${2:?usage: cluster.sh $command DIR ...}
shift 2

fail() {
    echo "cluster.sh: $*" >&2
    exit 1
}

# Loads the addresses and settings of a running cluster.
load() {
    [[ -f $dir/cluster.env ]] || fail "no cluster in $dir"
    # shellcheck source=/dev/null
    source "$dir/cluster.env"
}

# N free TCP ports on 127.0.0.1, held open together so that they differ.
free_ports() {
    python3 - "$1" <<'PY'
import socket, sys
held = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    held.append(s)
print(" ".join(str(s.getsockname()[1]) for s in held))
PY
}

# Edits the key set: "add KID" appends a random 32-byte HS256 key,
# "remove KID" drops one. The new file is renamed over the old, so that
# a replica never reads half of it.
edit_keys() {
    python3 - "$dir/keys.json" "$@" <<'PY'
import base64, json, os, secrets, sys
path, action, kid = sys.argv[1:4]
keys = {"keys": []}
if os.path.exists(path):
    with open(path) as f:
        keys = json.load(f)
ids = [k["kid"] for k in keys["keys"]]
if action == "add":
    if kid in ids:
        sys.exit(f"cluster.sh: the key set already has a key {kid!r}")
    secret = base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=")
    keys["keys"].append({"kty": "oct", "kid": kid, "alg": "HS256",
                         "use": "sig", "k": secret.decode()})
else:
    if kid not in ids:
        sys.exit(f"cluster.sh: the key set has no key {kid!r}")
    if len(ids) == 1:
        sys.exit("cluster.sh: the last key cannot be removed")
    keys["keys"] = [k for k in keys["keys"] if k["kid"] != kid]
with open(path + ".next", "w") as f:
    os.fchmod(f.fileno(), 0o600)
    json.dump(keys, f, indent=2)
os.replace(path + ".next", path)
PY
}

# Runs a command as the database's owner: PostgreSQL refuses to run as
# root, so root runs it as the "postgres" user Debian's package creates.
as_database_owner() {
    if ((EUID == 0)); then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

start_replica() {
    local index=$1 port
    port=$(cut -d' ' -f"$index" <<<"$REPLICA_PORTS")
    PGPASSFILE=$dir/pgpass "$BINARY" serve --address 127.0.0.1 \
        --port "$port" --threads 2 --connections 4 \
        --db "$DATABASE_URI?application_name=docs-replica-$index" \
        --keys "$dir/keys.json" --issuing-key "$ISSUING_KEY" --key-check 1 \
        --trusted-proxy 127.0.0.1 --audit "$dir/replica-$index.audit.jsonl" \
        --files "$dir/files" \
        >"$dir/replica-$index.log" 2>&1 &
    echo $! >"$dir/replica-$index.pid"
    for _ in $(seq 100); do
        if grep -q '^docs-service listening on' "$dir/replica-$index.log"; then
            return 0
        fi
        kill -0 "$(cat "$dir/replica-$index.pid")" 2>/dev/null || break
        sleep 0.1
    done
    cat "$dir/replica-$index.log" >&2
    fail "replica $index did not start"
}

# Stops the process in a pid file with `signal`, waiting up to ten
# seconds before killing it.
stop_pid_file() {
    local file=$1 signal=$2 pid
    [[ -f $file ]] || return 0
    pid=$(cat "$file")
    if kill "-$signal" "$pid" 2>/dev/null; then
        for _ in $(seq 100); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$file"
}

up() {
    local binary="" replicas=3
    while (($#)); do
        case $1 in
        --binary) binary=$2; shift 2 ;;
        --replicas) replicas=$2; shift 2 ;;
        *) fail "unknown option $1" ;;
        esac
    done
    [[ -n $binary ]] || binary=$(command -v docs-service || true)
    [[ -x $binary ]] || fail "give the docs-service binary with --binary"
    binary=$(cd "$(dirname "$binary")" && pwd)/$(basename "$binary")
    local pg_bin nginx
    pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
    [[ -x $pg_bin/initdb ]] ||
        fail "PostgreSQL is not installed (Debian: postgresql)"
    nginx=$(command -v nginx || echo /usr/sbin/nginx)
    [[ -x $nginx ]] || fail "nginx is not installed (Debian: nginx)"
    ((EUID != 0)) || id postgres >/dev/null 2>&1 ||
        fail "running as root needs the 'postgres' user of Debian's package"

    [[ ! -e $dir/cluster.env ]] || fail "$dir already holds a cluster"
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    # The database's owner must reach its data directory.
    chmod 755 "$dir"

    local ports
    read -r -a ports <<<"$(free_ports $((replicas + 2)))"
    local pg_port=${ports[0]} nginx_port=${ports[1]}
    local replica_ports=${ports[*]:2}

    # PostgreSQL: a new cluster with password authentication, a
    # superuser for the set-up and a plain role for the service.
    local admin_password service_password
    admin_password=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
    service_password=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
    mkdir "$dir/pg"
    printf '%s\n' "$admin_password" >"$dir/pg/admin-password"
    cp "$here/postgresql.conf" "$dir/pg/clearance.conf"
    if ((EUID == 0)); then
        chown -R postgres: "$dir/pg"
    fi
    as_database_owner "$pg_bin/initdb" -D "$dir/pg/data" -U admin \
        --pwfile="$dir/pg/admin-password" --auth=scram-sha-256 \
        --encoding=UTF8 --no-locale >"$dir/initdb.log" 2>&1 ||
        { cat "$dir/initdb.log" >&2; fail "initdb failed"; }
    as_database_owner sh -c "echo \"include '$dir/pg/clearance.conf'\" \
        >>'$dir/pg/data/postgresql.conf'"
    as_database_owner "$pg_bin/pg_ctl" -D "$dir/pg/data" -l "$dir/pg/server.log" \
        -o "-p $pg_port" -w -t 30 start >/dev/null ||
        { cat "$dir/pg/server.log" >&2; fail "PostgreSQL did not start"; }

    umask 077
    printf '127.0.0.1:%s:*:admin:%s\n127.0.0.1:%s:*:docs_service:%s\n' \
        "$pg_port" "$admin_password" "$pg_port" "$service_password" \
        >"$dir/pgpass"
    PGPASSFILE=$dir/pgpass "$pg_bin/psql" -q -v ON_ERROR_STOP=1 \
        -h 127.0.0.1 -p "$pg_port" -U admin -d postgres <<SQL >/dev/null
CREATE ROLE docs_service LOGIN PASSWORD '$service_password';
CREATE DATABASE docs OWNER docs_service;
CREATE DATABASE docs_store_test OWNER docs_service;
SQL

    cat >"$dir/cluster.env" <<ENV
BINARY=$binary
PG_BIN=$pg_bin
NGINX=$nginx
PG_PORT=$pg_port
NGINX_PORT=$nginx_port
REPLICAS=$replicas
REPLICA_PORTS="$replica_ports"
DATABASE_URI=postgresql://docs_service@127.0.0.1:$pg_port/docs
STORE_TEST_URI=postgresql://docs_service@127.0.0.1:$pg_port/docs_store_test
ISSUING_KEY=key-1
ENV
    umask 022
    load
    edit_keys add key-1

    for index in $(seq "$replicas"); do
        start_replica "$index"
    done

    # nginx, from the committed template.
    mkdir -p "$dir/nginx/temp"
    local servers="" user=""
    for port in $replica_ports; do
        servers+="server 127.0.0.1:$port max_fails=1 fail_timeout=2s; "
    done
    if ((EUID == 0)); then
        # Workers drop root; they write only to the temporary paths.
        user="user nobody nogroup;"
        chown nobody:nogroup "$dir/nginx/temp"
    fi
    sed -e "s|@DIR@|$dir/nginx|g" -e "s|@PORT@|$nginx_port|g" \
        -e "s|@USER@|$user|" -e "s|@SERVERS@|$servers|" \
        "$here/nginx.conf.in" >"$dir/nginx/nginx.conf"
    "$nginx" -t -q -p "$dir/nginx" -c "$dir/nginx/nginx.conf" \
        -e "$dir/nginx/error.log" ||
        fail "the nginx configuration is refused: see $dir/nginx/error.log"
    "$nginx" -p "$dir/nginx" -c "$dir/nginx/nginx.conf" \
        -e "$dir/nginx/error.log" >"$dir/nginx/stderr.log" 2>&1 &
    for _ in $(seq 100); do
        if curl -sf "http://127.0.0.1:$nginx_port/health" >/dev/null; then
            echo "cluster up: nginx on 127.0.0.1:$nginx_port, replicas on" \
                "$replica_ports, PostgreSQL on $pg_port"
            return 0
        fi
        sleep 0.1
    done
    fail "nginx does not answer: see $dir/nginx/error.log"
}

down() {
    [[ -d $dir ]] || return 0
    if [[ -f $dir/cluster.env ]]; then
        load
        # nginx first, so that no request reaches a stopping replica;
        # QUIT lets it finish the requests in flight.
        stop_pid_file "$dir/nginx/nginx.pid" QUIT
        for index in $(seq "$REPLICAS"); do
            stop_pid_file "$dir/replica-$index.pid" TERM
        done
        if [[ -f $dir/pg/data/postmaster.pid ]]; then
            as_database_owner "$PG_BIN/pg_ctl" -D "$dir/pg/data" -m fast \
                -w -t 30 stop >/dev/null || true
        fi
    fi
    rm -rf "$dir"
}

case $command in
up) up "$@" ;;
down) down ;;
kill-replica)
    load
    kill -KILL "$(cat "$dir/replica-${1:?replica number}.pid")"
    ;;
start-replica)
    load
    start_replica "${1:?replica number}"
    ;;
add-key | remove-key)
    load
    edit_keys "${command%-key}" "${1:?key id}"
    ;;
token)
    load
    user=${1:?user name}
    shift
    PGPASSFILE=$dir/pgpass "$BINARY" token "$user" --db "$DATABASE_URI" \
        --keys "$dir/keys.json" --issuing-key "$ISSUING_KEY" "$@"
    ;;
*) fail "unknown command $command" ;;
esac
