"""A fake of Africa's Talking's SMS endpoint on loopback, for the local stack and the tests.

    from local.at_sim import start
    sim = start(api_key="k", username="sandbox")
    sim.url        # http://127.0.0.1:<port>   (AT_BASE_URL)
    sim.env        # AT_BASE_URL, AT_USERNAME, AFRICASTALKING_API_KEY
    sim.sent       # [{at, to, message, from}] every SMS accepted, oldest first
    sim.set_mode("down")   # every call answers 500 (retries); "normal" again after
    sim.stop()

POST /version1/messaging as Africa's Talking documents it: form fields `username`, `to`
(E.164, comma-separated), `message`, optional `from`; headers `apiKey` and
`Accept: application/json`. Answers 201 {"SMSMessageData": {"Message", "Recipients":
[{statusCode, number, status, cost, messageId}]}}; 401 text for a wrong key or username;
400 text for a missing field. A number ending in 0403 gets statusCode 403
InvalidPhoneNumber (a permanent refusal), like the real service for an unreachable number.
`on_message(record)` is called for each SMS accepted (the local outbox listens).
"""
from __future__ import annotations

import json
import threading
import time
import uuid
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable
from urllib.parse import parse_qs

INVALID_NUMBER_SUFFIX = "0403"


class Simulator:
    def __init__(self, *, api_key: str, username: str, on_message: Callable[[dict], None] | None = None):
        self.api_key, self.username, self.on_message = api_key, username, on_message
        self.sent: list[dict] = []
        self.requests = 0
        self.mode = "normal"
        self._lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def env(self) -> dict[str, str]:
        return {"AT_BASE_URL": self.url, "AT_USERNAME": self.username, "AFRICASTALKING_API_KEY": self.api_key}

    def set_mode(self, mode: str) -> None:
        assert mode in ("normal", "down")
        self.mode = mode

    def handle(self, headers, body: bytes) -> tuple[int, str, str]:
        """(status, content type, body) for one POST /version1/messaging."""
        with self._lock:
            self.requests += 1
        if self.mode == "down":
            return 500, "text/plain", "Internal Server Error"
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8"), keep_blank_values=True).items()}
        if headers.get("apiKey") != self.api_key or form.get("username") != self.username:
            return 401, "text/plain", "The supplied authentication is invalid"
        if not form.get("to") or not form.get("message"):
            return 400, "text/plain", "Missing required field: to and message"
        recipients = []
        for number in form["to"].split(","):
            number = number.strip()
            if not number.startswith("+") or not number[1:].isdigit():
                recipients.append({"statusCode": 403, "number": number, "status": "InvalidPhoneNumber",
                                   "cost": "0", "messageId": "None"})
                continue
            if number.endswith(INVALID_NUMBER_SUFFIX):
                recipients.append({"statusCode": 403, "number": number, "status": "InvalidPhoneNumber",
                                   "cost": "0", "messageId": "None"})
                continue
            message_id = f"ATXid_{uuid.uuid4().hex}"
            record = {"at": datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                      "to": number, "message": form["message"], "from": form.get("from", ""), "id": message_id}
            with self._lock:
                self.sent.append(record)
            if self.on_message:
                self.on_message(record)
            recipients.append({"statusCode": 101, "number": number, "status": "Success", "cost": "TZS 20.0000",
                               "messageId": message_id})
        accepted = sum(1 for r in recipients if r["statusCode"] == 101)
        return 201, "application/json", json.dumps({"SMSMessageData": {
            "Message": f"Sent to {accepted}/{len(recipients)} Total Cost: TZS {20 * accepted}.0000",
            "Recipients": recipients}})

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


def start(*, api_key: str = "local-at-key", username: str = "sandbox", port: int = 0,
          on_message: Callable[[dict], None] | None = None) -> Simulator:
    sim = Simulator(api_key=api_key, username=username, on_message=on_message)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path.split("?")[0] != "/version1/messaging":
                status, kind, text = 404, "text/plain", "Not Found"
            else:
                status, kind, text = sim.handle(self.headers, body)
            data = text.encode()
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format, *args):  # noqa: A002 - quiet: the outbox prints one line per SMS
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    sim.server = server
    threading.Thread(target=server.serve_forever, name="at-sim", daemon=True).start()
    time.sleep(0)  # let the thread start
    return sim
