#!/usr/bin/env python3
"""A Slack Web API that is down, for bench/provider_down.sh (loopback only): every POST (a
write) answers HTTP 500 `service_unavailable`; GETs (reads) answer an empty success. Counts
the writes it refused on GET /count. Usage: fake_down.py PORT"""
import json, sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock, writes = threading.Lock(), [0]

class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    def log_message(self, *a): pass
    def send(self, code, obj):
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def do_GET(self):
        if self.path == "/count":
            with lock:
                return self.send(200, {"writes": writes[0]})
        self.send(200, {"ok": True, "messages": [], "channels": [], "has_more": False,
                        "response_metadata": {"next_cursor": ""}})
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with lock:
            writes[0] += 1
        self.send(500, {"ok": False, "error": "service_unavailable"})

ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
