"""The one URL policy of the report, the review app, every export and the reference validator:
only absolute ``http``/``https`` URLs with a host become links; anything else (``javascript:``,
``data:``, relative or malformed) is shown as text."""
from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

LINK_SCHEMES = ("http", "https")
_UNSAFE_IN_URL = re.compile(r"[\x00-\x20\x7f-\x9f\\]")  # controls, whitespace, backslash


def link_url(url: Any) -> str | None:
    """``url`` when it may become a link or a published URL, else None.

    Only absolute ``http``/``https`` URLs with a host qualify; whitespace, control characters and
    backslashes (which browsers may strip or reinterpret) disqualify a URL.

    Example:
        >>> link_url("https://example.org/a?b=1"), link_url("javascript:alert(1)"), link_url(" java\tscript:x")
        ('https://example.org/a?b=1', None, None)
    """
    if not isinstance(url, str) or not url or len(url) > 4096 or _UNSAFE_IN_URL.search(url):
        return None
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:  # e.g. a malformed IPv6 host
        return None
    if parts.scheme.lower() not in LINK_SCHEMES or not host:
        return None
    return url
