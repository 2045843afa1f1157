"""Share links of paid CVs: one public link per CV with its QR codes, and its views.

A link is `FRONTEND_BASE_URL/s/<slug>`; the slug is `secrets.token_urlsafe(SLUG_BYTES)`: 96
random bits, URL-safe, so links cannot be guessed or walked. Its QR codes (SVG and PNG, by
segno) are made once, when the link is, and kept in S3 under the CV's owner:

    shares/<user|anon>/<owner id>/<cv_id>/<slug>.svg|png

The public page reads the link by slug (no account). It shows the CV's name, label, template
and a 5-minute link to the last rendered PDF (after an edit, the previous PDF until the new one
is ready: the edit already asked for it); a CV never rendered answers `Rendering` and asks for
the render, like the owner's download. The PDF's own key names the owner and the CV
(`pdfs/user/<id>/<cv>/v<n>.pdf`), and a presigned link shows its key, so the public link
points at a copy named by the slug alone, made in the bucket (CopyObject) on the first view
after each render:

    public/<slug>.pdf

Views: a viewer is an HMAC of the address and the user agent under a salt of the day (derived
from the signing secret and the business date), so the same person is recognised for 30
minutes and cannot be followed from one day to the next; the address is never stored, not even
hashed without the salt (every IPv4 address can be hashed in minutes). Public requests are
throttled per keyed hash of the address. Keys: chapchap/data/shares.py.
"""
from __future__ import annotations

import hashlib
import hmac
import io
import re
import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlsplit

from chapchap import clock, cursor, storage
from chapchap.cvs import editing
from chapchap.data import cvs as cv_data
from chapchap.data import shares
from chapchap.data import throttle
from chapchap.data.cvs import Owner
from chapchap.errors import Conflict, NotFound, PaymentRequired, Throttled
from chapchap.pdf import queue as renders
from chapchap.secretstore import get_secret
from chapchap.settings import settings

SLUG_BYTES = 12  # 96 bits of randomness, 16 URL-safe characters
LINK_SECONDS = 300  # presigned QR and PDF links
PUBLIC_LIMIT = 120  # public requests per address and window: a school or an office shares one
PUBLIC_WINDOW_SECONDS = 600  # address (carrier NAT too), so the limit is loose; it stops walking
QR_SCALE = 10  # pixels per module of the PNG: 410 px for a link, sharp when printed small
COUNTRY = re.compile(r"^[A-Z]{2}$")
DEVICES = ("mobile", "tablet", "desktop", "bot")
_BOT = re.compile(r"bot|crawl|spider|slurp|scan|fetch|preview|facebookexternalhit|whatsapp|telegram|"
                  r"headless|curl|wget|python|java/|go-http|okhttp|httpclient|axios|node-fetch", re.I)
_TABLET = re.compile(r"ipad|tablet|kindle|silk|playbook|android(?!.*mobile)", re.I)
_MOBILE = re.compile(r"mobi|iphone|ipod|android|windows phone|opera mini|kaios|blackberry|nokia", re.I)


@dataclass(frozen=True)
class Visit:
    """What the edge tells about a public request; `address` is used, never kept."""
    address: str
    user_agent: str = ""
    referrer: str = ""
    country: str = ""


@dataclass(frozen=True)
class Shared:
    share: dict[str, Any]
    created: bool  # a new link (201) rather than the live one (200)


@dataclass(frozen=True)
class PublicCv:
    name: str | None
    label: str | None
    template_id: str
    pdf_url: str
    expires_at: str


@dataclass(frozen=True)
class Rendering:
    status: str = "rendering"


