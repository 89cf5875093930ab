#!/usr/bin/env python3
"""A fake for bench/changes_status.sh (loopback only): Slack (history, channel list), PagerDuty
(an incident, its notes and log, a service's change events) and GitHub (a repository's
deployments, their statuses, releases), every answer after DELAY_MS (default 300 ms).
Usage: fake_changes.py PORT"""
import json, os, sys, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse

DELAY = int(os.environ.get("DELAY_MS", "300")) / 1000

DEPLOY = {"id": 101, "ref": "v2.14.0", "task": "deploy", "environment": "production",
          "description": None, "creator": {"login": "ann"},
          "created_at": "2026-11-30T02:41:00Z", "updated_at": "2026-11-30T02:41:00Z"}
STATUS = {"id": 1, "state": "success", "created_at": "2026-11-30T02:43:00Z",
          "log_url": "https://ci.example/run/41"}
CHANGE = {"id": "01CHG1", "type": "change_event", "summary": "Flag eu_card_v2 on",
          "timestamp": "2026-11-30T01:30:00Z", "links": [{"href": "https://flags.example/eu"}]}
ANNOUNCE = {"type": "message", "ts": "1796006700.000100", "user": "UCI",
            "text": "Deployed checkout v2.14.0 <https://ci.example/run/41|run 41>"}

def answer(path):
    if path.endswith("/conversations.list"):
        return {"ok": True, "channels": [{"id": "C0DEPLOY", "name": "deploys"}],
                "response_metadata": {"next_cursor": ""}}
    if path.endswith("/conversations.history"):
        return {"ok": True, "messages": [ANNOUNCE], "has_more": False,
                "response_metadata": {"next_cursor": ""}}
    if path.endswith("/notes"):
        return {"notes": []}
    if path.endswith("/log_entries"):
        return {"log_entries": [], "limit": 100, "offset": 0, "more": False}
    if path.endswith("/change_events"):
        return {"change_events": [CHANGE], "limit": 100, "offset": 0, "more": False}
    if path.startswith("/incidents/"):
        return {"incident": {"id": "PBENCH", "status": "triggered", "acknowledgements": [],
                             "incidents_responders": [], "html_url": "http://127.0.0.1/incidents/PBENCH"}}
    if path.endswith("/statuses"):
        return [STATUS]
    if path.endswith("/deployments"):
        return [DEPLOY]
    if path.endswith("/releases"):
        return []
    return {"ok": True}

class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    def log_message(self, *a): pass
    def do_GET(self):
        time.sleep(DELAY)
        body = json.dumps(answer(urlparse(self.path).path)).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
