"""Resolve credentials and region the way boto3 does, on the files and
environment this process was given, and ask STS who that is.

Used by strands-creds/tests/differential.rs: the same scenario is resolved
here and by strands, against one moto_server (AWS_ENDPOINT_URL), and the
answers are compared. Prints one JSON line.

argv: [profile or ""] [mfa code or ""]
"""
import json
import sys

import boto3
import botocore.session


def main():
    profile = sys.argv[1] or None
    mfa = sys.argv[2] if len(sys.argv) > 2 else ""
    try:
        session = botocore.session.Session(profile=profile)
        if mfa:
            # botocore asks getpass for the code; answer as a person would.
            provider = session.get_component("credential_provider").get_provider("assume-role")
            provider._prompter = lambda _prompt: mfa
        creds = session.get_credentials()
        if creds is None:
            raise RuntimeError("no credentials")
        frozen = creds.get_frozen_credentials()
        b3 = boto3.Session(botocore_session=session)
        ident = b3.client("sts").get_caller_identity()
        out = {
            "ok": True,
            "arn": ident["Arn"],
            "key": frozen.access_key,
            "region": b3.region_name,
        }
    except Exception as e:  # every failure is an answer to compare
        out = {"ok": False, "error": f"{type(e).__name__}: {e}"}
    print(json.dumps(out))


main()
