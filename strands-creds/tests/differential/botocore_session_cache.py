"""Resolve a role profile with botocore's assume-role provider using the
AWS CLI's file cache (botocore.utils.JSONFileCache), as the CLI does.

argv: profile, cache dir, mfa code ("" = any prompt is an error)
Prints one JSON line: the role session's ARN and access key, or the error.
"""
import json
import sys

import boto3
import botocore.session
from botocore.utils import JSONFileCache


def main():
    profile, cache_dir, mfa = sys.argv[1], sys.argv[2], sys.argv[3]
    try:
        session = botocore.session.Session(profile=profile)
        provider = session.get_component("credential_provider").get_provider("assume-role")
        provider.cache = JSONFileCache(cache_dir)

        def prompter(_prompt):
            if not mfa:
                raise RuntimeError("prompted for an MFA code")
            return mfa

        provider._prompter = prompter
        creds = session.get_credentials().get_frozen_credentials()
        ident = boto3.Session(botocore_session=session).client("sts").get_caller_identity()
        out = {"ok": True, "arn": ident["Arn"], "key": creds.access_key}
    except Exception as e:
        out = {"ok": False, "error": f"{type(e).__name__}: {e}"}
    print(json.dumps(out))


main()
