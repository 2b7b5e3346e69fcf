-- POST /auth/login {"username","password"} round-robin over COUNT users PREFIX001..PREFIX<COUNT>.
-- wrk <auth-url>/auth/login -s login.lua -- PREFIX COUNT PASSWORD
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "common.lua")

local reqs = {}
local i = 0

function init(args)
  local prefix, count, password = args[1], tonumber(args[2]), args[3]
  for n = 1, count do
    local body = string.format('{"username":"%s%03d","password":"%s"}', prefix, n, password)
    reqs[n] = wrk.format("POST", nil, { ["Content-Type"] = "application/json", ["Host"] = wrk.headers["Host"] }, body)
  end
  i = (id or 1) - 1
end

function request()
  i = i % #reqs + 1
  return reqs[i]
end
