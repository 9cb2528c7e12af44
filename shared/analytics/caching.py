"""Validators for analytics answers: a strong ETag from the answer itself, and ``If-None-Match``."""

from __future__ import annotations

import hashlib

CACHE_CONTROL = "private, max-age=60"


def etag_for(body: bytes, variant: str) -> str:
    digest = hashlib.sha256(variant.encode() + b"\0" + body).hexdigest()[:32]
    return f'"{digest}"'


def matches(if_none_match: str | None, etag: str) -> bool:
    """``If-None-Match`` (a list, ``*``, weak or strong tags) matches ``etag`` (weak comparison)."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    bare = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == bare for tag in if_none_match.split(","))
