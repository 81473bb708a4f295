"""Prepares a fresh moto server for Stevedore's tests (called by scripts/services up).

moto verifies SigV4 signatures once its first INITIAL_NO_AUTH_ACTION_COUNT requests are spent.
Those requests create an IAM user with an allow-all policy and an access key. With that key, a role
with an allow-all policy is created and assumed (STS): the tests sign with the role's temporary key,
secret and session token, so every request carries a token moto checks. The test bucket is created
with them, and a wrong secret and a wrong token are checked to be refused.
Prints the temporary credentials as shell assignments on stdout.
"""
import json
import sys

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

endpoint, region, bucket = sys.argv[1:4]
config = Config(retries={"max_attempts": 1}, s3={"addressing_style": "path"})

iam = boto3.client("iam", endpoint_url=endpoint, region_name=region,
                   aws_access_key_id="bootstrap", aws_secret_access_key="bootstrap", config=config)
iam.create_user(UserName="stevedore-test")                                   # request 1
iam.put_user_policy(UserName="stevedore-test", PolicyName="allow-all",       # request 2
                    PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
                        {"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
key = iam.create_access_key(UserName="stevedore-test")["AccessKey"]          # request 3

def client(service, key_id, secret, token=None):
    return boto3.client(service, endpoint_url=endpoint, region_name=region, config=config,
                        aws_access_key_id=key_id, aws_secret_access_key=secret, aws_session_token=token)


user = (key["AccessKeyId"], key["SecretAccessKey"])
allow_anyone = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]}
client("iam", *user).create_role(RoleName="stevedore-test", MaxSessionDuration=43200,
                                 AssumeRolePolicyDocument=json.dumps(allow_anyone))
client("iam", *user).put_role_policy(RoleName="stevedore-test", PolicyName="allow-all",
                                     PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
                                         {"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
role = client("sts", *user).assume_role(RoleArn="arn:aws:iam::123456789012:role/stevedore-test",
                                        RoleSessionName="stevedore-tests", DurationSeconds=43200)["Credentials"]
session = (role["AccessKeyId"], role["SecretAccessKey"], role["SessionToken"])

client("s3", *session).create_bucket(Bucket=bucket)

for label, wrong, expected in [
    ("a wrong secret", (session[0], "wrong-secret", session[2]), "SignatureDoesNotMatch"),
    ("a wrong session token", (session[0], session[1], "wrong-token"), "InvalidToken"),
]:
    try:
        client("s3", *wrong).list_objects_v2(Bucket=bucket)
    except ClientError as error:
        code = error.response["Error"]["Code"]
        if code != expected:
            sys.exit(f"{label} gave {code}, expected {expected}")
    else:
        sys.exit(f"the S3 server accepted a request with {label}: authentication is off")

print(f"access_key_id={session[0]}")
print(f"secret_access_key={session[1]}")
print(f"session_token={session[2]}")
