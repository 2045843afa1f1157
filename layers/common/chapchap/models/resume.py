"""The JSON Resume shape (jsonresume.org/schema) of a CV's `content`.

Validation only: unknown keys are allowed at every level and kept exactly as they came,
because the stored content is the request's JSON, not a re-serialised model.
"""
from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

Date = Annotated[str, StringConstraints(pattern=r"^$|^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$")]
Text = Annotated[str, StringConstraints(max_length=20_000)]
Short = Annotated[str, StringConstraints(max_length=500)]


class Part(BaseModel):
    model_config = ConfigDict(extra="allow")


class Location(Part):
    address: Short | None = None
    postalCode: Short | None = None
    city: Short | None = None
    countryCode: Short | None = None
    region: Short | None = None


class Profile(Part):
    network: Short | None = None
    username: Short | None = None
    url: Short | None = None


class Basics(Part):
    name: Short | None = None
    label: Short | None = None
    image: Short | None = None
    email: Short | None = None
    phone: Short | None = None
    url: Short | None = None
    summary: Text | None = None
    location: Location | None = None
    profiles: list[Profile] | None = None


class Work(Part):
    name: Short | None = None
    position: Short | None = None
    url: Short | None = None
    startDate: Date | None = None
    endDate: Date | None = None
    summary: Text | None = None
    highlights: list[Text] | None = None


class Volunteer(Part):
    organization: Short | None = None
    position: Short | None = None
    url: Short | None = None
    startDate: Date | None = None
    endDate: Date | None = None
    summary: Text | None = None
    highlights: list[Text] | None = None


class Education(Part):
    institution: Short | None = None
    url: Short | None = None
    area: Short | None = None
    studyType: Short | None = None
    startDate: Date | None = None
    endDate: Date | None = None
    score: Short | None = None
    courses: list[Short] | None = None


class Award(Part):
    title: Short | None = None
    date: Date | None = None
    awarder: Short | None = None
    summary: Text | None = None


class Certificate(Part):
    name: Short | None = None
    date: Date | None = None
    issuer: Short | None = None
    url: Short | None = None


class Publication(Part):
    name: Short | None = None
    publisher: Short | None = None
    releaseDate: Date | None = None
    url: Short | None = None
    summary: Text | None = None


class Skill(Part):
    name: Short | None = None
    level: Short | None = None
    keywords: list[Short] | None = None


class Language(Part):
    language: Short | None = None
    fluency: Short | None = None


class Interest(Part):
    name: Short | None = None
    keywords: list[Short] | None = None


class Reference(Part):
    name: Short | None = None
    reference: Text | None = None


class Project(Part):
    name: Short | None = None
    description: Text | None = None
    highlights: list[Text] | None = None
    keywords: list[Short] | None = None
    startDate: Date | None = None
    endDate: Date | None = None
    url: Short | None = None
    roles: list[Short] | None = None
    entity: Short | None = None
    type: Short | None = None


class Resume(Part):
    basics: Basics | None = None
    work: list[Work] | None = None
    volunteer: list[Volunteer] | None = None
    education: list[Education] | None = None
    awards: list[Award] | None = None
    certificates: list[Certificate] | None = None
    publications: list[Publication] | None = None
    skills: list[Skill] | None = None
    languages: list[Language] | None = None
    interests: list[Interest] | None = None
    references: list[Reference] | None = None
    projects: list[Project] | None = None
