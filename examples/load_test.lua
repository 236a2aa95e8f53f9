-- wrk script of load_test.sh: POSTs the JSON body given after `--`, counts runs by outcome,
-- and prints a summary in the units a reader of runner-node wants.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  wrk.method = "POST"
  wrk.body = args[1]
  wrk.headers["Content-Type"] = "application/json"
  completed, other, refused = 0, 0, 0
end

function response(status, headers, body)
  if status ~= 200 then
    refused = refused + 1
  elseif body:find('"outcome":"completed"', 1, true) and body:find('"status":"Ok"', 1, true) then
    completed = completed + 1
  else
    other = other + 1
  end
end

function done(summary, latency, requests)
  local completed, other, refused = 0, 0, 0
  for _, thread in ipairs(threads) do
    completed = completed + thread:get("completed")
    other = other + thread:get("other")
    refused = refused + thread:get("refused")
  end
  local seconds = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format("runs: %d in %.1f s\n", summary.requests, seconds))
  io.write(string.format("throughput: %.1f runs/s\n", summary.requests / seconds))
  io.write(string.format("latency ms: p50 %.1f  p90 %.1f  p99 %.1f  max %.1f\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
  io.write(string.format("completed Ok: %d  other outcome: %d  refused (non-200): %d\n",
    completed, other, refused))
  io.write(string.format("socket errors: connect %d  read %d  write %d  timeout %d\n",
    e.connect, e.read, e.write, e.timeout))
end
