#!/usr/bin/env python3
"""LookupEvents latency through the API, per lookup attribute, on whatever
log the server holds (bench/trail_events fill makes a big one).

usage: lookup_latency.py ENDPOINT AKID SECRET [CALLS]
Prints a markdown table: events returned, median and max ms of CALLS calls
(MaxResults 50), the first call included (a cold cache shows in max).
"""
import datetime
import statistics
import sys
import time

import boto3

ep, akid, secret = sys.argv[1:4]
calls = int(sys.argv[4]) if len(sys.argv) > 4 else 7
ct = boto3.client("cloudtrail", endpoint_url=ep, region_name="us-east-1",
                  aws_access_key_id=akid, aws_secret_access_key=secret)
now = datetime.datetime.now(datetime.timezone.utc)
day = datetime.timedelta(days=1)
newest = ct.lookup_events(MaxResults=1)["Events"][0]

cases = [
    ("none", {}),
    ("EventId", {"LookupAttributes": [{"AttributeKey": "EventId",
                                       "AttributeValue": newest["EventId"]}]}),
]
for key, value in [("EventName", "Decrypt"), ("ReadOnly", "true"), ("Username", "user7"),
                   ("ResourceType", "AWS::KMS::Key"),
                   ("ResourceName", "arn:aws:kms:us-east-1:111122223333:key/k-77"),
                   ("EventSource", "iam.amazonaws.com"),
                   ("AccessKeyId", "AKIA0000000000000077")]:
    cases.append((key, {"LookupAttributes": [{"AttributeKey": key, "AttributeValue": value}]}))
cases.append(("time range only, one day 40 days back",
              {"StartTime": now - 41 * day, "EndTime": now - 40 * day}))
cases.append(("Username + a 10-day range",
              {"LookupAttributes": [{"AttributeKey": "Username", "AttributeValue": "user7"}],
               "StartTime": now - 30 * day, "EndTime": now - 20 * day}))
cases.append(("none, page 20 (NextToken)", "paged"))

print("| lookup (MaxResults 50) | events | median ms | max ms |")
print("|---|---|---|---|")
for name, args in cases:
    times, n = [], 0
    for _ in range(calls):
        if args == "paged":
            token = None
            for _ in range(19):
                token = ct.lookup_events(MaxResults=50, **({"NextToken": token} if token else {}))["NextToken"]
            t0 = time.perf_counter()
            out = ct.lookup_events(MaxResults=50, NextToken=token)
        else:
            t0 = time.perf_counter()
            out = ct.lookup_events(MaxResults=50, **args)
        times.append((time.perf_counter() - t0) * 1000)
        n = len(out["Events"])
    print(f"| {name} | {n} | {statistics.median(times):.1f} | {max(times):.1f} |")