# ---------------------------------------------------------------- the owner's link
def share(owner: Owner, cv_id: str) -> Shared:
    """The CV's live link, made (with its QR codes) if it has none."""
    cv = _paid(owner, cv_id)
    if cv.get("share_slug"):
        live = shares.get(cv["share_slug"], consistent=True)
        if live:
            return Shared(_public_share(live), created=False)
    slug = secrets.token_urlsafe(SLUG_BYTES)
    prefix = qr_prefix(cv)
    svg_key, png_key = f"{prefix}/{slug}.svg", f"{prefix}/{slug}.png"
    svg, png = qr_codes(link_url(slug))
    storage.put(svg_key, svg, "image/svg+xml", cache_control="private, max-age=300")
    storage.put(png_key, png, "image/png", cache_control="private, max-age=300")
    item = shares.new_share(cv_id, slug, svg_key=svg_key, png_key=png_key)
    try:
        shares.create(item)
    except shares.AlreadyShared:
        # Another request made the link first (or the CV changed meanwhile): answer its state.
        # The two small images of the losing slug stay (no delete grant for a rare race).
        cv = _paid(owner, cv_id)
        live = shares.get(cv["share_slug"], consistent=True) if cv.get("share_slug") else None
        if not live:  # revoked in the same instant: the caller may simply ask again
            raise Conflict("The CV's link changed meanwhile. Please try again.", code="CONCURRENT_UPDATE") from None
        return Shared(_public_share(live), created=False)
    return Shared(_public_share(item), created=True)


def revoke(owner: Owner, cv_id: str) -> None:
    """The link stops answering at once; a later share makes a new slug. Nothing to revoke is
    not an error (DELETE is idempotent)."""
    cv = editing.owned(owner, cv_id)
    slug = cv.get("share_slug")
    if not slug:
        return
    live = shares.get(slug, consistent=True)
    if shares.revoke(cv_id, slug) and live:
        storage.delete([live["qr_svg_key"], live["qr_png_key"], public_pdf_key(slug)])


def views(owner: Owner, cv_id: str, *, limit: int, page: str | None) -> tuple[list[dict], str | None, int]:
    """The live link's views, newest first, the next cursor and the total (the link's counter).
    NotFound when the CV has no live link: views belong to a link, and a revoked link's views
    go with it (as its slug does)."""
    cv = editing.owned(owner, cv_id)
    slug = cv.get("share_slug")
    live = shares.get(slug) if slug else None
    scope = f"share-views:{cv_id}:{slug}"
    start = cursor.decode(page, scope)
    if not live:
        raise NotFound("This CV has no share link.")
    items, last = shares.views(slug, limit=limit, start_key=start)
    shown = [{"at": v["at"], "referrer_host": v.get("referrer_host"), "country": v.get("country"),
              "device": v.get("device", "desktop")} for v in items]
    return shown, cursor.encode(last, scope), int(live.get("views", 0))


def _paid(owner: Owner, cv_id: str) -> dict[str, Any]:
    cv = editing.owned(owner, cv_id)
    if not cv.get("is_paid"):
        raise PaymentRequired("Pay for this CV to share it.", code="PAYMENT_REQUIRED")
    return cv


def _public_share(item: dict[str, Any]) -> dict[str, Any]:
    return {"slug": item["slug"], "url": link_url(item["slug"]),
            "qr_svg_url": storage.view_url(item["qr_svg_key"], expires=LINK_SECONDS),
            "qr_png_url": storage.view_url(item["qr_png_key"], expires=LINK_SECONDS),
            "created_at": item["created_at"], "views": int(item.get("views", 0))}


def link_url(slug: str) -> str:
    return f"{settings().frontend_base_url}/s/{slug}"


def qr_prefix(cv: dict[str, Any]) -> str:
    owner = cv_data.owner_of(cv)
    return f"shares/{owner.kind}/{owner.id}/{cv['id']}" if owner else f"shares/unowned/{cv['id']}"


def qr_codes(url: str) -> tuple[bytes, bytes]:
    """The link as a QR code, SVG and PNG. Error correction M survives a crease or a smudge
    on paper; the quiet zone of 4 modules is what readers expect."""
    import segno  # only the share function needs it

    code = segno.make_qr(url, error="m")
    svg, png = io.BytesIO(), io.BytesIO()
    code.save(svg, kind="svg", scale=QR_SCALE, border=4, xmldecl=False, title="CV link")
    code.save(png, kind="png", scale=QR_SCALE, border=4)
    return svg.getvalue(), png.getvalue()


