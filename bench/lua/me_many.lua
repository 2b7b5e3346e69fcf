-- GET /api/me with a different bearer token on each request, cycling through a file of tokens
-- (one per line). Requests are formatted in init(); each thread starts at its own offset.
-- wrk <resource-url>/api/me -s me_many.lua -- TOKENS_FILE
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "common.lua")

local reqs = {}
local i = 0

function init(args)
  local tokens = lines_of(args[1])
  for n, token in ipairs(tokens) do
    reqs[n] = wrk.format("GET", nil, { ["Authorization"] = "Bearer " .. token, ["Host"] = wrk.headers["Host"] })
  end
  i = math.floor(#reqs * ((id or 1) - 1) / 2)
end

function request()
  i = i + 1
  if i > #reqs then
    i = 1
  end
  return reqs[i]
end
