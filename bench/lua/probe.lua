-- A low-rate probe (one request every 10 ms per connection) on the open route, run beside a
-- flood to show whether the event loops stay free: its latency is the loops' responsiveness.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "common.lua")

function delay()
  return 10
end
