"""A fault-injecting HTTP proxy for the ObjectStore tests, on 127.0.0.1.

Usage: fault_proxy.py UPSTREAM_HOST UPSTREAM_PORT. Prints the port it listens on, then serves.
Requests whose path contains "/faults/" fail on purpose: attempts 1 and 2 of each distinct
request (method, path and query) get 503 SlowDown, attempt 3 has its connection reset, attempt 4
and later are forwarded. A GET whose path contains "/cut/" is forwarded, but its first attempt's
body is cut off halfway by a connection reset. Every other request is forwarded untouched (its Host
header included, so signatures stay valid). GET /__stats answers, as JSON, the attempt count of
every request seen ("attempts") and the Range header of each attempt ("ranges").
"""
import http.client
import json
import socket
import struct
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

UPSTREAM = (sys.argv[1], int(sys.argv[2]))
attempts = {}
ranges = {}
lock = threading.Lock()
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-connection"}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def handle_any(self):
        if self.path == "/__stats":
            with lock:
                body = json.dumps({"attempts": attempts, "ranges": ranges}).encode()
            return self.reply(200, {"Content-Type": "application/json"}, body)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        identity = f"{self.command} {self.path}"
        with lock:
            attempts[identity] = attempts.get(identity, 0) + 1
            attempt = attempts[identity]
            ranges.setdefault(identity, []).append(self.headers.get("Range", ""))
        if "/faults/" in self.path.split("?")[0] and attempt <= 3:
            if attempt <= 2:
                return self.reply(503, {"Content-Type": "application/xml", "x-amz-request-id": f"FAULT{attempt}"},
                                  b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>SlowDown</Code>"
                                  b"<Message>Please reduce your request rate.</Message>"
                                  b"<RequestId>FAULT</RequestId></Error>")
            # Reset: RST instead of FIN, with no answer at all.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()
            return
        upstream = http.client.HTTPConnection(*UPSTREAM, timeout=120)
        headers = {name: value for name, value in self.headers.items() if name.lower() not in HOP_BY_HOP}
        upstream.request(self.command, self.path, body=body, headers=headers)
        response = upstream.getresponse()
        payload = response.read()
        reply_headers = {n: v for n, v in response.getheaders() if n.lower() not in HOP_BY_HOP | {"content-length"}}
        upstream.close()
        if "/cut/" in self.path.split("?")[0] and self.command == "GET" and attempt == 1 and len(payload) > 1:
            self.send_response(response.status)
            for name, value in reply_headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload[: len(payload) // 2])
            self.wfile.flush()
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()
            return
        self.reply(response.status, reply_headers, payload)

    def reply(self, status, headers, body):
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = handle_any


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print(server.server_address[1], flush=True)
server.serve_forever()
