"""A fault-injecting HTTP proxy for the ObjectStore tests, on 127.0.0.1.

Usage: fault_proxy.py UPSTREAM_HOST UPSTREAM_PORT [--seed N --rate P [--stall SECONDS]].
Prints the port it listens on, then serves.

Without --seed, faults are deterministic by path:
Requests whose path contains "/faults/" fail on purpose: attempts 1 and 2 of each distinct
request (method, path and query) get 503 SlowDown, attempt 3 has its connection reset, attempt 4
and later are forwarded. A GET whose path contains "/cut/" is forwarded, but its first attempt's
body is cut off halfway by a connection reset. A CreateMultipartUpload (POST ?uploads) whose path
contains "/lost/" is forwarded, so the upload is created, but its answer is lost to a reset, on
every attempt; under "/lostonce/", on the first attempt only. Every other request is forwarded untouched (its Host
header included, so signatures stay valid). GET /__stats answers, as JSON, the attempt count of
every request seen ("attempts") and the Range header of each attempt ("ranges").

With --seed, every request may fail, whatever its path: a fault happens with probability P, and its
kind is one of 500 InternalError, 503 SlowDown, a reset before forwarding ("reset"), a reset after
forwarding, so the request took effect but its answer is lost ("lost"), a stall of SECONDS (default
3) ending in a reset ("stall"), or a truncated answer: the status and headers with the full
Content-Length but half the body, then a reset ("truncate"; half the header block when the body is
empty). The choice is a hash of the seed, the method, the key's last path segment, the query's
parameter names and the attempt number of that request, so a case with the same seed and the same
data meets the same faults whatever the load id in its keys. POST /__seed?seed=N&rate=P starts a new
case (counters reset); /__stats also answers the faults injected ("faults": kind to count) and the
list of [request, attempt, kind] ("log").
"""
import hashlib
import http.client
import json
import socket
import struct
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

UPSTREAM = (sys.argv[1], int(sys.argv[2]))


def option(name, default, kind):
    if name in sys.argv:
        return kind(sys.argv[sys.argv.index(name) + 1])
    return default


seeded = {"seed": option("--seed", None, int), "rate": option("--rate", 0.0, float)}
STALL = option("--stall", 3.0, float)
KINDS = ["500", "503", "reset", "lost", "stall", "truncate"]
attempts = {}
ranges = {}
faults = {}
fault_log = []
lock = threading.Lock()


def seeded_fault(method, path, attempt):
    """The fault for this attempt of this request in seeded mode, or None to forward it."""
    if seeded["seed"] is None or seeded["rate"] <= 0:
        return None
    raw_path, _, query = path.partition("?")
    segments = [segment for segment in raw_path.split("/") if segment]
    names = ",".join(sorted(name for name, _ in urllib.parse.parse_qsl(query, keep_blank_values=True)))
    text = f"{seeded['seed']}|{method}|{segments[-1] if segments else ''}|{names}|{attempt}"
    digest = hashlib.sha256(text.encode()).digest()
    if int.from_bytes(digest[:8], "big") / 2.0 ** 64 >= seeded["rate"]:
        return None
    return KINDS[digest[8] % len(KINDS)]


HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-connection"}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def handle_any(self):
        if self.path == "/__stats":
            with lock:
                body = json.dumps({"attempts": attempts, "ranges": ranges, "faults": faults,
                                   "log": fault_log}).encode()
            return self.reply(200, {"Content-Type": "application/json"}, body)
        if self.path.startswith("/__seed?"):
            settings = dict(urllib.parse.parse_qsl(self.path.partition("?")[2]))
            with lock:
                seeded["seed"] = int(settings["seed"])
                seeded["rate"] = float(settings.get("rate", seeded["rate"]))
                attempts.clear()
                ranges.clear()
                faults.clear()
                fault_log.clear()
            return self.reply(200, {"Content-Type": "text/plain"}, b"ok")
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        identity = f"{self.command} {self.path}"
        with lock:
            attempts[identity] = attempts.get(identity, 0) + 1
            attempt = attempts[identity]
            ranges.setdefault(identity, []).append(self.headers.get("Range", ""))
            fault = seeded_fault(self.command, self.path, attempt)
            if fault:
                faults[fault] = faults.get(fault, 0) + 1
                fault_log.append([identity, attempt, fault])
        if fault in ("500", "503"):
            code, status = ("InternalError", 500) if fault == "500" else ("SlowDown", 503)
            return self.reply(status, {"Content-Type": "application/xml", "x-amz-request-id": f"SEEDED{attempt}"},
                              f"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code>"
                              f"<Message>Injected {code}.</Message><RequestId>SEEDED</RequestId></Error>".encode())
        if fault == "reset":
            return self.reset()
        if fault == "stall":
            time.sleep(STALL)
            return self.reset()
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
        lost = "/lost/" in self.path.split("?")[0] or ("/lostonce/" in self.path.split("?")[0] and attempt == 1)
        if lost and self.command == "POST" and "uploads" in self.path.partition("?")[2]:
            return self.reset()
        if fault == "lost":
            return self.reset()
        if fault == "truncate":
            head = f"HTTP/1.1 {response.status} {response.reason}\r\n".encode()
            head += b"".join(f"{name}: {value}\r\n".encode() for name, value in reply_headers.items())
            head += f"Content-Length: {len(payload)}\r\n\r\n".encode()
            sent = head + payload[: len(payload) // 2] if payload and self.command != "HEAD" else head[: len(head) // 2]
            self.wfile.write(sent)
            self.wfile.flush()
            return self.reset()
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

    def reset(self):
        """Ends the connection with RST instead of FIN, with nothing more said."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()

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
