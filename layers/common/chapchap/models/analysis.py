"""The resume check: its request body and what it answers (docs/resume-check.md)."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from chapchap.models.common import Input
from chapchap.models.responses import Out, Timestamp

MAX_JOB_DESCRIPTION = 20_000


class AnalysisIn(Input):
    job_description: Annotated[str, StringConstraints(max_length=MAX_JOB_DESCRIPTION), Field(
        description="the advert you apply to: its keywords are looked for in the CV")] | None = None


class AnalysisStarted(Out):
    id: str
    status: Literal["pending"]


class AnalysisStartedData(Out):
    analysis: AnalysisStarted


class SubScore(Out):
    score: Annotated[int, Field(ge=0)]
    max: Annotated[int, Field(ge=1)]


class Finding(Out):
    rule: Annotated[str, Field(description="`structure.missing_skills`, ...; `model.<id>` for the model's")]
    severity: Literal["info", "warning", "error"]
    message: Annotated[str, Field(description="in the owner's language (sw or en)")]
    path: Annotated[str, Field(description="JSON Pointer (RFC 6901) into the CV's content; \"\" is the whole CV")]
    source: Literal["rules", "model"]


class Keywords(Out):
    matched: list[str]
    missing: list[str]
    coverage: Annotated[int | None, Field(ge=0, le=100, description="% of the job's keywords found; null "
                                                                    "without a job description")]


class ModelUse(Out):
    provider: str
    used: Annotated[bool, Field(description="false: it failed, and `notes` says how")]


class Analysis(Out):
    id: str
    status: Literal["pending", "done", "failed"]
    created_at: Timestamp
    completed_at: Timestamp | None
    job_description: str | None
    score: Annotated[int | None, Field(ge=0, le=100)] = None
    sections: dict[str, SubScore] | None = None
    findings: list[Finding] | None = None
    keywords: Keywords | None = None
    pages: Annotated[int | None, Field(ge=1, description="pages as the PDF would print")] = None
    words: Annotated[int | None, Field(ge=0)] = None
    content_version: Annotated[int | None, Field(ge=1, description="the CV version checked")] = None
    model: ModelUse | None = None
    notes: list[str] | None = None


class AnalysisData(Out):
    analysis: Analysis
