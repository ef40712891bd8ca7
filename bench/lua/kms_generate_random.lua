-- A small awsJson request: KMS GenerateRandom for 32 bytes.
wrk.method = "POST"
wrk.path = "/"
wrk.headers["Content-Type"] = "application/x-amz-json-1.1"
wrk.headers["X-Amz-Target"] = "TrentService.GenerateRandom"
wrk.body = '{"NumberOfBytes": 32}'

-- Count non-2xx answers so a run of errors is never reported as speed.
local bad = 0
response = function(status, headers, body)
  if status ~= 200 then bad = bad + 1 end
end
done = function(summary, latency, requests)
  io.write(string.format("non2xx=%d p99_us=%d\n", summary.errors.status, latency:percentile(99)))
end
