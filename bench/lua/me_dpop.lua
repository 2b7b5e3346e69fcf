-- GET /api/me with a DPoP-bound access token (Authorization: DPoP) and a proof per request: each
-- proof is used once (the server refuses a replayed jti), read from this thread's own file of
-- proofs made beforehand by tools/DpopProofGen.java. When a thread has used all its proofs it
-- starts again from the first: those replays are answered 401 and show as non-2xx (the kit sizes
-- the files so that this does not happen), counted in "proofs_reused".
-- wrk <resource-url>/api/me -s me_dpop.lua -- PREFIX   (reads PREFIX-token.txt and PREFIX-<thread>.txt)
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "common.lua")

local reqs = {}
local i = 0

function init(args)
  local token = lines_of(args[1] .. "-token.txt")[1]
  local proofs = lines_of(args[1] .. "-" .. (id or 1) .. ".txt")
  for n, proof in ipairs(proofs) do
    reqs[n] = wrk.format("GET", nil, { ["Authorization"] = "DPoP " .. token, ["DPoP"] = proof,
      ["Host"] = wrk.headers["Host"] })
  end
end

function request()
  i = i + 1
  if i > #reqs then
    i = 1
    bump("proofs_reused")
  end
  return reqs[i]
end