# ---------------------------------------------------------------- the public page
def open_link(slug: str, visit: Visit) -> PublicCv | Rendering:
    """The shared CV as the public page shows it, and the view counted (once per viewer and
    30 minutes). Unknown, revoked, deleted, unowned or no longer paid: NotFound, all alike."""
    day = clock.business_date()
    if not throttle.hit("PUBLICCV", _keyed(day, "address", visit.address), limit=PUBLIC_LIMIT,
                        window_seconds=PUBLIC_WINDOW_SECONDS):
        raise Throttled("Too many requests from your network. Please wait a few minutes.",
                        retry_after=throttle.seconds_left(PUBLIC_WINDOW_SECONDS))
    gone = NotFound("This link does not exist or was turned off by its owner.")
    link = shares.get(slug) if _slug_like(slug) else None
    if not link:
        raise gone
    cv = cv_data.get(link["cv_id"])
    if (not cv or cv.get("deleted_at") or not cv.get("is_paid") or cv.get("share_slug") != slug
            or cv_data.owner_of(cv) is None):
        raise gone
    moment = clock.now()
    counted = shares.record_view(slug, _keyed(day, "viewer", f"{visit.address}\n{visit.user_agent}"), moment, {
        "referrer_host": referrer_host(visit.referrer), "country": country(visit.country),
        "device": device(visit.user_agent)})
    if counted is None:
        raise gone
    if not cv.get("pdf_key"):
        renders.render_unless_under_way(cv)
        return Rendering()
    public_key = public_pdf_key(slug)
    if link.get("pdf_source") != cv["pdf_key"]:
        storage.copy(cv["pdf_key"], public_key, "application/pdf", cache_control="private, max-age=300")
        shares.set_pdf_source(slug, cv["pdf_key"])
    basics = _basics(cv)
    return PublicCv(name=_text(basics.get("name")), label=_text(basics.get("label")),
                    template_id=cv["template_id"], pdf_url=storage.view_url(public_key, expires=LINK_SECONDS),
                    expires_at=clock.iso(moment + timedelta(seconds=LINK_SECONDS)))


def public_pdf_key(slug: str) -> str:
    return f"public/{slug}.pdf"


def _slug_like(slug: str) -> bool:
    return bool(re.fullmatch(r"[A-Za-z0-9_-]{8,64}", slug or ""))


def _basics(cv: dict[str, Any]) -> dict[str, Any]:
    basics = cv_data.content_of(cv).get("basics")
    return basics if isinstance(basics, dict) else {}


def _text(value: Any) -> str | None:
    return (value.strip()[:200] or None) if isinstance(value, str) else None


def _keyed(day: date, purpose: str, value: str) -> str:
    """An HMAC of `value` under the day's salt: the same input gives the same hash all day,
    and nothing links it to the input without the secret, nor to the next day's hash."""
    salt = hmac.new(get_secret("jwt-secret").encode("utf-8"), f"share-salt#{day.isoformat()}".encode(),
                    hashlib.sha256).digest()
    return hmac.new(salt, f"{purpose}#{value}".encode("utf-8", "replace"), hashlib.sha256).hexdigest()[:32]


def referrer_host(referrer: str) -> str | None:
    """The host alone: a path or query could carry someone's data."""
    try:
        host = urlsplit((referrer or "").strip()).hostname
    except ValueError:
        return None
    if not host or len(host) > 253 or not re.fullmatch(r"[a-z0-9.-]+", host):
        return None
    return host


def country(value: str) -> str | None:
    value = (value or "").strip().upper()
    return value if COUNTRY.match(value) else None


def device(user_agent: str) -> str:
    """Simple rules on the user agent; an empty one is a program, not a browser."""
    ua = (user_agent or "").strip()
    if not ua or _BOT.search(ua):
        return "bot"
    if _TABLET.search(ua):
        return "tablet"
    if _MOBILE.search(ua):
        return "mobile"
    return "desktop"
