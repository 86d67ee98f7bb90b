-- SPDX-License-Identifier: BSL-1.0
-- The request mix of benchmarks/http/run.sh, the same for every server:
-- out of every 20 requests, 18 are GET /documents/1 with alice's token
-- (her own document), one is GET /documents/2 with the same token
-- (bob's: a guarded server answers 404), one is GET /health. The token
-- comes from the TOKEN environment variable.
--
-- At the end, one line starting "RESULT " gives the totals as JSON.

local token = os.getenv("TOKEN") or ""
local mix = {}
local next_request = 0

function init(args)
   local auth = { ["Authorization"] = "Bearer " .. token }
   for i = 1, 18 do
      mix[#mix + 1] = wrk.format("GET", "/documents/1", auth)
   end
   mix[#mix + 1] = wrk.format("GET", "/documents/2", auth)
   mix[#mix + 1] = wrk.format("GET", "/health")
end

function request()
   next_request = next_request % #mix + 1
   return mix[next_request]
end

function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      'RESULT {"requests": %d, "duration_us": %d, "non2xx": %d, ' ..
      '"socket_errors": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, ' ..
      '"mean_us": %.1f}\n',
      summary.requests, summary.duration, e.status,
      e.connect + e.read + e.write + e.timeout,
      latency:percentile(50), latency:percentile(90),
      latency:percentile(99), latency.mean))
end
