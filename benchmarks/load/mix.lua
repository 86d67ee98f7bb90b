-- SPDX-License-Identifier: BSL-1.0
-- The request mix of benchmarks/load/run.sh, for wrk against the
-- example documents service: valid requests and five kinds of refused
-- ones, every answer checked against what its kind must get.
--
--   wrk ... --script mix.lua http://127.0.0.1:PORT -- ALICE BOB ROOT
--
-- where ALICE, BOB and ROOT are the users' bearer tokens.
--
-- wrk's response callback is not told which request a response answers,
-- and every refusal of a kind is byte for byte the same whatever was
-- asked. So each kind is sent so that its answer is marked with a class
-- the server copies from the request, independently of any access
-- decision: HTTP/1.1 kept alive (the answer has no Connection field),
-- HTTP/1.1 with "Connection: close" (answered "close") or HTTP/1.0 with
-- "Connection: keep-alive" (answered "keep-alive"). Valid requests have a
-- class of their own, so that a refused request answered 200 is a
-- mismatch at once; concealed requests are in another class than
-- forbidden ones, so that a 403 that gives away a record is too. Within
-- a class each kind expects a different answer, and a kind may not get
-- more expected answers than it sent requests: a confusion between two
-- kinds of one class shows as an excess, unless the requests still
-- unanswered when the run ends hide it (at most one per connection).

local tokens = {}
local kinds = {
    {
        name = "valid", weight = 50, version = "1.1",
        user = "alice", targets = { "/documents/1" },
        status = 200, body = "\"title\":\"Alice's plan\"",
    },
    {
        name = "concealed", weight = 10, version = "1.1", close = true,
        user = "bob", targets = { "/documents/1", "/documents/3" },
        status = 404,
    },
    {
        name = "malformed", weight = 10, version = "1.1", close = true,
        user = "root",
        targets = {
            "/admin%2Fusers", "/documents/%2e%2e/admin/users",
            "/documents/1;x", "/documents%C0%AF1", "/documents/1%00",
            "/documents/%u0031", "/admin/users/..", "/documents\\1",
        },
        status = 400,
    },
    {
        name = "unauthenticated", weight = 10, version = "1.0",
        targets = { "/documents/1", "/admin/users", "/documents" },
        status = 401, challenge = 'Bearer realm="docs-service"', exact = true,
    },
    {
        name = "bad_token", weight = 10, version = "1.0",
        user = "forged", targets = { "/documents/1", "/admin/users" },
        status = 401,
        challenge = 'Bearer realm="docs-service", error="invalid_token"',
    },
    {
        name = "forbidden", weight = 10, version = "1.0",
        user = "bob", targets = { "/admin/users" },
        status = 403,
    },
}

-- The class a response is marked with, from its Connection field.
local function class_of_kind(kind)
    if kind.version == "1.0" then
        return "keep-alive"
    end
    return kind.close and "close" or "none"
end

local function class_of_response(headers)
    local connection = headers["Connection"]
    return connection and string.lower(connection) or "none"
end

