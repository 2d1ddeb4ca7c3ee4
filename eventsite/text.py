"""Text rules: slugs, tags, control characters and Markdown through a sanitiser."""

import html
import re
import unicodedata

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

# Raw HTML in Markdown is shown as text, and the output is sanitised again.
_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("strikethrough")
_ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "del", "s", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "h2", "h3", "h4", "h5", "h6",
}  # fmt: skip
_HEADING = re.compile(r"<(/?)h1>")
TAG_NAME = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SLUG = TAG_NAME
# Control characters other than tab, newline and carriage return.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")
_LINE_BREAKS = re.compile(r"[\t\r\n]")


def has_control_chars(value: str, multiline: bool = False) -> bool:
    """True if ``value`` holds characters that have no place in text a person typed."""
    if _CONTROL.search(value):
        return True
    return not multiline and bool(_LINE_BREAKS.search(value))


def slugify(value: str, max_length: int = 60, fallback: str = "event") -> str:
    ascii_text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-") or fallback


def normalise_tag(value: str) -> str:
    """'#Zero Suicide' -> 'zero-suicide'; '' when nothing usable is left."""
    return slugify(value.strip().lstrip("#"), max_length=40, fallback="")


def split_tags(value: str) -> list[str]:
    """The tags as typed: '#frailty #zero-suicide' or 'frailty, zero suicide'."""
    return [part for part in re.split(r",|\s+(?=#)", value) if part.strip("# ")]


def parse_tags(value: str) -> list[str]:
    """Normalised tag names, without repeats."""
    return list(dict.fromkeys(name for name in map(normalise_tag, split_tags(value)) if name))


def summary_text(source: str, length: int = 200) -> str:
    """Plain text for previews (link cards, JSON-LD): the Markdown's words, cut at a word."""
    text = " ".join(nh3.clean(_markdown.render(source), tags=set()).split())
    text = html.unescape(text)
    return text if len(text) <= length else text[:length].rsplit(" ", 1)[0] + " …"


def render_markdown(source: str) -> Markup:
    html = _markdown.render(source)
    html = _HEADING.sub(r"<\1h2>", html)  # the page's own title is the only <h1>
    clean = nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer ugc",
    )
    return Markup(clean)  # noqa: S704 - sanitised by nh3 just above


# Plain text keeps every link the host wrote, so this parser accepts them all (a
# ``javascript:`` link too): markdown_to_text then shows only http(s) and mailto ones as URLs.
_plain_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("strikethrough")
_plain_markdown.validateLink = lambda url: True
_SHOWN_SCHEMES = ("http", "https", "mailto")
_LIST_OPEN = ("bullet_list_open", "ordered_list_open")
_LIST_CLOSE = ("bullet_list_close", "ordered_list_close")


def markdown_to_text(source: str) -> str:
    """Plain text for calendar apps and emails: the host's words without Markdown's marks.

    Paragraphs and headings are separated by a blank line, list items are "• item" (or
    "1. item") lines, a link is "text (https://…)", code is its text. Raw HTML stays the
    text it is on the page; nothing here ever makes HTML.
    """
    blocks: list[str] = []
    list_lines: list[str] = []
    depth, marker = 0, ""
    for token in _plain_markdown.parse(source):
        if token.type in _LIST_OPEN:
            depth += 1
        elif token.type in _LIST_CLOSE:
            depth -= 1
            if depth == 0:
                blocks.append("\n".join(list_lines))
                list_lines = []
        elif token.type == "list_item_open":
            marker = f"{token.info}. " if token.info else "• "
        elif token.type in ("inline", "fence", "code_block"):
            text = _inline_text(token.children or []) if token.type == "inline" else token.content.rstrip("\n")
            if depth == 0:
                blocks.append(text)
                continue
            indent = "  " * (depth - 1)
            lead, marker = indent + (marker or "  "), ""  # a second paragraph in an item: no new bullet
            list_lines.append(lead + text.replace("\n", "\n" + " " * len(lead)))
    return "\n\n".join(block for block in blocks if block.strip())


def _inline_text(children) -> str:
    parts: list[str] = []
    links: list[tuple[str, int]] = []  # (href, where its text starts in parts)
    for child in children:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif child.type == "image":
            parts.append(_inline_text(child.children or []))  # its description (alt text)
        elif child.type == "link_open":
            links.append((str(child.attrGet("href") or ""), len(parts)))
        elif child.type == "link_close" and links:
            href, start = links.pop()
            parts[start:] = [_link_text("".join(parts[start:]), href)]
    return "".join(parts)


def _link_text(text: str, href: str) -> str:
    """'text (https://…)', the bare URL when the text is the URL, and only the text for
    other schemes (``javascript:``, relative links): calendar apps would make them clickable."""
    if href.split(":", 1)[0].lower() not in _SHOWN_SCHEMES or ":" not in href:
        return "" if text.strip() == href else text
    shown = href.removeprefix("mailto:")
    if text.strip() in (href, shown) or not text.strip():
        return shown
    return f"{text} ({shown})"
