"""The S3-compatible test server: moto's server, with SigV4 verification on, on 127.0.0.1.

Same as `moto_server -H HOST -p PORT`, plus one thing moto's server lacks: a request that carries no
signature at all (no Authorization header, no X-Amz-Signature parameter) gets S3's own answer, a 403
AccessDenied, instead of moto's 500. Signature checking itself stays moto's.
Usage: s3-server.py HOST PORT (INITIAL_NO_AUTH_ACTION_COUNT in the environment turns auth on).
"""
import signal
import sys
import uuid
from urllib.parse import parse_qs

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import run_simple


class RefuseAnonymous:
    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        signed = "HTTP_AUTHORIZATION" in environ or "X-Amz-Signature" in parse_qs(
            environ.get("QUERY_STRING", ""))
        if signed or environ.get("PATH_INFO", "").startswith("/moto-api"):
            return self.app(environ, start_response)
        request_id = uuid.uuid4().hex[:16].upper()
        body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AccessDenied</Code>"
                "<Message>Access Denied: the request is not signed</Message>"
                f"<RequestId>{request_id}</RequestId></Error>").encode()
        start_response("403 Forbidden", [("Content-Type", "application/xml"),
                                         ("Content-Length", str(len(body))),
                                         ("x-amz-request-id", request_id)])
        return [body]


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.signal(signal.SIGINT, lambda *_: sys.exit(0))
    app = RefuseAnonymous(DomainDispatcherApplication(create_backend_app))
    run_simple(host, port, app, threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
