-- Shared by every scenario script (loaded with dofile). Each wrk thread counts its responses by
-- status code; done() adds the threads up and prints one line, "BENCH_JSON {...}", that run.sh
-- reads: requests, socket errors, statuses, latency percentiles (microseconds) and any counters a
-- scenario keeps in its global table `extra`. Nothing is dropped: a non-2xx response or a socket
-- error is counted and shown.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

statuses = {}
extra = {}

-- Counts one response; scenario scripts that define their own response() call it first.
function count(status)
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
end

function bump(name)
  extra[name] = (extra[name] or 0) + 1
end

function response(status, headers, body)
  count(status)
end

-- Reads a file into an array of its non-empty lines.
function lines_of(path)
  local out = {}
  local f = assert(io.open(path, "r"), "cannot read " .. path)
  for line in f:lines() do
    if #line > 0 then
      out[#out + 1] = line
    end
  end
  f:close()
  return out
end

local function object(t)
  local parts = {}
  for k, v in pairs(t) do
    parts[#parts + 1] = string.format('"%s":%d', k, v)
  end
  return "{" .. table.concat(parts, ",") .. "}"
end

local function add_into(into, from)
  for k, v in pairs(from or {}) do
    into[k] = (into[k] or 0) + v
  end
end

function done(summary, latency, requests)
  local all, counters = {}, {}
  for _, t in ipairs(threads) do
    add_into(all, t:get("statuses"))
    add_into(counters, t:get("extra"))
  end
  local e = summary.errors
  local p = function(q) return latency:percentile(q) end
  io.write(string.format(
    'BENCH_JSON {"duration_us":%d,"requests":%d,"bytes":%d,'
      .. '"errors":{"connect":%d,"read":%d,"write":%d,"status_gt_399":%d,"timeout":%d},'
      .. '"statuses":%s,"extra":%s,'
      .. '"latency_us":{"min":%d,"mean":%.1f,"stdev":%.1f,"max":%d,"p50":%d,"p75":%d,"p90":%d,"p99":%d,"p999":%d}}\n',
    summary.duration, summary.requests, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    object(all), object(counters),
    latency.min, latency.mean, latency.stdev, latency.max, p(50), p(75), p(90), p(99), p(99.9)))
end
