"""Findings of a language model, through an OpenAI-compatible chat completions API.

    POST {base_url}/chat/completions   Authorization: Bearer <key>
    {"model", "messages": [system, user], "temperature": 0, "response_format": {"type": "json_object"}}

The model is sent the CV without contact details (`redacted`) and asked for
`{"findings": [{"rule", "severity", "message", "path"}]}` about the CV (and the job
description, when there is one), in the reader's language. What comes back
is checked like input: at most `MAX_FINDINGS`, a known severity, a message of at most
`MAX_MESSAGE` characters, a `path` that resolves inside the content (others are dropped);
each is marked `source: "model"` and its rule prefixed `model.`. Any failure (no answer
within `TIMEOUT_SECONDS`, a status other than 200, a body that is not the JSON asked for)
raises `ModelFailed` with a short reason that never holds the key or the answer: the
analysis records it as a note and completes without the model.
"""
from __future__ import annotations

import json
import os
import re
import urllib.error
import urllib.request
from typing import Any

from chapchap.analysis.pointer import resolves

DEFAULT_BASE_URLS = {"openai": "https://api.openai.com/v1", "anthropic": "https://api.anthropic.com/v1"}
DEFAULT_MODELS = {"openai": "gpt-4o-mini", "anthropic": "claude-3-5-haiku-latest"}
TIMEOUT_SECONDS = 25
MAX_FINDINGS = 10
MAX_MESSAGE = 500
MAX_JOB_DESCRIPTION = 20_000
SEVERITIES = ("info", "warning", "error")
_RULE = re.compile(r"[^a-z0-9_.-]+")

PROMPT = {
    "en": "You review CVs for job seekers in Tanzania. Answer in English.",
    "sw": "Unakagua CV za watafuta kazi nchini Tanzania. Jibu kwa Kiswahili.",
}
INSTRUCTIONS = (
    "The CV is a JSON Resume document. Give at most {max} concrete suggestions a rule-based "
    "checker would miss (clarity, relevance to the job, missing achievements, wording). Answer "
    "with JSON only: {{\"findings\": [{{\"rule\": short-id, \"severity\": \"info\"|\"warning\"|\"error\", "
    "\"message\": one or two sentences, \"path\": RFC 6901 JSON Pointer to the part of the CV "
    "concerned, e.g. \"/work/0/highlights/2\" or \"\" for the whole CV}}]}}."
)


class ModelFailed(Exception):
    """The model gave no usable answer; `str()` is a short reason, safe to store and show."""


def _endpoint(config: dict[str, Any]) -> str:
    base = (config.get("base_url") or DEFAULT_BASE_URLS.get(config.get("provider") or "", "")).rstrip("/")
    if not base:
        raise ModelFailed("no base URL configured")
    return f"{base}/chat/completions"


# Contact details say nothing about the CV's quality: they stay with us.
_PRIVATE_BASICS = ("email", "phone", "image", "url", "profiles")


def redacted(content: dict[str, Any]) -> dict[str, Any]:
    """The content without the person's contact details and address (the paths of what is
    left are unchanged: only keys of `basics` go)."""
    basics = content.get("basics")
    if not isinstance(basics, dict):
        return content
    kept = {k: v for k, v in basics.items() if k not in _PRIVATE_BASICS}
    if isinstance(basics.get("location"), dict):
        kept["location"] = {k: v for k, v in basics["location"].items() if k in ("city", "region", "countryCode")}
    return {**content, "basics": kept}


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect would carry the key to another address: it is a failure instead."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def request_body(config: dict[str, Any], content: dict[str, Any], *, locale: str,
                 job_description: str | None) -> dict[str, Any]:
    user: dict[str, Any] = {"cv": redacted(content)}
    if job_description:
        user["job_description"] = job_description[:MAX_JOB_DESCRIPTION]
    return {
        "model": config.get("model") or DEFAULT_MODELS.get(config.get("provider") or "", "gpt-4o-mini"),
        "temperature": 0,
        "response_format": {"type": "json_object"},
        "messages": [
            {"role": "system", "content": PROMPT.get(locale, PROMPT["sw"]) + " " + INSTRUCTIONS.format(max=MAX_FINDINGS)},
            {"role": "user", "content": json.dumps(user, ensure_ascii=False)},
        ],
    }


def ask(config: dict[str, Any], content: dict[str, Any], *, locale: str, job_description: str | None,
        timeout: float | None = None) -> list[dict[str, Any]]:
    """The model's valid findings (possibly none). Raises ModelFailed. AI_TIMEOUT_SECONDS
    overrides the timeout (the tests' slow fake)."""
    timeout = timeout or float(os.environ.get("AI_TIMEOUT_SECONDS") or TIMEOUT_SECONDS)
    body = json.dumps(request_body(config, content, locale=locale, job_description=job_description)).encode()
    request = urllib.request.Request(_endpoint(config), data=body, method="POST", headers={
        "Content-Type": "application/json", "Accept": "application/json",
        "Authorization": f"Bearer {config['api_key']}"})
    try:
        with _opener.open(request, timeout=timeout) as response:  # an admin's https URL (or loopback)
            raw = response.read(1_000_000)
    except urllib.error.HTTPError as exc:
        raise ModelFailed(f"the model API answered {exc.code}") from None
    except TimeoutError:
        raise ModelFailed("the model API did not answer in time") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, TimeoutError) or "timed out" in str(reason):
            raise ModelFailed("the model API did not answer in time") from None
        raise ModelFailed("the model API could not be reached") from None
    return parse(raw, content)


def parse(raw: bytes, content: dict[str, Any]) -> list[dict[str, Any]]:
    """The findings of a chat completion's body, validated against the content."""
    try:
        text = json.loads(raw)["choices"][0]["message"]["content"]
        text = re.sub(r"^```(?:json)?\s*|\s*```$", "", text.strip())  # some models fence their JSON
        proposed = json.loads(text)["findings"]
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        raise ModelFailed("the model's answer was not the JSON asked for") from None
    if not isinstance(proposed, list):
        raise ModelFailed("the model's answer was not the JSON asked for")
    findings = []
    for item in proposed:
        if len(findings) >= MAX_FINDINGS:
            break
        if not isinstance(item, dict):
            continue
        message, path, severity = item.get("message"), item.get("path"), item.get("severity")
        if not isinstance(message, str) or not message.strip() or not resolves(content, path):
            continue
        rule = _RULE.sub("-", str(item.get("rule") or "suggestion").lower()).strip("-.")[:60] or "suggestion"
        findings.append({"rule": f"model.{rule}", "severity": severity if severity in SEVERITIES else "info",
                         "message": message.strip()[:MAX_MESSAGE], "path": path, "source": "model"})
    return findings
