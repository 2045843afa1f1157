"""A fake OpenAI-compatible chat completions API on loopback, for the tests and the local stack.

    from local.ai_sim import start
    sim = start(api_key="sk-test")
    sim.url            # http://127.0.0.1:<port>/v1   (the settings' ai_base_url)
    sim.requests       # [{path, authorization_ok, body}] every request, oldest first
    sim.set_mode("down" | "slow" | "garbage" | "bad_paths" | "redirect" | "normal")
    sim.stop()

    python -m local.ai_sim      # for `make dev`: prints the URL and key to put in the admin settings

POST /v1/chat/completions with `Authorization: Bearer <api_key>` answers 200 with one
choice whose message content is `{"findings": [...]}`: a finding on the first work entry's
first highlight when there is one, and one on the summary, both with real paths, plus one
with a path outside the CV (which the client must drop). 401 for a wrong key. Modes:
`down` 503, `slow` answers after `slow_seconds`, `garbage` answers content that is not JSON,
`bad_paths` only findings with paths outside the CV, `redirect` a 307 to /v1/elsewhere
(a client that followed it would send the key there: `requests` shows whether it did).
"""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODES = ("normal", "down", "slow", "garbage", "bad_paths", "redirect")


class Simulator:
    def __init__(self, *, api_key: str, slow_seconds: float = 3.0):
        self.api_key, self.slow_seconds = api_key, slow_seconds
        self.requests: list[dict] = []
        self.mode = "normal"
        self._lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def set_mode(self, mode: str) -> None:
        assert mode in MODES
        self.mode = mode

    def findings(self, cv: dict) -> list[dict]:
        if self.mode == "bad_paths":
            return [{"rule": "clarity", "severity": "warning", "message": "Nowhere.", "path": "/work/99/highlights/0"}]
        found = [{"rule": "off-cv", "severity": "info", "message": "Points outside the CV.", "path": "/nothing/here"}]
        work = cv.get("work") if isinstance(cv.get("work"), list) else []
        if work and isinstance(work[0], dict) and work[0].get("highlights"):
            found.append({"rule": "Impact First", "severity": "warning",
                          "message": "Say what changed because of this work.", "path": "/work/0/highlights/0"})
        if isinstance(cv.get("basics"), dict) and cv["basics"].get("summary"):
            found.append({"rule": "summary-focus", "severity": "bogus",
                          "message": "Name the job you want in the first sentence.", "path": "/basics/summary"})
        return found

    def handle(self, path: str, headers, body: bytes) -> tuple[int, str]:
        authorized = headers.get("Authorization") == f"Bearer {self.api_key}"
        try:
            request = json.loads(body)
        except ValueError:
            request = None
        with self._lock:
            self.requests.append({"path": path, "authorization_ok": authorized, "body": request})
        if path != "/v1/chat/completions":
            return 404, json.dumps({"error": {"message": "not found"}})
        if not authorized:
            return 401, json.dumps({"error": {"message": "Incorrect API key provided"}})
        if self.mode == "down":
            return 503, json.dumps({"error": {"message": "overloaded"}})
        if self.mode == "redirect":
            return 307, json.dumps({"error": {"message": "moved"}})
        if self.mode == "slow":
            time.sleep(self.slow_seconds)
        try:
            cv = json.loads(request["messages"][-1]["content"])["cv"]
        except (TypeError, KeyError, IndexError, ValueError):
            return 400, json.dumps({"error": {"message": "bad request"}})
        content = "this is not JSON {" if self.mode == "garbage" else json.dumps({"findings": self.findings(cv)})
        return 200, json.dumps({"id": "chatcmpl-local", "object": "chat.completion", "model": request.get("model"),
                                "choices": [{"index": 0, "finish_reason": "stop",
                                             "message": {"role": "assistant", "content": content}}]})

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


def start(*, api_key: str = "sk-local-model-key", port: int = 0, slow_seconds: float = 3.0) -> Simulator:
    sim = Simulator(api_key=api_key, slow_seconds=slow_seconds)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            status, text = sim.handle(self.path.split("?")[0], self.headers, body)
            data = text.encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                if status == 307:
                    self.send_header("Location", "/v1/elsewhere")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout test)
                pass

        def log_message(self, format, *args):
            pass

    sim.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    sim.server.daemon_threads = True
    threading.Thread(target=sim.server.serve_forever, daemon=True).start()
    return sim


if __name__ == "__main__":
    import os

    running = start(api_key=os.environ.get("LOCAL_AI_KEY", "sk-local-model-key"),
                    port=int(os.environ.get("LOCAL_AI_PORT", "0")))
    print(f"fake model API on {running.url} (key {running.api_key}); in the admin settings: ai_provider "
          f"openai, openai_api_key {running.api_key}, ai_base_url {running.url}. Ctrl-C stops it.", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        running.stop()
