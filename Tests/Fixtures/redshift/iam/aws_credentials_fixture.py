"""A stand-in for the Redshift and Redshift Serverless credentials APIs, on 127.0.0.1, for tests.

It verifies each request's SigV4 signature with botocore's signer (not Stevedore's), for the one
key it is given, the service of the request's shape (`redshift` for a form, `redshift-serverless`
for JSON) and the region on its command line; host, content-type, x-amz-date, x-amz-target (JSON)
and x-amz-security-token (when sent) must be among the signed headers. Then it answers with the
recorded responses beside it, shaped as the API references show them (GetClusterCredentialsWithIAM:
XML; GetCredentials: JSON 1.1). A refused signature gets AWS's answer: 403 SignatureDoesNotMatch
(Query API, XML) or InvalidSignatureException (JSON). ClusterIdentifier `missing-cluster` gets 404
ClusterNotFound; workgroup `missing` gets 400 ResourceNotFoundException. Every verified request is
appended to LOG as one JSON line.
Modes: `normal`; `unavailable-once` answers the first verified request 503 ServiceUnavailable;
`echo-token` refuses every verified request with a message quoting its session token.
Usage: aws_credentials_fixture.py ACCESS_KEY_ID SECRET_ACCESS_KEY SESSION_TOKEN|- LOG REGION [MODE]
Prints the port it listens on, then serves until killed.
"""
import json
import os
import sys
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

HERE = os.path.dirname(os.path.abspath(__file__))
ACCESS_KEY, SECRET, TOKEN, LOG = sys.argv[1], sys.argv[2], (None if sys.argv[3] == "-" else sys.argv[3]), sys.argv[4]
REGION = sys.argv[5]
MODE = sys.argv[6] if len(sys.argv) > 6 else "normal"
STATE = {"unavailable": MODE == "unavailable-once"}
LOCK = threading.Lock()


def recorded(name):
    with open(os.path.join(HERE, name), "rb") as file:
        return file.read()


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, status, body, content_type, request_id):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-amzn-RequestId", request_id)
        self.end_headers()
        self.wfile.write(body)

    def refuse(self, is_json, status, code, message):
        request_id = str(uuid.uuid4())
        if is_json:
            body = json.dumps({"__type": code, "message": message}).encode()
            return self.reply(status, body, "application/x-amz-json-1.1", request_id)
        body = ('<ErrorResponse xmlns="http://redshift.amazonaws.com/doc/2012-12-01/"><Error><Type>Sender</Type>'
                f"<Code>{code}</Code><Message>{message}</Message></Error><RequestId>{request_id}</RequestId>"
                "</ErrorResponse>").encode()
        return self.reply(status, body, "text/xml", request_id)

    def signature_problem(self, body, is_json):
        """None when the request is signed with the expected key, service and region, else AWS's error message."""
        authorization = self.headers.get("Authorization", "")
        if not authorization.startswith("AWS4-HMAC-SHA256 "):
            return "Missing Authentication Token"
        fields = dict(part.strip().split("=", 1) for part in authorization[len("AWS4-HMAC-SHA256 "):].split(","))
        access_key, date, region, service, terminator = fields["Credential"].split("/")
        if access_key != ACCESS_KEY:
            return "The security token included in the request is invalid."
        if TOKEN is not None and self.headers.get("X-Amz-Security-Token") != TOKEN:
            return "The security token included in the request is invalid."
        expected_service = "redshift-serverless" if is_json else "redshift"
        if service != expected_service:
            return f"Credential should be scoped to correct service: '{expected_service}'."
        if region != REGION:
            return f"Credential should be scoped to a valid region, not '{region}'. Expected '{REGION}'."
        signed = fields["SignedHeaders"].split(";")
        required = ["host", "content-type", "x-amz-date"] + (["x-amz-target"] if is_json else [])
        if self.headers.get("X-Amz-Security-Token") is not None:
            required.append("x-amz-security-token")
        unsigned = [name for name in required if name not in signed]
        if unsigned:
            return f"Signed headers must include {', '.join(unsigned)}."
        headers = {name: self.headers.get(name, "") for name in signed}
        request = AWSRequest(method=self.command, url=f"http://{self.headers['Host']}{self.path}",
                             headers=headers, data=body)
        request.context["timestamp"] = self.headers.get("X-Amz-Date", "")
        if not request.context["timestamp"].startswith(date) or terminator != "aws4_request":
            return "Credential should be scoped to a valid date and aws4_request."
        auth = SigV4Auth(Credentials(ACCESS_KEY, SECRET, TOKEN), expected_service, REGION)
        expected = auth.signature(auth.string_to_sign(request, auth.canonical_request(request)), request)
        if expected != fields["Signature"]:
            return ("The request signature we calculated does not match the signature you provided. "
                    "Check your AWS Secret Access Key and signing method.")
        return None

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        is_json = self.headers.get("Content-Type", "").startswith("application/x-amz-json")
        problem = self.signature_problem(body, is_json)
        if problem is not None:
            code = "InvalidSignatureException" if is_json else "SignatureDoesNotMatch"
            return self.refuse(is_json, 403, code, problem)
        with LOCK:
            with open(LOG, "a") as log:
                log.write(json.dumps({"method": self.command, "path": self.path,
                                      "headers": {k.lower(): v for k, v in self.headers.items()},
                                      "body": body.decode()}) + "\n")
            unavailable = STATE["unavailable"]
            STATE["unavailable"] = False
        if unavailable:
            return self.refuse(is_json, 503, "ServiceUnavailable", "Service is unavailable; try again.")
        if MODE == "echo-token":
            token = self.headers.get("X-Amz-Security-Token", "")
            return self.refuse(is_json, 403, "AccessDenied", f"not authorized with session token {token}")
        if is_json:
            if self.headers.get("X-Amz-Target") != "RedshiftServerless.GetCredentials":
                return self.refuse(True, 400, "UnknownOperationException", "unknown target")
            if json.loads(body).get("workgroupName") == "missing":
                return self.reply(400, recorded("resource-not-found.json"), "application/x-amz-json-1.1",
                                  str(uuid.uuid4()))
            return self.reply(200, recorded("get-credentials.json"), "application/x-amz-json-1.1", str(uuid.uuid4()))
        form = dict(parse_qsl(body.decode(), keep_blank_values=True))
        if form.get("Action") != "GetClusterCredentialsWithIAM" or form.get("Version") != "2012-12-01":
            return self.refuse(False, 400, "InvalidAction", "unknown action or version")
        if form.get("ClusterIdentifier") == "missing-cluster":
            return self.reply(404, recorded("cluster-not-found.xml"), "text/xml", "0f6c2e55-8a4b-4e31-b5a9-3d2e7c9b1a02")
        return self.reply(200, recorded("get-cluster-credentials-with-iam.xml"), "text/xml",
                          "7d3e1a52-5bcd-4c3a-9a43-0b2c1f4e6a11")


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
