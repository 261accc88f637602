"""Rich text a person types (an article, an activity's description), cleaned before it is stored
and again when it is shown (`{{ body|rich_text }}`, core/templatetags/rich_text.py), so a row
written before a rule tightened is cleaned by today's rule.

In core because more than one app takes rich text and each must clean it the same way.
"""

import re

import nh3
from django.conf import settings
from django.core.files.storage import default_storage
from django.utils.html import escape

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
# with a random name in our default storage. Anything else — another site (the CSP refuses it
# anyway), a data: URI pasted from the clipboard, an SVG — is taken out.
#
# It is stored as a stable path under MEDIA_URL ("/media/news/1/body/ab12.jpg"), whatever URL the
# editor had (on S3 a signed URL that expires in hours), and turned back into the storage's URL
# each time it is shown (`show_pictures`, through the rich_text filter).
_OWN_PICTURE_NAME = re.compile(r"[A-Za-z0-9_/-]+\.jpg")
_IMG_WITHOUT_SRC = re.compile(r"<img(?![^>]*\ssrc=)[^>]*>")


def pictures_url_prefix() -> str:
    """Where our public pictures are served from: /media/ on one box, the bucket's public
    prefix on S3."""
    return default_storage.url("x.jpg").split("?", 1)[0][: -len("x.jpg")]


def own_picture_name(src: str, prefixes: tuple[str, ...] | None = None) -> str | None:
    """The stored name behind an <img src> of ours (a stable /media/ path or the storage's own,
    maybe signed, URL), or None when it is not one of our pictures."""
    path = src.split("?", 1)[0]
    for prefix in prefixes or (settings.MEDIA_URL, pictures_url_prefix()):
        if path.startswith(prefix):
            name = path[len(prefix) :]
            if ".." not in name and _OWN_PICTURE_NAME.fullmatch(name):
                return name
    return None


def clean_html(text: str) -> str:
    prefixes = (settings.MEDIA_URL, pictures_url_prefix())

    def keep_attribute(element: str, attribute: str, value: str) -> str | None:
        if element == "img" and attribute == "src":
            name = own_picture_name(value, prefixes)
            return None if name is None else settings.MEDIA_URL + name
        return value

    cleaned = nh3.clean(
        text or "",
        tags=TAGS,
        clean_content_tags=DROPPED_WITH_CONTENT,
        attributes=ATTRIBUTES,
        attribute_filter=keep_attribute,
        url_schemes={"http", "https", "mailto", "tel"},
        link_rel="noopener noreferrer",
    )
    # An <img> whose src was refused is nothing but an empty box: it goes. (nh3's output is
    # normalised — every attribute quoted, ">" escaped inside values — so this pattern is exact.)
    return _IMG_WITHOUT_SRC.sub("", cleaned).strip()


def show_pictures(html: str) -> str:
    """Cleaned rich text with each stored picture path turned into the storage's URL (a fresh
    signed one on S3). On one box the two are the same and nothing changes."""
    if pictures_url_prefix() == settings.MEDIA_URL:
        return html
    stored = re.compile(
        r'(<img src=")' + re.escape(settings.MEDIA_URL) + r'([A-Za-z0-9_/-]+\.jpg)"'
    )
    return stored.sub(lambda m: f'{m[1]}{escape(default_storage.url(m[2]))}"', html)
