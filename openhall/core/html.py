"""Rich text a person types (an article, an activity's description), cleaned before it is stored
and again when it is shown (`{{ body|rich_text }}`, core/templatetags/rich_text.py), so a row
written before a rule tightened is cleaned by today's rule.

In core because more than one app takes rich text and each must clean it the same way.
"""

import re

import nh3
from django.core.files.storage import default_storage

# What rich text may contain: what a WeChat-style article needs (headings, lists, quotes, tables,
# links, pictures). No style, class or span (text pasted from Word or the WeChat editor brings
# pages of them), no script, no event handlers; links only to the web, mail and phone.
TAGS = {
    "p",
    "br",
    "strong",
    "b",
    "em",
    "i",
    "u",
    "h2",
    "h3",
    "h4",
    "ul",
    "ol",
    "li",
    "blockquote",
    "a",
    "img",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "hr",
}
# Removed with everything inside them: Word's pasted <style> and <xml> blocks, a page's <title>.
DROPPED_WITH_CONTENT = {"script", "style", "title", "xml", "head", "noscript", "template"}
ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}
# A picture in the text is one we re-encoded ourselves (news.services.body_picture_save): a JPEG
# with a random name under our own media URL. Anything else — another site (the CSP refuses it
# anyway), a data: URI pasted from the clipboard, an SVG — is taken out.
_OWN_PICTURE_NAME = re.compile(r"[A-Za-z0-9_/-]+\.jpg")
_IMG_WITHOUT_SRC = re.compile(r"<img(?![^>]*\ssrc=)[^>]*>")


def pictures_url_prefix() -> str:
    """Where our public pictures are served from: /media/ on one box, the bucket's public
    prefix on S3."""
    return default_storage.url("x.jpg").split("?", 1)[0][: -len("x.jpg")]


def is_own_picture(src: str) -> bool:
    prefix = pictures_url_prefix()
    return (
        src.startswith(prefix)
        and ".." not in src
        and _OWN_PICTURE_NAME.fullmatch(src[len(prefix) :]) is not None
    )


def _keep_attribute(element: str, attribute: str, value: str) -> str | None:
    if element == "img" and attribute == "src" and not is_own_picture(value):
        return None
    return value


def clean_html(text: str) -> str:
    cleaned = nh3.clean(
        text or "",
        tags=TAGS,
        clean_content_tags=DROPPED_WITH_CONTENT,
        attributes=ATTRIBUTES,
        attribute_filter=_keep_attribute,
        url_schemes={"http", "https", "mailto", "tel"},
        link_rel="noopener noreferrer",
    )
    # An <img> whose src was refused is nothing but an empty box: it goes. (nh3's output is
    # normalised — every attribute quoted, ">" escaped inside values — so this pattern is exact.)
    return _IMG_WITHOUT_SRC.sub("", cleaned).strip()
