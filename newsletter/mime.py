"""The email itself: headers that cannot be injected, a text and an HTML part.

Every value that reaches a header (a subscriber's name, an issue's title, a
subject written in the editor) goes through `clean_header`, which turns line
breaks into spaces whatever their disguise: raw CR/LF, Unicode line
separators, RFC 2047 encoded words, percent or HTML escapes. The email
message is assembled here rather than by the email package, which is ten
times slower; the tests parse it back with the standard parser.
"""

from __future__ import annotations

import html
import re
import secrets
import unicodedata
from base64 import b64encode
from binascii import b2a_qp
from dataclasses import dataclass, field
from email.header import decode_header, make_header
from functools import lru_cache
from email.headerregistry import Address
from email.utils import formataddr, formatdate

_ENCODED_WORD = re.compile(r"=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=")
_ESCAPED_BREAK = re.compile(r"%0[ad]|\\[rn]", re.IGNORECASE)
MAX_HEADER_CHARS = 250
_WORD_BYTES = 45  # base64 of 45 bytes + "=?utf-8?b??=": 72 characters, under RFC 2047's 75


def _decode_words(value: str) -> str:
    if not _ENCODED_WORD.search(value):
        return value
    try:
        return str(make_header(decode_header(value)))
    except (ValueError, LookupError, UnicodeDecodeError):
        return _ENCODED_WORD.sub(" ", value)


def clean_header(value: str, limit: int = MAX_HEADER_CHARS) -> str:
    """One printable line: every kind of line break or control character becomes a space."""
    text = _decode_words(html.unescape(str(value or "")))
    text = _ESCAPED_BREAK.sub(" ", text)
    text = "".join(" " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch for ch in text)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def address(email: str, name: str = "") -> Address:
    """A header address; refuses an email that would need cleaning rather than guess."""
    if email != clean_header(email) or " " in email:
        raise ValueError(f"unsafe email address: {email!r}")
    user, _, domain = email.rpartition("@")
    return Address(display_name=clean_header(name, 120), username=user, domain=domain)


@dataclass(frozen=True)
class Mail:
    sender: str
    sender_name: str
    to: str
    to_name: str
    subject: str
    text: str
    html: str
    message_id: str
    unsubscribe_url: str | None = None  # RFC 8058 one-click
    list_id: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


@lru_cache(maxsize=256)
def _phrase(text: str) -> str:
    """A header text as RFC 2047 encoded words (base64, folded with CRLF) unless plain ASCII."""
    if text.isascii():
        return text
    words, chunk = [], b""
    for ch in text:  # never split a character across two encoded words
        encoded = ch.encode("utf-8")
        if len(chunk) + len(encoded) > _WORD_BYTES:
            words.append(chunk)
            chunk = b""
        chunk += encoded
    words.append(chunk)
    return "\r\n ".join(f"=?utf-8?b?{b64encode(w).decode('ascii')}?=" for w in words)


def _address(email: str, name: str) -> str:
    address(email, name)  # refuses an unsafe address
    name = clean_header(name, 120)
    if not name:
        return email
    if name.isascii():
        return formataddr((name, email))
    return f"{_phrase(name)} <{email}>"


def _qp(text: str) -> bytes:
    # binascii is C: encoding here, not in the email package, is what makes
    # ten thousand personal messages cheap (bench/bench_send.py).
    body = b2a_qp(text.replace("\r\n", "\n").encode("utf-8"), quotetabs=False, istext=True)
    return body.replace(b"\n", b"\r\n")


def headers(mail: Mail) -> list[tuple[str, str]]:
    found = [
        ("From", _address(mail.sender, mail.sender_name)),
        ("To", _address(mail.to, mail.to_name)),
        ("Subject", _phrase(clean_header(mail.subject))),
        ("Date", formatdate(usegmt=True)),
        ("Message-ID", clean_header(mail.message_id)),
    ]
    if mail.list_id:
        found.append(("List-Id", clean_header(mail.list_id)))
    if mail.unsubscribe_url:
        found.append(("List-Unsubscribe", f"<{clean_header(mail.unsubscribe_url, 2000)}>"))
        found.append(("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"))
    for name, value in mail.headers.items():
        found.append((re.sub(r"[^A-Za-z0-9-]", "", name), _phrase(clean_header(value))))
    return found


def to_bytes(mail: Mail) -> bytes:
    """The whole message, CRLF line ends: multipart/alternative, text first, HTML preferred."""
    # "=_" never occurs in quoted-printable output, so the boundary cannot either.
    boundary = f"=_veille_{secrets.token_hex(12)}"
    head = "".join(f"{name}: {value}\r\n" for name, value in headers(mail))
    part = "--{b}\r\nContent-Type: text/{t}; charset=\"utf-8\"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
    return b"".join((
        head.encode("ascii"),
        b"MIME-Version: 1.0\r\n",
        f'Content-Type: multipart/alternative; boundary="{boundary}"\r\n\r\n'.encode("ascii"),
        part.format(b=boundary, t="plain").encode("ascii"), _qp(mail.text), b"\r\n",
        part.format(b=boundary, t="html").encode("ascii"), _qp(mail.html), b"\r\n",
        f"--{boundary}--\r\n".encode("ascii"),
    ))
