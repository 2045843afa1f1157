"""The local API Gateway: payload 2.0 events, responses, routing, CORS, errors, body limit."""
from __future__ import annotations

import base64
import http.client
import json
import threading
import uuid
from types import SimpleNamespace

import pytest

from local.gateway import Cors, HttpRequest, InvalidResponse, from_result, is_text, to_event
from local.runtime import Runtime
from local.server import Gateway, make_server
from local.template import load_template

NOW = 1_767_225_600.123  # 2026-01-01T00:00:00.123Z


def request(method="GET", target="/", headers=(), body=b"", **kwargs) -> HttpRequest:
    return HttpRequest(method, target, list(headers), body, **kwargs)


# ---------------------------------------------------------------- request -> event
def test_event_has_the_payload_2_shape():
    req = request("POST", "/api/cvs/abc%20d?limit=5&tag=a&tag=b&empty=", [
        ("Host", "127.0.0.1:3000"), ("User-Agent", "pytest"), ("Content-Type", "application/json"),
        ("X-Multi", "one"), ("x-multi", "two"), ("Cookie", "a=1; b=2"),
    ], b'{"title": "CV"}', source_ip="127.0.0.9")
    event = to_event(req, "POST /api/cvs/{id}", {"id": "abc%20d"}, now=NOW, req_id="rid=", port=3000)
    assert event["version"] == "2.0"
    assert event["routeKey"] == "POST /api/cvs/{id}"
    assert event["rawPath"] == "/api/cvs/abc%20d"
    assert event["rawQueryString"] == "limit=5&tag=a&tag=b&empty="
    assert event["cookies"] == ["a=1", "b=2"]
    headers = event["headers"]
    assert "cookie" not in headers and "Host" not in headers
    assert headers["host"] == "127.0.0.1:3000" and headers["x-multi"] == "one,two"
    assert headers["x-forwarded-for"] == "127.0.0.9" and headers["x-forwarded-port"] == "3000"
    assert headers["x-forwarded-proto"] == "http" and headers["x-amzn-trace-id"].startswith("Root=1-")
    assert event["queryStringParameters"] == {"limit": "5", "tag": "a,b", "empty": ""}
    assert event["pathParameters"] == {"id": "abc d"}
    assert event["body"] == '{"title": "CV"}' and event["isBase64Encoded"] is False
    ctx = event["requestContext"]
    assert ctx["http"] == {"method": "POST", "path": "/api/cvs/abc%20d", "protocol": "HTTP/1.1",
                           "sourceIp": "127.0.0.9", "userAgent": "pytest"}
    assert ctx["routeKey"] == "POST /api/cvs/{id}" and ctx["stage"] == "$default"
    assert ctx["requestId"] == "rid=" and ctx["accountId"] == "123456789012"
    assert ctx["domainName"] == "127.0.0.1" and ctx["domainPrefix"] == "127.0.0.1"
    assert ctx["time"] == "01/Jan/2026:00:00:00 +0000" and ctx["timeEpoch"] == 1_767_225_600_123


def test_optional_keys_are_absent_when_empty():
    event = to_event(request("GET", "/api/health", [("host", "api.example.com")]), "GET /api/health", {})
    for key in ("cookies", "queryStringParameters", "pathParameters", "body"):
        assert key not in event
    assert event["isBase64Encoded"] is False and event["rawQueryString"] == ""
    assert event["requestContext"]["domainPrefix"] == "api"


@pytest.mark.parametrize("content_type, text", [
    ("application/json", True), ("application/json; charset=utf-8", True), ("text/plain", True),
    ("text/csv", True), ("application/xml", True), ("application/javascript", True),
    ("application/octet-stream", False), ("image/png", False), (None, False),
    ("application/x-www-form-urlencoded", False), ("multipart/form-data; boundary=x", False),
])
def test_non_text_bodies_are_base64(content_type, text):
    assert is_text(content_type) is text
    headers = [("content-type", content_type)] if content_type else []
    body = b"\x00\xffbinary" if not text else b"a=1"
    event = to_event(request("POST", "/x", headers, body), "POST /x", None)
    assert event["isBase64Encoded"] is (not text)
    assert (base64.b64decode(event["body"]) if not text else event["body"].encode()) == body


def test_forwarded_for_is_appended_to():
    event = to_event(request(headers=[("X-Forwarded-For", "10.0.0.1")], source_ip="127.0.0.1"), "GET /", None)
    assert event["headers"]["x-forwarded-for"] == "10.0.0.1, 127.0.0.1"


