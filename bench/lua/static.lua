-- One fixed request: wrk <url> -H ... -s static.lua -- METHOD [BODY]
-- (headers come from wrk's -H; the request is formatted once per thread)
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "common.lua")

function init(args)
  wrk.method = args[1] or "GET"
  if args[2] and args[2] ~= "" then
    wrk.body = args[2]
  end
end
