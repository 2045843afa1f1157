"""The HTTP side of the local stack: API Gateway routing plus the /_local/ developer API.

    POST /_local/invoke/{FunctionLogicalId}   body: a JSON event; answers the return value
    GET  /_local/functions                    every function with its routes and events
    GET  /_local/info                         endpoints, physical resource names, state file
    POST /_local/queues/drain?timeout=30      waits until the consumed queues are empty
    POST /_local/state/save                   writes the state now
    GET  /_local/outbox                       every SMS and email sent, newest first (local/outbox.py)
    GET  /api/docs                            Swagger UI of the whole API (local/docs.py), offline
"""
from __future__ import annotations

import json
import sys
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

from .docs import Docs, is_docs_path
from .gateway import (MAX_BODY, Cors, HttpRequest, HttpResponse, InvalidResponse, error,
                      from_result, request_id, to_event)
from .runtime import HandlerNotFound

_print_lock = threading.Lock()


def log(line: str, stream=None) -> None:
    stream = stream or sys.stdout
    with _print_lock:
        stream.write(line + "\n")
        stream.flush()


def _json(status: int, data, headers=None) -> HttpResponse:
    body = json.dumps(data, default=str).encode()
    return HttpResponse(status, [("Content-Type", "application/json"), *(headers or [])], body)


class Gateway:
    """Turns an HttpRequest into an HttpResponse; `stack` supplies the running pieces."""

    def __init__(self, stack):
        self.stack = stack  # read at request time: the server binds before the rest starts
        self.template = stack.template
        self._cors: list = []
        self._docs: list = []

    @property
    def runtime(self):
        return self.stack.runtime

    @property
    def cors(self) -> Cors | None:
        if not self._cors:
            self._cors.append(Cors.from_config(self.stack.cors_config))
        return self._cors[0]

    def handle(self, req: HttpRequest, *, too_large: bool = False) -> tuple[HttpResponse, str]:
        """The response and a label for the log line (function id or what answered)."""
        req_id = request_id()
        if too_large:
            resp, label = error(413, "PAYLOAD_TOO_LARGE", "The request body is larger than 10 MB"), "-"
        elif req.path.startswith("/_local/"):
            resp, label = self._local(req), "local"
        elif self._is_docs(req):
            resp, label = self.docs.handle(req), "docs"
        elif self.cors and Cors.is_preflight(req):
            resp, label = self.cors.preflight(req), "CORS preflight"
        else:
            resp, label = self._route(req, req_id)
        if self.cors and label != "CORS preflight":
            resp = self.cors.decorate(req, resp)
        resp.headers.append(("apigw-requestid", req_id))
        return resp, label

    def _route(self, req: HttpRequest, req_id: str) -> tuple[HttpResponse, str]:
        found = self.template.find_route(req.method, req.path)
        if found is None:
            methods = self.template.path_exists(req.path)
            if methods:
                return error(405, "METHOD_NOT_ALLOWED", f"{req.method} is not allowed on {req.path}",
                             [("Allow", ", ".join(methods))]), "-"
            return error(404, "NOT_FOUND", f"No route for {req.method} {req.path}"), "-"
        route, params = found
        event = to_event(req, route.route_key, params, api_id=self.stack.api_id,
                         req_id=req_id, port=self.stack.port)
        try:
            result = self.runtime.invoke(route.function_id, event)
            resp = from_result(result)
        except InvalidResponse as exc:
            log(f"{route.function_id}: API Gateway would reject this response: {exc}", sys.stderr)
            resp = error(500, "INTERNAL_ERROR", "Internal server error")
        except HandlerNotFound as exc:
            log(f"{exc}", sys.stderr)
            resp = error(500, "INTERNAL_ERROR", "Internal server error")
        except Exception:  # noqa: BLE001 - a handler crash is a 500, never a stack trace
            log(f"{route.function_id} raised:\n{traceback.format_exc()}", sys.stderr)
            resp = error(500, "INTERNAL_ERROR", "Internal server error")
        return resp, route.function_id

    @property
    def docs(self) -> Docs:
        if not self._docs:
            self._docs.append(Docs(f"http://127.0.0.1:{self.stack.port}", log=log))
        return self._docs[0]

    def _is_docs(self, req: HttpRequest) -> bool:
        """/api/docs belongs to the docs unless template.yaml routes it (its routes win)."""
        return is_docs_path(req.path) and self.template.find_route(req.method, req.path) is None

    # ------------------------------------------------------------ /_local/
    def _local(self, req: HttpRequest) -> HttpResponse:
        parts = [p for p in req.path.split("/") if p][1:]
        method = req.method.upper()
        if parts == ["functions"] and method == "GET":
            return _json(200, {"data": self.stack.describe_functions()})
        if parts == ["info"] and method == "GET":
            return _json(200, {"data": self.stack.info()})
        if len(parts) == 2 and parts[0] == "invoke" and method == "POST":
            return self._invoke(parts[1], req.body)
        if parts == ["queues", "drain"] and method == "POST":
            timeout = float(parse_qs(req.query).get("timeout", ["30"])[0])
            drained = self.stack.drain(timeout)
            return _json(200 if drained else 504, {"data": {"drained": drained}})
        if parts == ["outbox"] and method == "GET":
            from .outbox import OUTBOX

            return _json(200, {"data": OUTBOX.items()})
        if parts == ["state", "save"] and method == "POST":
            return _json(200, {"data": self.stack.save_state()})
        return error(404, "NOT_FOUND", f"No local endpoint {method} {req.path}")

    def _invoke(self, function_id: str, body: bytes) -> HttpResponse:
        if function_id not in self.template.functions:
            return error(404, "NOT_FOUND", f"No function {function_id} in template.yaml")
        try:
            event = json.loads(body) if body.strip() else {}
        except ValueError as exc:
            return error(400, "BAD_REQUEST", f"The body must be a JSON event: {exc}")
        started = time.monotonic()
        try:
            result = self.runtime.invoke(function_id, event)
        except Exception as exc:  # noqa: BLE001 - answered like Lambda's Invoke API
            log(f"{function_id} raised:\n{traceback.format_exc()}", sys.stderr)
            return _json(500, {"errorMessage": str(exc), "errorType": type(exc).__name__},
                         [("X-Amz-Function-Error", "Unhandled")])
        ms = (time.monotonic() - started) * 1000
        return _json(200, result, [("X-Local-Duration-Ms", f"{ms:.0f}")])


