"""Prepares a fresh moto server for Stevedore's tests (called by scripts/services up).

moto verifies SigV4 signatures once its first INITIAL_NO_AUTH_ACTION_COUNT requests are spent.
Those requests create an IAM user with an allow-all policy and an access key; the test bucket is
then created with that key, and a request with a wrong secret is checked to be refused.
Prints the key as shell assignments on stdout.
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

s3 = boto3.client("s3", endpoint_url=endpoint, region_name=region, config=config,
                  aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])
s3.create_bucket(Bucket=bucket)

wrong = boto3.client("s3", endpoint_url=endpoint, region_name=region, config=config,
                     aws_access_key_id=key["AccessKeyId"], aws_secret_access_key="wrong-secret")
try:
    wrong.list_objects_v2(Bucket=bucket)
except ClientError as error:
    code = error.response["Error"]["Code"]
    if code != "SignatureDoesNotMatch":
        sys.exit(f"a wrong secret gave {code}, expected SignatureDoesNotMatch")
else:
    sys.exit("the S3 server accepted a request signed with a wrong secret: authentication is off")

print(f"access_key_id={key['AccessKeyId']}")
print(f"secret_access_key={key['SecretAccessKey']}")
