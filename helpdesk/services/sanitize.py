"""Buyer HTML made safe to show: an allow-list of tags and attributes (nh3)."""

from __future__ import annotations

import nh3

_TAGS = {
    "a", "b", "blockquote", "br", "code", "div", "em", "hr", "i", "li", "ol", "p", "pre", "span", "strong",
    "table", "tbody", "td", "th", "thead", "tr", "u", "ul", "h1", "h2", "h3", "h4", "img",
}
_ATTRIBUTES = {"a": {"href", "title"}, "img": {"alt", "title"}, "td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan"}}


def sanitize_html(html: str | None) -> str | None:
    """Keep formatting, drop scripts, styles, event handlers, remote images and unsafe links."""
    if not html:
        return None
    cleaned = nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    return cleaned or None
