#!/usr/bin/env python3
# SPDX-License-Identifier: BSL-1.0
"""The deployment test's client: drives a cluster that cluster.sh started.

    deployment_client.py CLUSTER_SH DIR

Checks, with exact values, that a document created through one replica
is visible and equally protected through the others; that a mixed load
through nginx gets a correct answer for every request while a replica is
killed, with no document lost or duplicated; that a revoked token is
refused by every replica; and that the key file rotates without a
restart. Prints the figures it measured as JSON on its last line, and
exits 1 if any check failed.
"""

import http.client
import json
import os
import subprocess
import sys
import threading
import time

CLUSTER_SH, DIRECTORY = sys.argv[1:3]
LOAD_THREADS = 6
LOAD_SECONDS = 9.0
KILL_AFTER = 3.0
KILLED = 2

settings = {}
with open(os.path.join(DIRECTORY, "cluster.env")) as f:
    for line in f:
        name, _, value = line.strip().partition("=")
        settings[name] = value.strip('"')
NGINX = int(settings["NGINX_PORT"])
REPLICAS = [int(p) for p in settings["REPLICA_PORTS"].split()]

failures = []


def check(condition, what):
    if not condition:
        failures.append(what)
        print("FAIL:", what, flush=True)
    return condition


def cluster(*arguments):
    return subprocess.run([CLUSTER_SH, arguments[0], DIRECTORY,
                           *arguments[1:]], check=True, capture_output=True,
                          text=True).stdout.strip()


def token(user, *options):
    return cluster("token", user, *options)


def sql(statement):
    """One query on the shared database, as the service's role."""
    environment = dict(os.environ, PGPASSFILE=os.path.join(DIRECTORY, "pgpass"))
    return subprocess.run(
        [os.path.join(settings["PG_BIN"], "psql"), "-h", "127.0.0.1", "-p",
         settings["PG_PORT"], "-U", "docs_service", "-d", "docs", "-At",
         "-F", "|", "-c", statement],
        check=True, capture_output=True, text=True,
        env=environment).stdout.strip()


class connection:
    """One keep-alive HTTP/1.1 connection to 127.0.0.1:port."""

    def __init__(self, port):
        self.port = port
        self.http = None

    def call(self, method, path, bearer=None, body=None):
        """Returns (status, headers without Date, body). Raises OSError or
        http.client.HTTPException when the exchange fails."""
        if self.http is None:
            self.http = http.client.HTTPConnection("127.0.0.1", self.port,
                                                   timeout=15)
        headers = {}
        if bearer:
            headers["Authorization"] = "Bearer " + bearer
        if body is not None:
            body = json.dumps(body)
            headers["Content-Type"] = "application/json"
        try:
            self.http.request(method, path, body=body, headers=headers)
            response = self.http.getresponse()
            data = response.read()
        except Exception:
            self.http.close()
            self.http = None
            raise
        kept = sorted((k.lower(), v) for k, v in response.getheaders()
                      if k.lower() != "date")
        if response.getheader("Connection", "").lower() == "close":
            self.http.close()
            self.http = None
        return response.status, kept, data


def once(port, method, path, bearer=None, body=None):
    return connection(port).call(method, path, bearer, body)


def challenge(answer):
    return dict(answer[1]).get("www-authenticate", "")


SEED_DOCUMENT_1 = {"id": 1, "owner": "alice", "tenant": "acme",
                   "title": "Alice's plan", "body": "Ship the first release."}


def refused_as_revoked(answer):
    return answer[0] == 401 and challenge(answer) == (
        'Bearer realm="docs-service", error="invalid_token", '
        'error_description="the token has been revoked"')


def refused_as_unknown_key(answer):
    return answer[0] == 401 and challenge(answer) == (
        'Bearer realm="docs-service", error="invalid_token", '
        'error_description="the token key is not known"')


# --- A document created through one replica, seen through the others --

alice, bob, eve, root = (token(u) for u in ("alice", "bob", "eve", "root"))
status, _, body = once(REPLICAS[0], "POST", "/documents", alice,
                       {"title": "Shared", "body": "Made on replica 1."})
check(status == 201, f"create on replica 1: {status}")
shared = json.loads(body)
check(shared == {"id": shared["id"], "owner": "alice", "tenant": "acme",
                 "title": "Shared", "body": "Made on replica 1."},
      f"created document: {shared}")
shared_path = f"/documents/{shared['id']}"
for index, port in enumerate(REPLICAS, 1):
    got = once(port, "GET", shared_path, alice)
    check(got[0] == 200 and json.loads(got[2]) == shared,
          f"replica {index} shows alice her document: {got[0]} {got[2]!r}")
    got = once(port, "GET", shared_path, root)
    check(got[0] == 200 and json.loads(got[2]) == shared,
          f"replica {index} shows the tenant's admin the document: {got[0]}")
    for name, bearer in (("bob", bob), ("eve", eve)):
        concealed = once(port, "GET", shared_path, bearer)
        missing = once(port, "GET", "/documents/999999999", bearer)
        check(concealed[0] == 404 and concealed == missing,
              f"replica {index} conceals it from {name} exactly as a miss: "
              f"{concealed} != {missing}")
    listed = json.loads(once(port, "GET", "/documents", alice)[2])
    check([d["id"] for d in listed["documents"]] == [1, shared["id"]],
          f"replica {index} lists alice's documents: {listed}")
    listed = json.loads(once(port, "GET", "/documents", bob)[2])
    check([d["id"] for d in listed["documents"]] == [2],
          f"replica {index} lists bob's documents: {listed}")

