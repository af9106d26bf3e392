-- wrk script for bench/gateway_read.sh: GET /v1/clues/{id} for every clue id in the file named
-- by CLUE_IDS_FILE (one per line), each connection's thread walking the list from its own
-- starting point, so the run reads the county's clues rather than one clue over and over.
local ids = {}
local next_index = 0

function init(args)
  for line in io.lines(os.getenv("CLUE_IDS_FILE")) do
    if line ~= "" then ids[#ids + 1] = line end
  end
  if #ids == 0 then error("no clue ids in " .. os.getenv("CLUE_IDS_FILE")) end
  next_index = math.random(#ids)
end

function request()
  next_index = next_index % #ids + 1
  return wrk.format("GET", "/v1/clues/" .. ids[next_index])
end
