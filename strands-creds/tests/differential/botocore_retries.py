"""Make S3 ListBuckets calls the way botocore's standard retry mode makes
them, against a scripted local endpoint, and report per call how many
attempts botocore made and how many tokens its retry quota has left.

Used by strands-creds/tests/retry_differential.rs: the same script of
answers is served to botocore, to strands' own loop and to a client from
strands' manager, and their decisions are compared call by call.

Run with PYTHONPATH pointing at one pinned botocore (1.44.x: retry
behavior 2.1, its only standard mode; 1.43.x with retries={"mode":
"standard"}: behavior 2.0). botocore's sleeps are patched out: the delays
are random and are not what is compared.

argv: endpoint calls read_timeout_seconds
Prints one JSON object: {"version", "calls": [{"attempts", "quota", "ok"}]}
"""
import json
import sys
import time

import botocore
import botocore.retries.quota
import botocore.session
from botocore.config import Config

QUOTAS = []
_init = botocore.retries.quota.RetryQuota.__init__


def _record(self, *args, **kwargs):
    _init(self, *args, **kwargs)
    QUOTAS.append(self)


botocore.retries.quota.RetryQuota.__init__ = _record
time.sleep = lambda _seconds: None


def main():
    endpoint, calls, read_timeout = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    session = botocore.session.Session()
    client = session.create_client(
        "s3",
        region_name="us-east-1",
        endpoint_url=endpoint,
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        config=Config(
            retries={"mode": "standard"},
            read_timeout=read_timeout,
            connect_timeout=2,
            s3={"addressing_style": "path"},
        ),
    )
    attempts = [0]

    def count(**_kwargs):
        attempts[0] += 1

    client.meta.events.register("before-send.s3", count)
    out = []
    for _ in range(calls):
        attempts[0] = 0
        try:
            client.list_buckets()
            ok = True
        except Exception:  # every failure is an answer to compare
            ok = False
        quota = QUOTAS[-1].available_capacity if QUOTAS else None
        out.append({"attempts": attempts[0], "quota": quota, "ok": ok})
    print(json.dumps({"version": botocore.__version__, "calls": out}))


main()
