#!/usr/bin/env python3
"""A fake Slack for the sync benchmark (loopback only): conversations.history of one channel
holding N messages, each carrying an inc event in its metadata (2,000 by default), newest
first and paginated like Slack (`oldest`, `cursor`, `limit`). Counts the requests it gets;
GET /count answers the count so far. Usage: fake_slack_history.py PORT INCIDENT_ID [N]"""
import json, sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse, parse_qs

PORT, INC, N = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 2000
lock, count = threading.Lock(), [0]

def message(i):
    ts = f"1764500000.{i:06d}"
    event = {"event_id": f"bench{i:07d}", "at": f"2026-11-30T03:{(i // 60) % 60:02d}:{i % 60:02d}Z",
             "by": "bob@example.com", "event": "note", "text": f"remote finding {i}"}
    meta = {"event_type": "inc_event",
            "event_payload": {"v": 1, "inc": INC, "event_id": event["event_id"], "event": json.dumps(event)}}
    return {"type": "message", "ts": ts, "text": f"remote finding {i}", "metadata": meta}

MESSAGES = [message(i) for i in range(1, N + 1)]

class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    def log_message(self, *a): pass
    def reply(self, obj):
        body = json.dumps(obj).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def do_GET(self):
        u = urlparse(self.path)
        if u.path == "/count":
            return self.reply({"count": count[0]})
        with lock:
            count[0] += 1
        q = {k: v[0] for k, v in parse_qs(u.query).items()}
        if not u.path.endswith("conversations.history"):
            return self.reply({"ok": True})
        oldest = float(q.get("oldest", "0"))
        newer = [m for m in reversed(MESSAGES) if float(m["ts"]) > oldest]
        start, limit = int(q.get("cursor") or 0), int(q.get("limit", "100"))
        page = newer[start:start + limit]
        more = start + limit < len(newer)
        self.reply({"ok": True, "messages": page, "has_more": more,
                    "response_metadata": {"next_cursor": str(start + limit) if more else ""}})

ThreadingHTTPServer(("127.0.0.1", PORT), H).serve_forever()
