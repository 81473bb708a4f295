"""The S3-compatible test server: moto's server, with SigV4 verification on, on 127.0.0.1.

Same as `moto_server -H HOST -p PORT`, plus what moto's server lacks:
- a request that carries no signature at all (no Authorization header, no X-Amz-Signature
  parameter) gets S3's own answer, 403 AccessDenied, instead of moto's 500;
- a presigned URL (query-string SigV4) is verified here, with the secret of the IAM key it names
  and S3's rules (path encoded once, parameters sorted, UNSIGNED-PAYLOAD, expiry checked); a valid
  one is passed on to moto as the equivalent header-signed request, an invalid one is refused with
  403 SignatureDoesNotMatch or AccessDenied (expired).
Usage: s3-server.py HOST PORT (INITIAL_NO_AUTH_ACTION_COUNT in the environment turns auth on).
"""
import datetime
import hashlib
import hmac
import signal
import sys
import uuid
from urllib.parse import quote, unquote

from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from moto.iam.models import iam_backends
from moto.sts.models import sts_backends
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import run_simple


def error(start_response, status, code, message):
    request_id = uuid.uuid4().hex[:16].upper()
    body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            f"<Error><Code>{code}</Code><Message>{message}</Message>"
            f"<RequestId>{request_id}</RequestId></Error>").encode()
    start_response(status, [("Content-Type", "application/xml"), ("Content-Length", str(len(body))),
                            ("x-amz-request-id", request_id)])
    return [body]


def secret_for(access_key_id):
    """The secret of an IAM user's key, or of an assumed role's temporary key with its session token."""
    for account in list(iam_backends.values()):
        for backend in list(account.values()):
            for user in list(backend.users.values()):
                for key in user.access_keys:
                    if key.access_key_id == access_key_id:
                        return key.secret_access_key, None
    for account in list(sts_backends.values()):
        for backend in list(account.values()):
            for role in list(backend.assumed_roles):
                if role.access_key_id == access_key_id:
                    return role.secret_access_key, role.session_token
    return None, None


def encode(text, safe):
    return quote(text, safe=safe)


def parse_query(query_string):
    pairs = []
    for part in query_string.split("&"):
        if not part:
            continue
        name, _, value = part.partition("=")
        pairs.append((unquote(name), unquote(value)))
    return pairs


def hmac_sha256(key, message):
    return hmac.new(key, message.encode(), hashlib.sha256).digest()


class S3TestServer:
    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO", "").startswith("/moto-api") or "HTTP_AUTHORIZATION" in environ:
            return self.app(environ, start_response)
        params = parse_query(environ.get("QUERY_STRING", ""))
        if not any(name == "X-Amz-Signature" for name, _ in params):
            return error(start_response, "403 Forbidden", "AccessDenied", "Access Denied: the request is not signed")
        return self.presigned(environ, start_response, params)

    def presigned(self, environ, start_response, params):
        values = dict(params)
        try:
            access_key, date, region, service, _ = values["X-Amz-Credential"].split("/")
            amz_date = values["X-Amz-Date"]
            expires = int(values["X-Amz-Expires"])
            signed_headers = values["X-Amz-SignedHeaders"].split(";")
            given = values["X-Amz-Signature"]
        except (KeyError, ValueError):
            return error(start_response, "400 Bad Request", "AuthorizationQueryParametersError",
                         "Query-string authentication requires X-Amz-Credential, X-Amz-Date, X-Amz-Expires, "
                         "X-Amz-SignedHeaders and X-Amz-Signature")
        secret, token = secret_for(access_key)
        if secret is None:
            return error(start_response, "403 Forbidden", "InvalidAccessKeyId",
                         "The AWS Access Key Id you provided does not exist in our records.")
        raw_uri = environ.get("RAW_URI") or environ.get("REQUEST_URI") or environ.get("PATH_INFO", "/")
        path = raw_uri.split("?", 1)[0]
        canonical_uri = encode(unquote(path), "/~")
        canonical_query = "&".join(sorted(
            f"{encode(name, '~')}={encode(value, '~')}" for name, value in params if name != "X-Amz-Signature"))
        headers = []
        for name in signed_headers:
            key = "HTTP_" + name.upper().replace("-", "_")
            value = environ.get(key, "")
            headers.append(f"{name}:{' '.join(value.split())}\n")
        canonical_request = "\n".join([environ["REQUEST_METHOD"], canonical_uri, canonical_query, "".join(headers),
                                       ";".join(signed_headers), "UNSIGNED-PAYLOAD"])
        scope = f"{date}/{region}/{service}/aws4_request"
        string_to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope,
                                    hashlib.sha256(canonical_request.encode()).hexdigest()])
        key = hmac_sha256(("AWS4" + secret).encode(), date)
        for part in (region, service, "aws4_request"):
            key = hmac_sha256(key, part)
        expected = hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, given):
            return error(start_response, "403 Forbidden", "SignatureDoesNotMatch",
                         "The request signature we calculated does not match the signature you provided.")
        signed_at = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.timezone.utc)
        now = datetime.datetime.now(datetime.timezone.utc)
        if now > signed_at + datetime.timedelta(seconds=expires):
            return error(start_response, "403 Forbidden", "AccessDenied", "Request has expired")
        if token is not None and values.get("X-Amz-Security-Token") != token:
            return error(start_response, "403 Forbidden", "InvalidToken",
                         "The provided token is malformed or otherwise invalid.")

        # Valid: hand moto the same request, signed in the header form it checks.
        remaining = "&".join(f"{encode(n, '~')}={encode(v, '~')}" for n, v in params if not n.startswith("X-Amz-"))
        environ["QUERY_STRING"] = remaining
        host = environ.get("HTTP_HOST", "")
        request = AWSRequest(method=environ["REQUEST_METHOD"],
                             url=f"http://{host}{path}" + (f"?{remaining}" if remaining else ""),
                             headers={"Host": host})
        S3SigV4Auth(Credentials(access_key, secret, token), "s3", region).add_auth(request)
        for name in ("Authorization", "X-Amz-Date", "X-Amz-Content-SHA256", "X-Amz-Security-Token"):
            if name in request.headers:
                environ["HTTP_" + name.upper().replace("-", "_")] = request.headers[name]
        return self.app(environ, start_response)


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.signal(signal.SIGINT, lambda *_: sys.exit(0))
    app = S3TestServer(DomainDispatcherApplication(create_backend_app))
    run_simple(host, port, app, threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
