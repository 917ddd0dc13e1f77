"""HTML written by editors (news bodies, model-cooperative stories) is cleaned by nh3 (Ammonia)
before it is stored: scripts, event handlers, styles and javascript: links are removed, so the
public pages can print it as safe. Decision record 0019."""

from __future__ import annotations

import nh3

TAGS = {"p", "br", "h2", "h3", "h4", "strong", "b", "em", "i", "u", "ul", "ol", "li", "blockquote", "a", "img",
        "figure", "figcaption", "table", "thead", "tbody", "tr", "th", "td", "hr"}
ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "width", "height"}, "th": {"scope"}, "td": {"colspan"}}


def clean_html(html: str) -> str:
    return nh3.clean(html or "", tags=TAGS, attributes=ATTRIBUTES, url_schemes={"http", "https", "mailto"},
                     link_rel="noopener noreferrer")
