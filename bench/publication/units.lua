-- wrk: request the unit pages in turn, from the list in UNITS (one path per line).
local paths = {}
for line in io.lines(os.getenv("UNITS")) do
  paths[#paths + 1] = line
end
local i = 0
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
