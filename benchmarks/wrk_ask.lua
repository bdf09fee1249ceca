-- wrk script: GET /api/ask cycling over the questions of a file (one per line), for a load generator that
-- costs the server's cores less than benchmarks/load.py's Python client. Used as
--   QUESTIONS=questions.txt wrk -t1 -c32 -d20s --latency -s benchmarks/wrk_ask.lua http://127.0.0.1:PORT
-- (benchmarks/load_wrk.py writes the file and starts the server).
local questions = {}
local counter = 0

local function urlencode(text)
  return (text:gsub("[^%w%-_%.~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

function init(args)
  for line in io.lines(os.getenv("QUESTIONS")) do
    questions[#questions + 1] = "/api/ask?q=" .. urlencode(line)
  end
end

function request()
  counter = counter + 1
  return wrk.format("GET", questions[(counter % #questions) + 1])
end

function response(status, headers, body)
  if status ~= 200 then
    io.stderr:write("status " .. status .. "\n")
  end
end
