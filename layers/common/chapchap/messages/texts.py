"""What the messages say, in Swahili (the default) and English.

Written for each language, not translated word by word: a Swahili SMS reads like one a
Tanzanian business would send. Every text is plain (no HTML): SMS and email alike.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

LOCALES = ("sw", "en")
DEFAULT_LOCALE = "sw"
BRAND = "CV Chap Chap"


@dataclass(frozen=True)
class Text:
    subject: str  # empty for an SMS
    body: str


def money(amount: int, currency: str = "TZS") -> str:
    """`TZS 3,000`: whole shillings with a thousands comma, as receipts in Tanzania print them."""
    return f"{currency} {int(amount):,}"


def _payment_sms(locale: str, p: dict[str, Any]) -> Text:
    amount = money(p["amount"], p.get("currency", "TZS"))
    if locale == "en":
        return Text("", f"We have received your payment of {amount}. Reference: {p['reference']}. "
                        f"Download your CV: {p['download_url']}")
    return Text("", f"Malipo yako ya {amount} yamepokelewa. Kumbukumbu: {p['reference']}. "
                    f"Pakua CV yako: {p['download_url']}")


def _payment_email(locale: str, p: dict[str, Any]) -> Text:
    amount = money(p["amount"], p.get("currency", "TZS"))
    name, title = p.get("name") or "", p.get("cv_title") or "CV"
    if locale == "en":
        return Text(f"Payment received: {p['reference']}", "\n".join([
            f"Hello {name},".replace(" ,", ","), "",
            f"Thank you. We have received your payment of {amount} for the CV \"{title}\".", "",
            f"Payment reference: {p['reference']}", "",
            "Your CV is ready to download here:", p["download_url"], "",
            "You can download it again at any time after signing in to your account.", "",
            BRAND]))
    return Text(f"Malipo yamepokelewa: {p['reference']}", "\n".join([
        f"Habari {name},".replace(" ,", ","), "",
        f"Asante! Tumepokea malipo yako ya {amount} kwa ajili ya CV \"{title}\".", "",
        f"Kumbukumbu ya malipo: {p['reference']}", "",
        "CV yako iko tayari. Ipakue hapa:", p["download_url"], "",
        "Unaweza kuipakua tena wakati wowote baada ya kuingia kwenye akaunti yako.", "",
        BRAND]))


def _reset_code_sms(locale: str, p: dict[str, Any]) -> Text:
    if locale == "en":
        return Text("", f"Your {BRAND} password reset code is {p['code']}. It expires in 15 minutes. "
                        "Do not share it with anyone.")
    return Text("", f"Namba yako ya kubadilisha nenosiri la {BRAND} ni {p['code']}. Itafanya kazi kwa "
                    "dakika 15. Usimpe mtu yeyote namba hii.")


def _reset_link_email(locale: str, p: dict[str, Any]) -> Text:
    name = p.get("name") or ""
    if locale == "en":
        return Text(f"Reset your {BRAND} password", "\n".join([
            f"Hello {name},".replace(" ,", ","), "",
            (f"We received a request to reset the password of your {BRAND} account. "
             "Open this link within 15 minutes to choose a new password:"), p["url"], "",
            ("The link works once. If you did not ask for this, ignore this email: your password stays "
             "as it is."), "",
            BRAND]))
    return Text(f"Badilisha nenosiri lako la {BRAND}", "\n".join([
        f"Habari {name},".replace(" ,", ","), "",
        (f"Tumepokea ombi la kubadilisha nenosiri la akaunti yako ya {BRAND}. Fungua kiungo hiki "
         "ndani ya dakika 15 ili uweke nenosiri jipya:"), p["url"], "",
        ("Kiungo hiki kinatumika mara moja tu. Kama hukuomba kubadilisha nenosiri, puuza barua pepe "
         "hii; nenosiri lako litabaki lilivyo."), "",
        BRAND]))


_TEXTS = {
    ("payment-completed", "sms"): _payment_sms,
    ("payment-completed", "email"): _payment_email,
    ("password-reset", "sms"): _reset_code_sms,
    ("password-reset", "email"): _reset_link_email,
}


def render(kind: str, channel: str, locale: str | None, params: dict[str, Any]) -> Text:
    return _TEXTS[(kind, channel)](locale if locale in LOCALES else DEFAULT_LOCALE, params)