# ---------------------------------------------------------------- result -> response
def test_a_full_response():
    resp = from_result({"statusCode": 201, "headers": {"Content-Type": "application/json", "X-Count": 3},
                        "cookies": ["a=1; HttpOnly", "b=2"], "body": '{"ok": true}'})
    assert resp.status == 201 and resp.body == b'{"ok": true}'
    assert ("X-Count", "3") in resp.headers
    assert [v for k, v in resp.headers if k == "Set-Cookie"] == ["a=1; HttpOnly", "b=2"]


def test_base64_response_body_is_decoded():
    png = b"\x89PNG\r\n\x1a\n\x00"
    resp = from_result({"statusCode": 200, "headers": {"content-type": "image/png"},
                        "body": base64.b64encode(png).decode(), "isBase64Encoded": True})
    assert resp.body == png


def test_no_body_and_string_status():
    resp = from_result({"statusCode": "204"})
    assert resp.status == 204 and resp.body == b"" and resp.headers == []


@pytest.mark.parametrize("result, body", [
    ({"data": [1, 2]}, b'{"data": [1, 2]}'),
    ("Hello from Lambda!", b"Hello from Lambda!"),
    ([1, "two"], b'[1, "two"]'),
    (None, b"null"),
])
def test_results_without_status_code_are_200_json(result, body):
    resp = from_result(result)
    assert resp.status == 200 and resp.body == body
    assert resp.header("content-type") == "application/json"


@pytest.mark.parametrize("result", [
    {"statusCode": "abc"}, {"statusCode": 99}, {"statusCode": True},
    {"statusCode": 200, "body": {"not": "a string"}},
    {"statusCode": 200, "headers": ["x"]},
    {"statusCode": 200, "headers": {"x": ["a", "b"]}},
    {"statusCode": 200, "body": "***", "isBase64Encoded": True},
    {"not-json": object()},
])
def test_malformed_results_are_rejected(result):
    with pytest.raises(InvalidResponse):
        from_result(result)


# ---------------------------------------------------------------- routing
TEMPLATE = """
Transform: AWS::Serverless-2016-10-31
Parameters:
  Origins: {Type: CommaDelimitedList, Default: "http://localhost:5173,http://127.0.0.1:5173"}
Globals:
  Function: {CodeUri: functions/, Timeout: 3}
Resources:
  Api:
    Type: AWS::Serverless::HttpApi
    Properties:
      CorsConfiguration:
        AllowOrigins: !Ref Origins
        AllowMethods: [GET, POST, OPTIONS]
        AllowHeaders: [authorization, content-type]
        ExposeHeaders: [x-request-id]
        MaxAge: 600
%s
"""
ROUTES = [("ListCvs", "GET", "/api/cvs"), ("GetCv", "GET", "/api/cvs/{id}"),
          ("Mine", "GET", "/api/cvs/mine"), ("Duplicate", "POST", "/api/cvs/{id}/duplicate"),
          ("Files", "GET", "/files/{proxy+}"), ("Echo", "ANY", "/echo"), ("Boom", "GET", "/boom"),
          ("Bad", "GET", "/bad")]
HANDLER = '''
import json
def handler(event, context):
    kind = "{kind}"
    if kind == "Boom":
        raise RuntimeError("secret detail")
    if kind == "Bad":
        return {{"statusCode": 200, "body": {{"not": "a string"}}}}
    return {{"statusCode": 200, "headers": {{"content-type": "application/json",
             "access-control-allow-origin": "*"}},
             "body": json.dumps({{"fn": kind, "params": event.get("pathParameters"),
                                  "route": event["routeKey"], "left": context.get_remaining_time_in_millis(),
                                  "name": context.function_name}})}}
'''


@pytest.fixture
def app(tmp_path):
    package = f"gw_{uuid.uuid4().hex[:8]}"
    (tmp_path / "functions" / package).mkdir(parents=True)
    functions = []
    for name, method, path in ROUTES:
        (tmp_path / "functions" / package / f"{name.lower()}.py").write_text(HANDLER.format(kind=name))
        functions.append(f"""  {name}:
    Type: AWS::Serverless::Function
    Properties:
      Handler: {package}.{name.lower()}.handler
      Events:
        Http: {{Type: HttpApi, Properties: {{ApiId: !Ref Api, Method: {method}, Path: "{path}"}}}}""")
    (tmp_path / "template.yaml").write_text(TEMPLATE % "\n".join(functions))
    template = load_template(tmp_path / "template.yaml")
    dirty = []
    stack = SimpleNamespace(
        template=template, runtime=Runtime(template, prefix="test", on_invoke=dirty.append),
        api_id="local", port=3000,
        cors_config={"AllowOrigins": ["http://localhost:5173"], **{
            k: v for k, v in template.raw["Resources"]["Api"]["Properties"]["CorsConfiguration"].items()
            if k != "AllowOrigins"}},
        describe_functions=lambda: [{"id": i} for i in template.functions],
    )
    gateway = Gateway(stack)
    gateway.dirty = dirty
    return gateway


