"""Rich text a person types (an article, an activity's description), cleaned before it is stored.

In core because more than one app takes rich text and each must clean it the same way.
"""

import nh3

# What rich text may contain (articles, activity descriptions). No <img> (pictures come in
# through the cover upload, which is re-encoded; a pasted image would load from another site,
# which the CSP refuses anyway), no style, no script, no event handlers; links only to the web,
# mail and phone.
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
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "hr",
}
ATTRIBUTES = {"a": {"href", "title"}, "td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan"}}


def clean_html(text: str) -> str:
    return nh3.clean(
        text or "",
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "tel"},
        link_rel="noopener noreferrer",
    )
