#!/usr/bin/env python3
"""A minimal fake Matrix homeserver (client API) and fake PagerDuty for bench/bot.sh, loopback
only, each answering at once. Matrix on PORT, PagerDuty on PORT+1, one process so that every
time is read from one clock (time.monotonic_ns). The bench drives it over PORT's /_bench/*:
  POST /_bench/say      {"text": "..."}  queue a message from @ann in the room (the next /sync
                                         hands it to the bot; that moment is the message's t0)
  GET  /_bench/log                       every request seen: method, path, arrival and answer
                                         times (ns), and the t0 of each message said
  GET  /_bench/replies                   the bot's replies so far (body, arrival time)
Usage: fake_bot.py PORT"""
import json, sys, threading, time, urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT = int(sys.argv[1])
ROOM = "!bench:localhost"
BOT = "@incbot:localhost"
lock = threading.Condition()
queue, log, said, replies = [], [], [], []
reactions = {}      # event id -> [reaction events]
n = [0]
incidents = {}

def now():
    return time.monotonic_ns()

def next_id(prefix):
    with lock:
        n[0] += 1
        return f"{prefix}{n[0]}"

class Base(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    def log_message(self, *a): pass
    def body(self):
        k = int(self.headers.get("Content-Length", 0))
        raw = self.rfile.read(k) if k else b""
        return json.loads(raw) if raw.strip() else {}
    def send(self, code, obj, t_in):
        data = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()
        with lock:
            log.append({"server": self.NAME, "method": self.command, "path": self.path.split("?")[0],
                        "t_in": t_in, "t_out": now()})

class Matrix(Base):
    NAME = "matrix"
    def do_GET(self):
        t = now()
        path = urllib.parse.unquote(self.path.split("?")[0])
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        if path == "/_bench/log":
            with lock:
                return self.send(200, {"log": list(log), "said": list(said)}, t)
        if path == "/_bench/replies":
            with lock:
                return self.send(200, {"replies": list(replies)}, t)
        if path.endswith("/account/whoami"):
            return self.send(200, {"user_id": BOT}, t)
        if path.endswith("/sync"):
            if "since" not in q:
                return self.send(200, {"next_batch": "s0", "rooms": {"join": {}}}, t)
            timeout = int(q.get("timeout", ["0"])[0]) / 1000
            with lock:
                lock.wait_for(lambda: queue, timeout=timeout)
                events = list(queue)
                queue.clear()
            batch = next_id("s")
            rooms = {"join": {ROOM: {"timeline": {"events": events, "limited": False}, "state": {"events": []}}}} if events else {}
            body = {"next_batch": batch, "rooms": rooms}
            # t0: the moment the message leaves for the bot.
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            t0 = now()
            self.wfile.write(data)
            self.wfile.flush()
            with lock:
                for e in events:
                    said.append({"event_id": e["event_id"], "text": e["content"]["body"], "t0": t0})
            return
        if "/relations/" in path:
            event = path.split("/relations/")[1].split("/")[0]
            with lock:
                return self.send(200, {"chunk": list(reactions.get(event, []))}, t)
        if "/state/" in path:
            return self.send(404, {"errcode": "M_NOT_FOUND", "error": "no state"}, t)
        self.send(404, {"errcode": "M_UNRECOGNIZED", "error": path}, t)
    def do_POST(self):
        t = now()
        path = urllib.parse.unquote(self.path.split("?")[0])
        b = self.body()
        if path == "/_bench/say":
            ev = {"type": "m.room.message", "sender": "@ann:localhost", "event_id": next_id("$cmd"),
                  "origin_server_ts": int(time.time() * 1000),
                  "content": {"msgtype": "m.text", "body": b["text"]}}
            with lock:
                queue.append(ev)
                lock.notify_all()
            return self.send(200, {"event_id": ev["event_id"]}, t)
        if path.endswith("/filter"):
            return self.send(200, {"filter_id": "f1"}, t)
        if "/join/" in path:
            return self.send(200, {"room_id": ROOM}, t)
        self.send(404, {"errcode": "M_UNRECOGNIZED", "error": path}, t)
    def do_PUT(self):
        t = now()
        path = urllib.parse.unquote(self.path.split("?")[0])
        b = self.body()
        eid = next_id("$ev")
        if "/send/m.reaction/" in path:
            target = b["m.relates_to"]["event_id"]
            with lock:
                reactions.setdefault(target, []).append({"type": "m.reaction", "sender": BOT, "event_id": eid, "content": b})
        elif "/send/m.room.message/" in path:
            reply_to = b.get("m.relates_to", {}).get("m.in_reply_to", {}).get("event_id")
            with lock:
                replies.append({"to": reply_to, "body": b.get("body", ""), "t": t})
        self.send(200, {"event_id": eid}, t)

ONCALLS = [
    {"schedule": {"id": s, "summary": s}, "escalation_level": i + 1,
     "escalation_policy": {"id": "PEP1", "summary": "IC"},
     "user": {"id": u, "name": nm, "email": f"{nm.split()[0].lower()}@example.com"}}
    for i, (s, u, nm) in enumerate([("PPRIMRY", "PU1", "Ann Primary"), ("PBACKUP", "PU2", "Bob Backup")])
]

class Pd(Base):
    NAME = "pagerduty"
    def do_GET(self):
        t = now()
        path = self.path.split("?")[0]
        if path.startswith("/oncalls"):
            return self.send(200, {"oncalls": ONCALLS, "more": False, "limit": 100, "offset": 0}, t)
        if "/contact_methods" in path:
            return self.send(200, {"contact_methods": [{"type": "phone_contact_method", "address": "555 0101", "country_code": 1}]}, t)
        if path.startswith("/incidents/"):
            i = path.split("/")[2]
            with lock:
                inc = incidents.get(i, {"id": i, "status": "triggered"})
            return self.send(200, {"incident": inc}, t)
        if path.startswith("/incidents"):
            return self.send(200, {"incidents": [], "more": False, "limit": 100, "offset": 0}, t)
        self.send(200, {}, t)
    def do_POST(self):
        t = now()
        b = self.body()
        key = (b.get("incident") or {}).get("incident_key")
        with lock:
            known = incidents.get(key) if key else None
        if known:
            # An open incident with this key: PagerDuty answers 400 and inc finds it by its
            # key; here it is answered at once, as one round trip.
            return self.send(201, {"incident": known}, t)
        i = next_id("PINC")
        inc = {"id": i, "status": "triggered", "html_url": f"http://127.0.0.1/incidents/{i}",
               "created_at": "2026-12-08T00:00:00Z", "acknowledgements": [], "assignments": []}
        with lock:
            incidents[i] = inc
            if key:
                incidents[key] = inc
        self.send(201, {"incident": inc}, t)
    def do_PUT(self):
        t = now()
        self.body()
        self.send(200, {}, t)

threading.Thread(target=ThreadingHTTPServer(("127.0.0.1", PORT + 1), Pd).serve_forever, daemon=True).start()
ThreadingHTTPServer(("127.0.0.1", PORT), Matrix).serve_forever()
