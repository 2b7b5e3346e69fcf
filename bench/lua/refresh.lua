-- POST /auth/refresh where every request presents the refresh token that the previous response of
-- the same chain returned, so each token is rotated exactly once (real rotation, a transaction per
-- request). Each thread takes its own PER_THREAD lines of TOKENS_FILE (one login each): one chain
-- per connection, plus spares. A connection that needs a request takes a chain whose token is
-- free; the response gives the chain its next token. A failed rotation ends its chain (counted
-- as "chain_broken"); a request with no chain left is sent with a dead token and counted
-- ("starved") as well as failing visibly with its status.
-- wrk <auth-url>/auth/refresh -s refresh.lua -- TOKENS_FILE PER_THREAD
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "common.lua")

local free = {}
local headers

local function body_for(token)
  return '{"refresh_token":"' .. token .. '"}'
end

function init(args)
  local all = lines_of(args[1])
  local per = tonumber(args[2])
  local first = ((id or 1) - 1) * per
  for n = first + 1, first + per do
    assert(all[n], "not enough refresh tokens in " .. args[1])
    free[#free + 1] = all[n]
  end
  headers = { ["Content-Type"] = "application/json", ["Host"] = wrk.headers["Host"] }
end

function request()
  local token = table.remove(free)
  if token == nil then
    bump("starved")
    token = "exhausted"
  end
  return wrk.format("POST", nil, headers, body_for(token))
end

function response(status, hdrs, body)
  count(status)
  if status == 200 then
    local next_token = body:match('"refresh_token":"([^"]+)"')
    if next_token then
      free[#free + 1] = next_token
      bump("rotated")
      return
    end
  end
  bump("chain_broken")
end
