"""QR tickets: "<registration id>.<nonce>" signed with the site's key. Unguessable (the nonce is
random, the signature needs SECRET_KEY), re-derivable for the person's own ticket page, and
revocable by drawing a new nonce. A check-in device gets only a hash of each ticket (roster_key).
"""

from __future__ import annotations

import io
import secrets

import segno
from django.core import signing

SALT = "htxconnect.events.ticket"


class BadTicket(ValueError):
    """The text is not a ticket this site signed (forged, damaged, or from another site)."""


def new_nonce() -> str:
    return secrets.token_hex(8)


def ticket_token(registration) -> str:
    return signing.Signer(salt=SALT).sign(f"{registration.pk}.{registration.ticket_nonce}")


def parse_ticket(token: str) -> tuple[int, str]:
    """(registration id, nonce) of a genuine ticket; BadTicket otherwise. Accepts the ticket page's
    URL too (what the QR code holds): the token is its last path segment."""
    text = (token or "").strip()
    if "/t/" in text:
        text = text.rstrip("/").rsplit("/", 1)[-1]
    try:
        value = signing.Signer(salt=SALT).unsign(text)
        pk, nonce = value.split(".", 1)
        return int(pk), nonce
    except (signing.BadSignature, ValueError) as error:
        raise BadTicket(text[:40]) from error


def qr_svg(text: str, scale: int = 6) -> str:
    """The QR code of `text` as an inline SVG (no external image request: it shows offline)."""
    out = io.BytesIO()
    segno.make(text, error="m", micro=False).save(out, kind="svg", scale=scale, border=2, xmldecl=False,
                                                  svgns=True, nl=False)
    return out.getvalue().decode()


def qr_png(text: str, scale: int = 6) -> bytes:
    out = io.BytesIO()
    segno.make(text, error="m", micro=False).save(out, kind="png", scale=scale, border=2)
    return out.getvalue()