not_found_body = once(NGINX, "GET", "/documents/1", bob)[2]

# --- Mixed load through nginx while a replica is killed ---------------

lock = threading.Lock()
records = []          # (start, end, method, correct)
created = {}          # title -> id, for every POST that took effect
client_retries = []   # titles whose POST was sent again by this client
uncertain = []        # titles whose first POST got no answer


def replica_sessions_gone():
    """Waits until the killed replica has no session left in the database,
    so that whatever transaction it had in flight is committed or rolled
    back for good."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if sql("SELECT count(*) FROM pg_stat_activity WHERE "
               f"application_name = 'docs-replica-{KILLED}'") == "0":
            return True
        time.sleep(0.05)
    return False


def resolve(client, title):
    """A POST whose answer was lost: look in the store, and send it again
    only if it did not take effect."""
    check(replica_sessions_gone(), "the killed replica's sessions end")
    ids = sql(f"SELECT id FROM documents WHERE title = '{title}'").split()
    if ids:
        return int(ids[0])
    with lock:
        client_retries.append(title)
    status, _, body = client.call("POST", "/documents", alice,
                                  {"title": title, "body": "load"})
    check(status == 201, f"the retried POST of {title}: {status}")
    return json.loads(body)["id"] if status == 201 else None


def load(thread, stop_at):
    client = connection(NGINX)
    n = 0
    while time.monotonic() < stop_at:
        kind = n % 6
        n += 1
        start = time.monotonic()
        method, correct = "GET", False
        try:
            if kind == 0:
                status, _, body = client.call("GET", "/health")
                correct = status == 200 and json.loads(body) == {"status": "ok"}
            elif kind == 1:
                status, _, body = client.call("GET", "/documents/1", alice)
                correct = status == 200 and json.loads(body) == SEED_DOCUMENT_1
            elif kind == 2:
                status, _, body = client.call("GET", "/documents/1", bob)
                correct = status == 404 and body == not_found_body
            elif kind == 3:
                status, _, body = client.call("GET", "/documents/3", root)
                correct = status == 404 and body == not_found_body
            elif kind == 4:
                status, _, body = client.call("GET", "/documents", alice)
                listed = json.loads(body)["documents"] if status == 200 else []
                correct = status == 200 and listed[0] == SEED_DOCUMENT_1 and all(
                    d["owner"] == "alice" and d["tenant"] == "acme"
                    for d in listed)
            else:
                method = "POST"
                title = f"load-{thread}-{n}"
                try:
                    status, _, body = client.call(
                        "POST", "/documents", alice,
                        {"title": title, "body": "load"})
                except (OSError, http.client.HTTPException):
                    status, body = None, b""
                if status == 201:
                    document = json.loads(body)
                    correct = document == {
                        "id": document["id"], "owner": "alice",
                        "tenant": "acme", "title": title, "body": "load"}
                    with lock:
                        created[title] = document["id"]
                elif status in (None, 502, 504):
                    with lock:
                        uncertain.append(title)
                    taken = resolve(client, title)
                    correct = taken is not None
                    if taken is not None:
                        with lock:
                            created[title] = taken
        except (OSError, http.client.HTTPException) as e:
            print("request failed:", e, flush=True)
        end = time.monotonic()
        with lock:
            records.append((start, end, method, correct))


begin = time.monotonic()
workers = [threading.Thread(target=load, args=(t, begin + LOAD_SECONDS))
           for t in range(LOAD_THREADS)]
for worker in workers:
    worker.start()
time.sleep(KILL_AFTER)
killed_at = time.monotonic()
cluster("kill-replica", str(KILLED))
for worker in workers:
    worker.join()
elapsed = time.monotonic() - begin

wrong = [r for r in records if not r[3]]
check(not wrong, f"{len(wrong)} requests got a wrong answer or none")
latencies = sorted(r[1] - r[0] for r in records)
around_kill = [r[1] - r[0] for r in records
               if r[1] >= killed_at and r[0] <= killed_at + 3]

rows = sql("SELECT title, count(*), min(id) FROM documents "
           "WHERE title LIKE 'load-%' GROUP BY title").splitlines()
stored = {}
duplicated = []
for row in rows:
    title, count, first_id = row.split("|")
    stored[title] = int(first_id)
    if count != "1":
        duplicated.append(title)
check(not duplicated, f"documents stored twice: {duplicated}")
lost = [t for t in created if stored.get(t) != created[t]]
check(not lost, f"documents answered 201 but not stored: {lost}")
unknown = [t for t in stored if t not in created]
check(not unknown, f"documents stored but not known to the client: {unknown}")
posts = [r for r in records if r[2] == "POST"]
check(len(created) == len(posts),
      f"{len(posts)} POSTs, {len(created)} documents created")

nginx_retried = 0
nginx_retried_posts = 0
with open(os.path.join(DIRECTORY, "nginx", "access.log")) as f:
    for line in f:
        if "," in line.split('"')[1]:
            nginx_retried += 1
            nginx_retried_posts += " POST " in line

# The killed replica comes back, with nothing to recover.
cluster("start-replica", str(KILLED))
got = once(REPLICAS[KILLED - 1], "GET", shared_path, alice)
check(got[0] == 200 and json.loads(got[2]) == shared,
      f"the restarted replica serves the shared document: {got[0]}")

# --- Revocation --------------------------------------------------------

leaving, staying = token("bob"), token("bob")
for index, port in enumerate(REPLICAS, 1):
    check(once(port, "GET", "/documents/2", leaving)[0] == 200,
          f"replica {index} accepts bob's token before logout")
status, _, _ = once(NGINX, "POST", "/logout", leaving)
logged_out = time.monotonic()
check(status == 204, f"logout through nginx: {status}")
refused_after = []
for index, port in enumerate(REPLICAS, 1):
    got = once(port, "GET", "/documents/2", leaving)
    refused_after.append(time.monotonic() - logged_out)
    check(refused_as_revoked(got),
          f"replica {index} refuses the revoked token at once: {got}")
    check(once(port, "GET", "/documents/2", staying)[0] == 200,
          f"replica {index} accepts bob's other token")
check(refused_as_revoked(once(NGINX, "GET", "/documents", leaving)),
      "nginx's replicas refuse the revoked token")

# --- Key rotation --------------------------------------------------------

pids = [open(os.path.join(DIRECTORY, f"replica-{i}.pid")).read().strip()
        for i in range(1, len(REPLICAS) + 1)]
old = token("alice")


def accepted_everywhere(bearer):
    return all(once(p, "GET", "/documents/1", bearer)[0] == 200
               for p in REPLICAS)


def until(condition, limit):
    """Seconds until `condition()` holds, polled every 20 ms, or None."""
    start = time.monotonic()
    while time.monotonic() - start < limit:
        if condition():
            return time.monotonic() - start
        time.sleep(0.02)
    return None


cluster("add-key", "key-2")
new = token("alice", "--issuing-key", "key-2")
new_key_accepted = until(lambda: accepted_everywhere(new), 5)
check(new_key_accepted is not None and new_key_accepted <= 1.5,
      f"every replica accepts the new key within 1.5 s: {new_key_accepted}")
check(accepted_everywhere(old), "the old key still verifies in its grace time")

keys_file = os.path.join(DIRECTORY, "keys.json")
with open(keys_file) as f:
    good_keys = f.read()
with open(keys_file + ".next", "w") as f:
    f.write('{"keys": [')
os.replace(keys_file + ".next", keys_file)
time.sleep(1.5)
check(accepted_everywhere(old) and accepted_everywhere(new),
      "a broken key file keeps the keys in use")
with open(keys_file + ".next", "w") as f:
    f.write(good_keys)
os.replace(keys_file + ".next", keys_file)
for index in range(1, len(REPLICAS) + 1):
    with open(os.path.join(DIRECTORY, f"replica-{index}.log")) as f:
        check("is not valid JSON; the keys in use are kept" in f.read(),
              f"replica {index} reports the broken key file")

cluster("remove-key", "key-1")
old_key_refused = until(lambda: all(
    refused_as_unknown_key(once(p, "GET", "/documents/1", old))
    for p in REPLICAS), 5)
check(old_key_refused is not None and old_key_refused <= 1.5,
      f"every replica refuses the retired key within 1.5 s: {old_key_refused}")
check(accepted_everywhere(new), "the new key verifies after the old one went")
check(pids == [open(os.path.join(DIRECTORY, f"replica-{i}.pid")).read().strip()
               for i in range(1, len(REPLICAS) + 1)]
      and all(subprocess.run(["kill", "-0", p]).returncode == 0 for p in pids),
      "no replica was restarted to rotate keys")

figures = {
    "load_seconds": round(elapsed, 2),
    "load_threads": LOAD_THREADS,
    "requests": len(records),
    "requests_per_second": round(len(records) / elapsed),
    "posts": len(posts),
    "wrong_answers": len(wrong),
    "posts_without_answer": len(uncertain),
    "client_retries": len(client_retries),
    "nginx_retries": nginx_retried,
    "nginx_retried_posts": nginx_retried_posts,
    "duplicated_documents": len(duplicated),
    "lost_documents": len(lost),
    "latency_p50_ms": round(1000 * latencies[len(latencies) // 2], 1),
    "latency_p99_ms": round(1000 * latencies[len(latencies) * 99 // 100], 1),
    "failover_max_latency_ms": round(1000 * max(around_kill), 1),
    "revoked_refused_after_ms": round(1000 * max(refused_after), 1),
    "new_key_accepted_after_ms": round(1000 * (new_key_accepted or -1)),
    "old_key_refused_after_ms": round(1000 * (old_key_refused or -1)),
}
print(json.dumps(figures), flush=True)
sys.exit(1 if failures else 0)