# ---------------------------------------------------------------- the socket side
class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "cvchapchap-local"
    gateway: Gateway  # set by make_server
    colour = False

    def _serve(self) -> None:
        started = time.monotonic()
        body, too_large = self._read_body()
        req = HttpRequest(self.command, self.path, list(self.headers.items()), body,
                          self.client_address[0], self.request_version)
        if too_large:
            self.close_connection = True
        resp, label = self.gateway.handle(req, too_large=too_large)
        self._write(resp)
        ms = (time.monotonic() - started) * 1000
        log(self._line(req, resp.status, ms, label))

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = _serve

    def __getattr__(self, name: str):
        # Any other method (TRACE, PROPFIND, ...) goes to the gateway too, which answers like
        # API Gateway (404 without a route) instead of http.server's HTML 501.
        if name.startswith("do_"):
            return self._serve
        raise AttributeError(name)

    def _read_body(self) -> tuple[bytes, bool]:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks, size = [], 0
            while True:
                length = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if length == 0:
                    while self.rfile.readline().strip():
                        pass  # trailers
                    return b"".join(chunks), False
                size += length
                if size > MAX_BODY:
                    return b"", True
                chunks.append(self.rfile.read(length))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            if length <= 8 * MAX_BODY:  # read it away, so the client sees the 413
                while length > 0:
                    chunk = self.rfile.read(min(length, 1 << 20))
                    if not chunk:
                        break
                    length -= len(chunk)
            return b"", True
        return (self.rfile.read(length) if length > 0 else b""), False

    def _write(self, resp: HttpResponse) -> None:
        self.send_response(resp.status)
        skip = {"content-length", "transfer-encoding", "connection", "date", "server"}
        for name, value in resp.headers:
            if name.lower() not in skip:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(resp.body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD" and resp.body:
            self.wfile.write(resp.body)

    def _line(self, req: HttpRequest, status: int, ms: float, label: str) -> str:
        path = req.target if len(req.target) <= 80 else req.target[:77] + "..."
        stamp, status_text = time.strftime("%H:%M:%S"), str(status)
        if self.colour:
            tint = "31" if status >= 500 else "33" if status >= 400 else "32"
            stamp, status_text = f"\033[2m{stamp}\033[0m", f"\033[{tint}m{status}\033[0m"
        return f"{stamp}  {req.method} {path}  -> {status_text}  {ms:.0f} ms  {label}"

    def log_message(self, format, *args) -> None:  # noqa: A002 - the per-request line is ours
        pass


class Server(ThreadingHTTPServer):
    daemon_threads = True
    # A browser, a load test or twenty webhooks at once: the stdlib default backlog of 5
    # would reset connections.
    request_queue_size = 128
    allow_reuse_address = True


def make_server(gateway: Gateway, host: str, port: int) -> Server:
    handler = type("Handler", (_Handler,), {"gateway": gateway, "colour": sys.stdout.isatty()})
    return Server((host, port), handler)
