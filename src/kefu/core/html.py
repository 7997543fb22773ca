"""Customer HTML made safe (nh3) and made readable as text.

Every piece of HTML that comes from outside (emails, chat, portal) goes through `sanitize` before it
is stored or shown; `to_text` gives the plain version kept beside it for search and for channels
that carry no HTML.
"""

import html
import re

import nh3
from markdown_it import MarkdownIt

# Formatting a customer's mail may carry; no scripts, styles, forms, frames or event handlers.
ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em", "font",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "li", "ol", "p", "pre", "s", "small",
    "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
    "font": {"color"},
}
# cid: for inline images of an email (served through the attachment view), data: never.
URL_SCHEMES = {"http", "https", "mailto", "tel", "cid"}


def sanitize(value: str) -> str:
    """HTML with only harmless tags and attributes; links open without passing a referrer."""
    if not value:
        return ""
    return nh3.clean(
        value,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


# CommonMark with tables and strikethrough; raw HTML is let through here and made safe by `sanitize`,
# so an article first written as HTML is valid input too. A line break is a <br>, as Chinese writers
# expect (no two-space line ends).
_MARKDOWN = MarkdownIt("commonmark", {"html": True, "breaks": True}).enable(["table", "strikethrough"])


def markdown_to_html(text: str) -> str:
    """Markdown (HTML allowed) as sanitized HTML: what a knowledge editor writes, made safe to show."""
    if not text or not text.strip():
        return ""
    return sanitize(_MARKDOWN.render(text))


_BLOCK_END = re.compile(r"(?i)<\s*(br\s*/?|/p|/div|/tr|/li|/h[1-6]|/blockquote|/table)\s*>")
_TAG = re.compile(r"(?s)<[^>]+>")
_DROP = re.compile(r"(?is)<(script|style|head|title)\b.*?</\1\s*>")


def to_text(value: str) -> str:
    """A readable plain-text version of HTML: block ends become line breaks, entities decoded."""
    if not value:
        return ""
    text = _DROP.sub("", value)
    text = _BLOCK_END.sub("\n", text)
    text = html.unescape(_TAG.sub("", text)).replace("\xa0", " ")
    lines = [line.rstrip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
