"""Templates as the visitor sees them, and the starter set a new deployment begins with.

A template is data: a layout the PDF renderer knows (classic, modern, compact) plus a theme
(colours, fonts, margins) and an optional price. A new look on an existing layout is a new
item, not new code.
"""
from __future__ import annotations

import time
from typing import Any

from chapchap.data import table, templates
from chapchap.settings import settings

# The settings item (chapchap/admin/settings.py writes it): the default price is read here.
SETTINGS_KEY = ("SETTINGS", "CURRENT")
PRICE_CACHE_SECONDS = 60
_price_cache: dict[str, Any] = {"value": None, "at": 0.0}

STARTER_TEMPLATES: list[dict[str, Any]] = [
    {"id": "classic-navy", "name": "Classic Navy", "layout": "classic", "price": 5000, "sort": 10,
     "description": "A timeless single column with serif type and navy rules. Suits banking, law and government roles.",
     "theme": {"colors": {"primary": "#1A365D", "accent": "#2B6CB0"},
               "fonts": {"heading": "Noto Serif", "body": "Noto Serif"}}},
    {"id": "modern-ocean", "name": "Modern Ocean", "layout": "modern", "price": 7000, "sort": 20,
     "description": "Two columns with a deep-blue sidebar for your photo, contacts and skills.",
     "theme": {"colors": {"primary": "#1F4E79", "accent": "#2E86C1", "sidebar_bg": "#1F4E79",
                          "sidebar_text": "#FFFFFF"}, "fonts": {"heading": "Open Sans", "body": "Open Sans"}}},
    {"id": "compact-ats", "name": "Compact ATS", "layout": "compact", "price": 3000, "sort": 30,
     "description": "Plain, dense and machine-readable: passes applicant tracking systems.",
     "theme": {"fonts": {"heading": "Noto Sans", "body": "Noto Sans"}}},
    {"id": "modern-kilimanjaro", "name": "Modern Kilimanjaro", "layout": "modern", "price": 7000, "sort": 40,
     "description": "The two-column layout in warm sunset tones, for creative and hospitality roles.",
     "theme": {"colors": {"primary": "#9C4221", "accent": "#DD6B20", "sidebar_bg": "#7B341E",
                          "sidebar_text": "#FFF5EB"}, "fonts": {"heading": "Open Sans", "body": "Noto Sans"}}},
    {"id": "classic-zanzibar", "name": "Classic Zanzibar", "layout": "classic", "price": None, "sort": 50,
     "description": "The classic layout in teal with sans-serif type; priced at the default price.",
     "theme": {"colors": {"primary": "#234E52", "accent": "#319795"},
               "fonts": {"heading": "Open Sans", "body": "Noto Sans"}}},
]


def price_of(template: dict[str, Any]) -> dict[str, Any]:
    """The template's own price, else the default price of the settings."""
    amount = template.get("price")
    if amount is None:
        amount = default_price()
    return {"amount": int(amount), "currency": settings().currency}


def default_price() -> int:
    """The price of a template without its own price: the stored setting, else the
    deployment's `DEFAULT_PRICE_TZS`. One GetItem per container per minute at most."""
    now = time.monotonic()
    if _price_cache["value"] is not None and now - _price_cache["at"] < PRICE_CACHE_SECONDS:
        return _price_cache["value"]
    item = table.get(*SETTINGS_KEY) or {}
    value = int(item["default_price"]) if item.get("default_price") is not None else settings().default_price
    _price_cache.update(value=value, at=now)
    return value


def reset_price_cache() -> None:
    _price_cache.update(value=None, at=0.0)


def public_template(template: dict[str, Any], *, generated_thumbnail: bool = True) -> dict[str, Any]:
    """The visitor's view. `thumbnail_url`: the admin's URL, else (with `generated_thumbnail`)
    a presigned link to the image made from the template's look (chapchap.templates.thumbnails)."""
    if generated_thumbnail:
        from chapchap.templates import thumbnails

        thumbnail = thumbnails.url(template)
    else:
        thumbnail = template.get("thumbnail_url")
    return {"id": template["id"], "name": template["name"], "description": template.get("description", ""),
            "thumbnail_url": thumbnail, "layout": template["layout"],
            "theme": template.get("theme") or {}, "price": price_of(template)}


def public_templates() -> list[dict[str, Any]]:
    return [public_template(t) for t in templates.list_active()]


def starter_items() -> list[dict[str, Any]]:
    """The starter templates as items, stamped now."""
    return [templates.new_template(id=spec["id"], name=spec["name"], description=spec["description"],
                                   layout=spec["layout"], theme=spec["theme"], price=spec["price"],
                                   sort=spec["sort"])
            for spec in STARTER_TEMPLATES]


def seed_starter_templates() -> int:
    """Write the starter templates that do not exist yet, unaudited (test and benchmark
    set-up; a deployment and the local stack go through chapchap.bootstrap, which audits)."""
    return sum(templates.put_if_absent(item) for item in starter_items())
