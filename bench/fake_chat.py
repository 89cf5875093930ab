#!/usr/bin/env python3
"""A minimal fake of every place `inc declare` writes to, for the declare fan-out benchmark
(loopback only): the Slack Web API methods it calls (conversations.create,
conversations.setTopic, chat.postMessage, pins.add) under /api/, the three webhooks (Teams
/workflows/..., Mattermost /hooks/..., Discord /api/webhooks/...), PagerDuty's POST /incidents
under /pd/, and the Matrix client-server calls (createRoom, state, send, pinned events, whoami)
under /_matrix/. Every request waits DELAY_MS (default 300) before answering, like a distant
API. Usage: fake_chat.py PORT"""
import json, os, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DELAY = float(os.environ.get("DELAY_MS", "300")) / 1000
lock, count = threading.Lock(), [0]

class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # as real API servers do; else delayed ACKs add 40 ms per reused connection
    def log_message(self, *a): pass
    def send(self, code, body=b"", ctype="application/json"):
        self.send_response(code)
        if body:
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def ok(self, obj):
        obj["ok"] = True
        self.send(200, json.dumps(obj).encode())
    def next(self):
        with lock:
            count[0] += 1
            return count[0]
    def do_GET(self):
        time.sleep(DELAY)
        path = self.path.split("?")[0]
        if path.endswith("/account/whoami"):
            return self.send(200, json.dumps({"user_id": "@bench:bench"}).encode())
        if "/state/m.room.pinned_events" in path:                # no pins yet
            return self.send(404, json.dumps({"errcode": "M_NOT_FOUND", "error": "no pins"}).encode())
        self.ok({})
    def do_PUT(self):                                        # Matrix state events and messages
        n = int(self.headers.get("Content-Length", 0))
        self.rfile.read(n)
        time.sleep(DELAY)
        self.send(200, json.dumps({"event_id": f"$bench{self.next()}"}).encode())
    def do_POST(self):
        n = int(self.headers.get("Content-Length", 0))
        self.rfile.read(n)
        time.sleep(DELAY)
        i = self.next()
        path = self.path.split("?")[0]
        if path.startswith("/workflows/"):                   # Teams Workflows: 202, empty body
            return self.send(202)
        if path.startswith("/hooks/"):                       # Mattermost: 200 text/plain ok
            return self.send(200, b"ok", "text/plain")
        if path.startswith("/api/webhooks/"):                # Discord, ?wait=true: the message
            return self.send(200, json.dumps({"id": f"1300000000000{i:05d}", "channel_id": "1200", "content": ""}).encode())
        if path == "/pd/incidents":                          # PagerDuty: the major incident
            return self.send(201, json.dumps({"incident": {"id": f"P{i}", "html_url": f"http://127.0.0.1/incidents/P{i}", "incident_number": i, "created_at": "2026-11-26T03:04:05Z"}}).encode())
        if path.endswith("/createRoom"):                     # Matrix
            return self.send(200, json.dumps({"room_id": f"!bench{i}:bench"}).encode())
        method = path.rsplit("/", 1)[-1]
        if method == "conversations.create":
            return self.ok({"channel": {"id": f"C{i:08d}", "name": f"inc-{i}"}})
        if method == "chat.postMessage":
            return self.ok({"channel": "C00000001", "ts": f"1764126245.{i:06d}"})
        self.ok({})                                          # setTopic, pins.add, auth.test, ...

ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
