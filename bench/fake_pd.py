#!/usr/bin/env python3
"""A minimal fake PagerDuty for the page-ic benchmarks (loopback only): on-call, contact methods,
incident create. Usage: fake_pd.py PORT [ok|503|silent]: `503` answers every request with
503, `silent` never answers (it holds the connection). DELAY_MS (default 0) holds every answer
that long, as a provider across a network does."""
import json, os, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ONCALLS = [
    {"schedule": {"id": s, "summary": s}, "escalation_level": i + 1,
     "user": {"id": u, "name": n, "email": f"{n.split()[0].lower()}@example.com"}}
    for i, (s, u, n) in enumerate([("PPRIMRY", "PU1", "Ann Primary"), ("PBACKUP", "PU2", "Bob Backup")])
]
lock, count = threading.Lock(), [0]
MODE = sys.argv[2] if len(sys.argv) > 2 else "ok"
DELAY = int(os.environ.get("DELAY_MS", "0")) / 1000

class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # as real API servers do; else delayed ACKs add 40 ms per reused connection
    def log_message(self, *a): pass
    def send(self, code, obj):
        if DELAY:
            time.sleep(DELAY)
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def down(self):
        if MODE == "503":
            n = int(self.headers.get("Content-Length", 0))
            self.rfile.read(n)
            self.send(503, {"error": {"code": 0, "message": "Service Unavailable"}})
            return True
        if MODE == "silent":
            time.sleep(3600)
            return True
        return False
    def do_GET(self):
        if self.down():
            return
        if self.path.startswith("/oncalls"):
            return self.send(200, {"oncalls": ONCALLS, "more": False, "limit": 100, "offset": 0})
        if "/contact_methods" in self.path:
            return self.send(200, {"contact_methods": [{"type": "phone_contact_method", "address": "555 0101", "country_code": 1}]})
        self.send(200, {"abilities": []})
    def do_POST(self):
        if self.down():
            return
        n = int(self.headers.get("Content-Length", 0))
        self.rfile.read(n)
        with lock:
            count[0] += 1
            i = count[0]
        self.send(201, {"incident": {"id": f"P{i}", "html_url": f"http://127.0.0.1/incidents/P{i}", "created_at": "2026-11-26T03:04:05Z"}})

ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