def call(gateway, method, target, headers=(), body=b""):
    resp, label = gateway.handle(request(method, target, [("Host", "127.0.0.1:3000"), *headers], body))
    data = json.loads(resp.body) if resp.body and resp.header("content-type") == "application/json" else None
    return resp, data, label


def test_route_matching_with_parameters(app):
    assert call(app, "GET", "/api/cvs")[1]["fn"] == "ListCvs"
    resp, data, label = call(app, "GET", "/api/cvs/123")
    assert label == "GetCv" and data["params"] == {"id": "123"} and data["route"] == "GET /api/cvs/{id}"
    assert call(app, "GET", "/api/cvs/mine")[1]["fn"] == "Mine"  # a literal segment wins
    assert call(app, "POST", "/api/cvs/9/duplicate")[1]["params"] == {"id": "9"}
    assert call(app, "GET", "/files/a/b/c.pdf")[1]["params"] == {"proxy": "a/b/c.pdf"}  # greedy
    for method in ("GET", "DELETE", "PATCH"):
        assert call(app, method, "/echo")[1]["fn"] == "Echo"
    assert call(app, "GET", "/api/cvs/123?x=1")[1]["fn"] == "GetCv"


def test_context_of_the_invocation(app):
    data = call(app, "GET", "/api/cvs")[1]
    assert 0 < data["left"] <= 3000 and data["name"] == "test-ListCvs"


def test_unknown_path_and_wrong_method(app):
    resp, data, label = call(app, "GET", "/api/nothing")
    assert resp.status == 404 and data["error"]["code"] == "NOT_FOUND"
    assert call(app, "GET", "/files")[0].status == 404  # {proxy+} needs at least one segment
    resp, data, _ = call(app, "DELETE", "/api/cvs/1")
    assert resp.status == 405 and data["error"]["code"] == "METHOD_NOT_ALLOWED"
    assert resp.header("allow") == "GET"


def test_a_crash_is_a_500_without_details(app, capsys):
    resp, data, _ = call(app, "GET", "/boom")
    assert resp.status == 500
    assert data == {"error": {"code": "INTERNAL_ERROR", "message": "Internal server error"}}
    assert b"secret detail" not in resp.body
    assert "secret detail" in capsys.readouterr().err  # the traceback goes to the console


def test_a_malformed_response_is_a_500(app, capsys):
    resp, data, _ = call(app, "GET", "/bad")
    assert resp.status == 500 and data["error"]["code"] == "INTERNAL_ERROR"
    assert "body must be a string" in capsys.readouterr().err


def test_every_invocation_marks_the_state_dirty(app):
    call(app, "POST", "/api/cvs/1/duplicate")
    call(app, "GET", "/boom")  # failures too: a handler may have written before it failed
    assert app.dirty == ["Duplicate", "Boom"]


def test_route_priority_like_api_gateway(tmp_path):
    (tmp_path / "template.yaml").write_text("""
Resources:
  Literal: {Type: AWS::Serverless::Function, Properties: {Handler: m.h, Events: {E: {Type: HttpApi, Properties: {Method: GET, Path: /a/b}}}}}
  Param: {Type: AWS::Serverless::Function, Properties: {Handler: m.h, Events: {E: {Type: HttpApi, Properties: {Method: GET, Path: "/a/{x}"}}}}}
  AnyParam: {Type: AWS::Serverless::Function, Properties: {Handler: m.h, Events: {E: {Type: HttpApi, Properties: {Method: ANY, Path: "/a/{x}"}}}}}
  Greedy: {Type: AWS::Serverless::Function, Properties: {Handler: m.h, Events: {E: {Type: HttpApi, Properties: {Method: GET, Path: "/a/{rest+}"}}}}}
  Default: {Type: AWS::Serverless::Function, Properties: {Handler: m.h, Events: {E: {Type: HttpApi}}}}
""")
    template = load_template(tmp_path / "template.yaml")
    winner = lambda method, path: template.find_route(method, path)[0].function_id  # noqa: E731
    assert winner("GET", "/a/b") == "Literal"
    assert winner("GET", "/a/c") == "Param"
    assert winner("POST", "/a/c") == "AnyParam"
    assert winner("GET", "/a/c/d") == "Greedy"
    assert winner("GET", "/elsewhere") == "Default"
    assert template.find_route("GET", "/elsewhere")[0].route_key == "$default"


