"""Which mobile network a Tanzanian number belongs to, from its prefix: the one table of it.

Source: the mobile number blocks of the National Numbering Plan of the Tanzania
Communications Regulatory Authority (TCRA), as allocated on 2026-12-02 (the date this table
was written; check it against TCRA's current allocation list when an operator gets a new
block). The national number is nine digits after 255; its first two name the block.

A number keeps its prefix when it moves to another operator (mobile number portability), so
the split is by the network that issued the number, which is what payers mostly still use.
Blocks not listed here (new allocations, smaller operators) count as "other".
"""
from __future__ import annotations

from chapchap.phone import InvalidPhone, normalize_phone

NETWORKS = ("vodacom", "tigo", "airtel", "halotel", "ttcl", "other")

# Two first digits of the national number -> network.
PREFIXES: dict[str, str] = {
    "74": "vodacom", "75": "vodacom", "76": "vodacom",
    "65": "tigo", "67": "tigo", "71": "tigo",
    "77": "tigo",  # Zantel's block: Zantel merged into Tigo (Honora Tanzania) in 2022
    "68": "airtel", "69": "airtel", "78": "airtel",
    "61": "halotel", "62": "halotel",
    "73": "ttcl",
}


def network_of(phone: str | None) -> str:
    """The network of a number in any accepted form; "other" for none or an unknown block."""
    if not phone:
        return "other"
    try:
        national = normalize_phone(phone)[3:]
    except InvalidPhone:
        return "other"
    return PREFIXES.get(national[:2], "other")
