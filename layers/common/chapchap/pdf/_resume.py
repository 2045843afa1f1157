"""A JSON Resume document read into what the layouts draw (`read_cv` -> `CV`): defensive,
any field may be missing, empty, of the wrong type, or unknown (see _content.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

from . import _content as json_resume


@dataclass
class Entry:
    title: str = ""
    subtitle: str = ""
    location: str = ""
    dates: str = ""
    url: str = ""
    summary: str = ""
    bullets: list = field(default_factory=list)
    extras: list = field(default_factory=list)  # [(label, text)]

    def empty(self) -> bool:
        return not any((self.title, self.subtitle, self.location, self.dates, self.url,
                        self.summary, self.bullets, self.extras))


@dataclass
class Named:
    name: str
    detail: str = ""  # level / fluency
    keywords: list = field(default_factory=list)


@dataclass
class CV:
    name: str = ""
    label: str = ""
    email: str = ""
    phone: str = ""
    url: str = ""
    location: str = ""
    summary: str = ""
    profiles: list = field(default_factory=list)  # [(network, shown, href)]
    work: list = field(default_factory=list)
    volunteer: list = field(default_factory=list)
    education: list = field(default_factory=list)
    awards: list = field(default_factory=list)
    certificates: list = field(default_factory=list)
    publications: list = field(default_factory=list)
    projects: list = field(default_factory=list)
    skills: list = field(default_factory=list)
    languages: list = field(default_factory=list)
    interests: list = field(default_factory=list)
    references: list = field(default_factory=list)  # [(name, text)]

    def contacts(self) -> list[tuple[str, str, str | None]]:
        """[(kind, text, link)] in display order."""
        out: list[tuple[str, str, str | None]] = []
        if self.email:
            out.append(("Email", self.email, "mailto:" + self.email if "@" in self.email and " " not in self.email else None))
        if self.phone:
            tel = "".join(ch for ch in self.phone if ch.isdigit() or ch == "+")
            out.append(("Phone", self.phone, "tel:" + tel if len(tel) >= 5 else None))
        if self.location:
            out.append(("Location", self.location, None))
        if self.url:
            out.append(("Website", json_resume.display_url(self.url), json_resume.href(self.url)))
        for network, shown, link in self.profiles:
            out.append((network or "Profile", shown, link))
        return out


def read_cv(content: object) -> CV:
    basics = json_resume.section(content, "basics")
    cv = CV(
        name=json_resume.text(basics, "name"),
        label=json_resume.text(basics, "label"),
        email=json_resume.text(basics, "email"),
        phone=json_resume.text(basics, "phone"),
        url=json_resume.text(basics, "url") or json_resume.text(basics, "website"),
        location=json_resume.location_text(basics.get("location")),
        summary=json_resume.multiline(basics, "summary"),
    )
    for p in json_resume.items(basics, "profiles"):
        network, username, url = json_resume.text(p, "network"), json_resume.text(p, "username"), json_resume.text(p, "url")
        shown = username or json_resume.display_url(url)
        if shown or network:
            cv.profiles.append((network, shown or network, json_resume.href(url) if url else None))

    def add(target: list, entry: Entry) -> None:
        if not entry.empty():
            target.append(entry)

    for w in json_resume.items(content, "work"):
        position, company = json_resume.text(w, "position"), json_resume.text(w, "name") or json_resume.text(w, "company")
        add(cv.work, Entry(
            title=position or company, subtitle=company if position else "",
            location=json_resume.text(w, "location"), dates=json_resume.fmt_range(json_resume.text(w, "startDate"), json_resume.text(w, "endDate")),
            url=json_resume.text(w, "url"), summary=json_resume.multiline(w, "summary") or json_resume.multiline(w, "description"),
            bullets=json_resume.strings(w, "highlights"),
        ))
    for v in json_resume.items(content, "volunteer"):
        position, org = json_resume.text(v, "position"), json_resume.text(v, "organization")
        add(cv.volunteer, Entry(
            title=position or org, subtitle=org if position else "",
            dates=json_resume.fmt_range(json_resume.text(v, "startDate"), json_resume.text(v, "endDate")), url=json_resume.text(v, "url"),
            summary=json_resume.multiline(v, "summary"), bullets=json_resume.strings(v, "highlights"),
        ))
    for e in json_resume.items(content, "education"):
        study, area, inst = json_resume.text(e, "studyType"), json_resume.text(e, "area"), json_resume.text(e, "institution")
        degree = f"{study} in {area}" if study and area else (study or area)
        extras = []
        if json_resume.text(e, "score"):
            extras.append(("Grade", json_resume.text(e, "score")))
        courses = json_resume.strings(e, "courses")
        if courses:
            extras.append(("Courses", ", ".join(courses)))
        add(cv.education, Entry(
            title=degree or inst, subtitle=inst if degree else "",
            dates=json_resume.fmt_range(json_resume.text(e, "startDate"), json_resume.text(e, "endDate")), url=json_resume.text(e, "url"),
            extras=extras,
        ))
    for a in json_resume.items(content, "awards"):
        add(cv.awards, Entry(title=json_resume.text(a, "title"), subtitle=json_resume.text(a, "awarder"),
                             dates=json_resume.fmt_date(json_resume.text(a, "date")), summary=json_resume.multiline(a, "summary")))
    for c in json_resume.items(content, "certificates"):
        add(cv.certificates, Entry(title=json_resume.text(c, "name"), subtitle=json_resume.text(c, "issuer"),
                                   dates=json_resume.fmt_date(json_resume.text(c, "date")), url=json_resume.text(c, "url")))
    for p in json_resume.items(content, "publications"):
        add(cv.publications, Entry(title=json_resume.text(p, "name"), subtitle=json_resume.text(p, "publisher"),
                                   dates=json_resume.fmt_date(json_resume.text(p, "releaseDate")), url=json_resume.text(p, "url"),
                                   summary=json_resume.multiline(p, "summary")))
    for p in json_resume.items(content, "projects"):
        add(cv.projects, Entry(
            title=json_resume.text(p, "name"), subtitle=json_resume.join(json_resume.strings(p, "roles")) or json_resume.text(p, "entity"),
            dates=json_resume.fmt_range(json_resume.text(p, "startDate"), json_resume.text(p, "endDate"), open_ended=False),
            url=json_resume.text(p, "url"), summary=json_resume.multiline(p, "description") or json_resume.multiline(p, "summary"),
            bullets=json_resume.strings(p, "highlights"),
        ))
    for s in json_resume.items(content, "skills"):
        item = Named(json_resume.text(s, "name"), json_resume.text(s, "level"), json_resume.strings(s, "keywords"))
        if item.name or item.detail or item.keywords:
            cv.skills.append(item)
    for lang in json_resume.items(content, "languages"):
        item = Named(json_resume.text(lang, "language"), json_resume.text(lang, "fluency"))
        if item.name or item.detail:
            cv.languages.append(item)
    for i in json_resume.items(content, "interests"):
        item = Named(json_resume.text(i, "name"), "", json_resume.strings(i, "keywords"))
        if item.name or item.keywords:
            cv.interests.append(item)
    for r in json_resume.items(content, "references"):
        name, ref = json_resume.text(r, "name"), json_resume.multiline(r, "reference")
        if name or ref:
            cv.references.append((name, ref))
    return cv


def initials(name: str) -> str:
    parts = [p for p in name.replace("-", " ").split() if p[:1].isalpha()]
    if not parts:
        return ""
    if len(parts) == 1:
        return parts[0][0].upper()
    return (parts[0][0] + parts[-1][0]).upper()