def test_cors(app):
    origin = [("Origin", "http://localhost:5173")]
    resp, _, label = call(app, "OPTIONS", "/api/cvs", [*origin, ("Access-Control-Request-Method", "POST"),
                                                      ("Access-Control-Request-Headers", "content-type")])
    assert resp.status == 204 and label == "CORS preflight"
    assert resp.header("access-control-allow-origin") == "http://localhost:5173"
    assert resp.header("access-control-allow-methods") == "GET,POST,OPTIONS"
    assert resp.header("access-control-allow-headers") == "authorization,content-type"
    assert resp.header("access-control-max-age") == "600"
    # A foreign origin, or a method not allowed, gets no CORS headers.
    for extra in ([("Origin", "http://evil.example")], origin):
        method = "DELETE" if extra is origin else "GET"
        resp, _, _ = call(app, "OPTIONS", "/api/cvs", [*extra, ("Access-Control-Request-Method", method)])
        assert resp.status == 204 and resp.header("access-control-allow-origin") is None
    # Actual requests: API Gateway's CORS headers replace the handler's.
    resp, _, _ = call(app, "GET", "/api/cvs", origin)
    assert [v for k, v in resp.headers if k.lower() == "access-control-allow-origin"] == ["http://localhost:5173"]
    assert resp.header("access-control-expose-headers") == "x-request-id" and resp.header("vary") == "Origin"
    resp, _, _ = call(app, "GET", "/api/cvs", [("Origin", "http://evil.example")])
    assert resp.header("access-control-allow-origin") is None
    assert call(app, "GET", "/nothing", origin)[0].header("access-control-allow-origin")  # errors too


def test_cors_wildcard():
    cors = Cors.from_config({"AllowOrigins": ["*"], "AllowMethods": ["*"], "AllowHeaders": ["*"]})
    resp = cors.preflight(request("OPTIONS", "/", [("Origin", "http://any"), ("Access-Control-Request-Method", "PUT"),
                                                   ("Access-Control-Request-Headers", "x-one")]))
    assert resp.header("access-control-allow-origin") == "*" and resp.header("access-control-allow-headers") == "x-one"


def test_local_endpoints(app):
    resp, data, _ = call(app, "GET", "/_local/functions")
    assert {f["id"] for f in data["data"]} == {name for name, _, _ in ROUTES}
    resp, data, _ = call(app, "POST", "/_local/invoke/ListCvs", body=b'{"routeKey": "GET /api/cvs"}')
    assert resp.status == 200 and json.loads(data["body"])["route"] == "GET /api/cvs"
    assert call(app, "POST", "/_local/invoke/Nope")[0].status == 404
    assert call(app, "POST", "/_local/invoke/ListCvs", body=b"{nope")[0].status == 400
    resp, data, _ = call(app, "POST", "/_local/invoke/Boom")
    assert resp.status == 500 and data["errorType"] == "RuntimeError"
    assert resp.header("x-amz-function-error") == "Unhandled"


# ---------------------------------------------------------------- over a socket
@pytest.fixture
def served(app):
    server = make_server(app, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_over_http_with_keep_alive_and_cookies(served, capsys):
    conn = http.client.HTTPConnection("127.0.0.1", served, timeout=10)
    for _ in range(2):  # the same connection twice
        conn.request("GET", "/api/cvs/7", headers={"Cookie": "sid=1"})
        resp = conn.getresponse()
        assert resp.status == 200 and json.loads(resp.read())["params"] == {"id": "7"}
    conn.close()
    line = [ln for ln in capsys.readouterr().out.splitlines() if "/api/cvs/7" in ln][0]
    assert "GET /api/cvs/7  -> 200" in line and line.endswith("GetCv")


def test_bodies_over_10_mb_are_refused(served):
    conn = http.client.HTTPConnection("127.0.0.1", served, timeout=30)
    conn.request("POST", "/api/cvs/1/duplicate", body=b"x" * (10 * 1024 * 1024 + 1),
                 headers={"Content-Type": "application/octet-stream"})
    resp = conn.getresponse()
    assert resp.status == 413 and json.loads(resp.read())["error"]["code"] == "PAYLOAD_TOO_LARGE"
    conn.close()
    conn = http.client.HTTPConnection("127.0.0.1", served, timeout=30)
    conn.request("POST", "/api/cvs/1/duplicate", body=b"x" * (10 * 1024 * 1024),
                 headers={"Content-Type": "application/octet-stream"})
    assert conn.getresponse().status == 200  # exactly 10 MB is fine
    conn.close()


def test_chunked_bodies(served):
    conn = http.client.HTTPConnection("127.0.0.1", served, timeout=10)
    conn.request("POST", "/_local/invoke/ListCvs", body=iter([b'{"routeKey": ', b'"chunked"}']),
                 headers={"Transfer-Encoding": "chunked"}, encode_chunked=True)
    resp = conn.getresponse()
    assert resp.status == 200 and json.loads(json.loads(resp.read())["body"])["route"] == "chunked"
    conn.close()
