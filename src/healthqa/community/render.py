"""Posts' Markdown as safe HTML: markdown-it-py renders it (raw HTML off), nh3 keeps only the tags below.

Two layers: markdown-it-py with ``html`` off escapes any HTML written in a post, and nh3 (ammonia) then allows
only plain text formatting and http(s)/mailto links, which get ``rel="nofollow noopener noreferrer ugc"``.
Images are not allowed: an image from another site would tell it who reads the post.
"""

from __future__ import annotations

import re

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = frozenset({
    "p", "br", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li", "a", "h3", "h4", "hr",
})
_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_markdown.disable("image")
# Headings in a post are shown one or two levels down, below the page's own headings.
_HEADING = re.compile(r"<(/?)h[1-6]>")
_LINK = re.compile(r"https?://|www\.|\]\(|<a\s", re.IGNORECASE)


def markdown_html(text: str) -> str:
    html = _markdown.render(text)
    html = _HEADING.sub(lambda m: f"<{m.group(1)}h4>", html)
    return nh3.clean(
        html, tags=set(ALLOWED_TAGS), attributes={"a": {"href"}}, url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer ugc", strip_comments=True,
    )


def has_link(text: str) -> bool:
    """Whether ``text`` holds a web link: a URL or www. written out, or anything the Markdown renders as a link
    (reference links and autolinks included, whatever their scheme's spelling: review defect 8)."""
    return bool(_LINK.search(text)) or "<a " in _markdown.render(text)
