"""Bodies of the admin money endpoints: templates and settings.

The layouts and fonts a template may name are constants here rather than imports of
`chapchap.pdf` (which would load fpdf2 and cost the admin functions ~100 ms of cold start);
tests/unit/test_admin_money.py keeps them equal to `chapchap.pdf.LAYOUTS`,
`chapchap.pdf.FONT_FAMILIES` and the renderer's theme keys.
"""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field, StrictBool, StrictInt, StringConstraints

from chapchap.models.common import Input, Unchanged

TEMPLATE_LAYOUTS: tuple[str, ...] = ("classic", "modern", "compact")
THEME_FONTS: tuple[str, ...] = ("Noto Sans", "Noto Serif", "Open Sans")
MAX_PRICE = 10_000_000  # TZS; far above any CV price, low enough to catch a typo'd zero run

TemplateId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)]
# `\s` differs between the server's regex (Unicode White_Space: has U+0085, not U+FEFF) and the
# document's (ECMA-262: has U+FEFF, not U+0085): both named, so the two agree on every URL.
HttpsUrl = Annotated[str, StringConstraints(pattern=r"^https://[^\s\u0085\ufeff]+$", max_length=2000)]
Price = Annotated[StrictInt, Field(ge=0, le=MAX_PRICE)]
Sort = Annotated[StrictInt, Field(ge=0, le=99_999)]
Color = Annotated[str, StringConstraints(pattern=r"^#([0-9A-Fa-f]{3}|[0-9A-Fa-f]{6})$")]
Font = Literal["Noto Sans", "Noto Serif", "Open Sans"]
Margin = Annotated[float, Field(ge=5, le=40)]
Layout = Literal["classic", "modern", "compact"]
Secret = Annotated[str, StringConstraints(min_length=4, max_length=500, pattern=r"^\S(.*\S)?$")]


class ThemeColors(Input):
    primary: Color | None = None
    accent: Color | None = None
    text: Color | None = None
    muted: Color | None = None
    sidebar_bg: Color | None = None
    sidebar_text: Color | None = None


class ThemeFonts(Input):
    heading: Font | None = None
    body: Font | None = None


class ThemeMargins(Input):
    top: Margin | None = None
    right: Margin | None = None
    bottom: Margin | None = None
    left: Margin | None = None


class Theme(Input):
    """What the PDF renderer reads from a theme; every part optional (the layout's default)."""
    colors: ThemeColors | None = None
    fonts: ThemeFonts | None = None
    margins: ThemeMargins | None = None
    font_size: Annotated[float, Field(ge=7, le=14)] | None = None


class TemplateCreateIn(Input):
    id: TemplateId | None = None
    name: Name
    description: Description = ""
    thumbnail_url: HttpsUrl | None = None
    layout: Layout
    theme: Theme = Field(default_factory=Theme)
    price: Price | None = None  # null: the default price of the settings
    sort: Sort = 100
    is_active: StrictBool = True


class TemplateUpdateIn(Input):
    """The fields given are changed (`price: null` goes back to the default price); the
    active state has its own endpoint."""
    model_config = ConfigDict(json_schema_extra={"minProperties": 1})  # an empty change is a 422
    name: Name = Unchanged
    description: Description = Unchanged
    thumbnail_url: HttpsUrl | None = None  # null removes the thumbnail
    layout: Layout = Unchanged
    theme: Theme = Unchanged
    price: Price | None = None
    sort: Sort = Unchanged


class TemplateStatusIn(Input):
    is_active: StrictBool


class SettingsUpdateIn(Input):
    """Every field optional. Secrets are write-only (stored in Parameter Store, shown masked).
    `currency` and `business_time_zone` are accepted only unchanged."""
    default_price: Price | None = None
    currency: Annotated[str, StringConstraints(max_length=10), Field(json_schema_extra={"readOnly": True})] | None = None
    # readOnly: the document tells clients not to send it (a deployment parameter; sent
    # unchanged it is accepted, changed it is a 422 READ_ONLY_SETTING that says why).
    business_time_zone: Annotated[str, StringConstraints(max_length=64), Field(json_schema_extra={"readOnly": True})] | None = None
    ai_provider: Literal["none", "openai", "anthropic"] | None = None
    # The resume check's language model: an OpenAI-compatible chat completions API. Plain
    # http only on this machine (a local fake or proxy); the key travels to this address.
    ai_base_url: Annotated[str, StringConstraints(
        max_length=300, pattern=r"^(https://[A-Za-z0-9.-]+(:\d{1,5})?|http://(127\.0\.0\.1|localhost)(:\d{1,5})?)(/[A-Za-z0-9._~/-]*)?$")] | None = None
    ai_model: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,99}$")] | None = None
    selcom_vendor: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{2,40}$")] | None = None
    selcom_api_key: Secret | None = None
    selcom_api_secret: Secret | None = None
    selcom_webhook_secret: Secret | None = None
    openai_api_key: Secret | None = None
    anthropic_api_key: Secret | None = None