local function answers(kind, status, headers, body)
    if status ~= kind.status then
        return false
    end
    if kind.challenge then
        local challenge = headers["WWW-Authenticate"] or ""
        if kind.exact then
            return challenge == kind.challenge
        end
        return challenge:sub(1, #kind.challenge) == kind.challenge
    end
    if kind.body then
        return body:find(kind.body, 1, true) ~= nil
    end
    return true
end

-- Main state: the threads, to gather their counts when the run ends.
local threads = {}

function setup(thread)
    table.insert(threads, thread)
    thread:set("thread_number", #threads)
end

-- Thread states: what was sent and how it was answered.
sent, matched, received, mismatches, examples = {}, {}, 0, 0, {}
local requests, total_weight, skip = {}, 0, 0

function init(args)
    tokens.alice, tokens.bob, tokens.root = args[1], args[2], args[3]
    if not tokens.root then
        error("mix.lua needs the tokens of alice, bob and root")
    end
    -- A well-formed token whose signature does not verify.
    local tail = tokens.alice:sub(-2) == "AA" and "BB" or "AA"
    tokens.forged = tokens.alice:sub(1, -3) .. tail
    local host = "Host: " .. wrk.host .. ":" .. wrk.port .. "\r\n"
    for _, kind in ipairs(kinds) do
        kind.built = {}
        for _, target in ipairs(kind.targets) do
            local raw = "GET " .. target .. " HTTP/" .. kind.version .. "\r\n"
                .. host
            if kind.user then
                raw = raw .. "Authorization: Bearer " .. tokens[kind.user]
                    .. "\r\n"
            end
            if kind.version == "1.0" then
                raw = raw .. "Connection: keep-alive\r\n"
            elseif kind.close then
                raw = raw .. "Connection: close\r\n"
            end
            table.insert(kind.built, raw .. "\r\n")
        end
        total_weight = total_weight + kind.weight
        sent[kind.name], matched[kind.name] = 0, 0
    end
    math.randomseed(os.time() * 100 + thread_number)
    -- wrk asks the first thread for one request before the run, to
    -- check that it parses; it is never sent.
    skip = thread_number == 1 and 1 or 0
end

function request()
    local pick = math.random(total_weight)
    local kind
    for _, candidate in ipairs(kinds) do
        kind = candidate
        pick = pick - candidate.weight
        if pick <= 0 then
            break
        end
    end
    if skip > 0 then
        skip = skip - 1
    else
        sent[kind.name] = sent[kind.name] + 1
    end
    return kind.built[math.random(#kind.built)]
end

function response(status, headers, body)
    received = received + 1
    local class = class_of_response(headers)
    for _, kind in ipairs(kinds) do
        if class_of_kind(kind) == class and answers(kind, status, headers,
                                                    body) then
            matched[kind.name] = matched[kind.name] + 1
            return
        end
    end
    mismatches = mismatches + 1
    if #examples < 5 then
        table.insert(examples, status .. " (Connection: " .. class .. ") "
            .. body:sub(1, 120))
    end
end

function done(summary, latency, requests_stats)
    local total = { sent = 0, received = 0, mismatches = 0 }
    local by_kind = {}
    for _, kind in ipairs(kinds) do
        by_kind[kind.name] = { sent = 0, matched = 0 }
    end
    local shown = {}
    for _, thread in ipairs(threads) do
        local thread_sent, thread_matched = thread:get("sent"),
            thread:get("matched")
        for name, counts in pairs(by_kind) do
            counts.sent = counts.sent + (thread_sent[name] or 0)
            counts.matched = counts.matched + (thread_matched[name] or 0)
        end
        total.received = total.received + thread:get("received")
        total.mismatches = total.mismatches + thread:get("mismatches")
        for _, example in ipairs(thread:get("examples")) do
            table.insert(shown, example)
        end
    end
    io.write("\nanswers by kind (sent / answered as expected):\n")
    local excess = 0
    for _, kind in ipairs(kinds) do
        local counts = by_kind[kind.name]
        total.sent = total.sent + counts.sent
        io.write(string.format("  %-16s %9d / %9d  (%d expected, class %s)\n",
            kind.name, counts.sent, counts.matched, kind.status,
            class_of_kind(kind)))
        if counts.matched > counts.sent then
            excess = excess + counts.matched - counts.sent
        end
    end
    local errors = summary.errors
    io.write(string.format(
        "responses checked: %d; unanswered when the run ended: %d\n",
        total.received, total.sent - total.received))
    io.write(string.format(
        "socket errors: connect %d, read %d, write %d, timeout %d\n",
        errors.connect, errors.read, errors.write, errors.timeout))
    io.write(string.format(
        "latency (ms): p50 %.2f, p90 %.2f, p99 %.2f, p99.9 %.2f, max %.2f\n",
        latency:percentile(50) / 1000, latency:percentile(90) / 1000,
        latency:percentile(99) / 1000, latency:percentile(99.9) / 1000,
        latency.max / 1000))
    io.write(string.format("requests/s: %.0f\n",
        summary.requests / (summary.duration / 1e6)))
    for _, example in ipairs(shown) do
        io.write("mismatch: " .. example .. "\n")
    end
    io.write(string.format("mismatches: %d\n", total.mismatches + excess))
end
