"""Pseudo-locales for tests: every message in the catalogue template, accented and in
brackets ("[Ƥŕöƥöšé å ĝåţĥéŕîñĝ]"), so any English left on a page did not pass through
gettext. ``en_XA`` reads left to right; ``ar_XB`` takes Arabic's locale data (right to
left, Arabic dates) and wraps each message in a right-to-left embedding.

The catalogues are built from the source itself (``pybabel extract``), so a message
added anywhere is covered without anyone regenerating anything.
"""

import re
import subprocess
import sys
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
ACCENTED = "en_XA"
RIGHT_TO_LEFT = "ar_XB"
PSEUDO_LOCALES = (ACCENTED, RIGHT_TO_LEFT)
KEYWORDS = ["-k", "lazy_gettext", "-k", "lazy_ngettext:1,2", "-k", "lazy_pgettext:1c,2"]

_PLAIN = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
_ACCENTS = "åƀçđéƒĝĥîĵķĺɱñöƥǫŕšţûṽŵẋýžÅƁÇĐÉƑĜĤÎĴĶĹṀÑÖƤǪŔŠŢÛṼŴẊÝŽ"
_ACCENT = str.maketrans(_PLAIN, _ACCENTS)
# What a message must keep as it is: placeholders, markup, entities and addresses.
_KEEP = re.compile(r"%\([a-z_0-9]+\)[sdif]|%%|%[sd]|<[^>]*>|&[#a-z0-9]+;|https?://\S+")
RLE, PDF = "\u202b", "\u202c"  # right-to-left embedding, pop directional formatting


def pseudo(message: str, locale: str = ACCENTED) -> str:
    """The message accented, its placeholders and markup untouched, in brackets."""
    kept, position, parts = list(_KEEP.finditer(message)), 0, []
    for match in kept:
        parts.append(message[position : match.start()].translate(_ACCENT))
        parts.append(match.group())
        position = match.end()
    parts.append(message[position:].translate(_ACCENT))
    text = f"[{''.join(parts)}]"
    return f"{RLE}{text}{PDF}" if locale == RIGHT_TO_LEFT else text


def extract(output: Path) -> Path:
    """The catalogue template, fresh from the source (about a second)."""
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", *KEYWORDS, "-o", output, "."],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    return output


def build(directory: Path) -> Path:
    """Compile both pseudo-locales into ``directory`` (a BABEL_TRANSLATION_DIRECTORIES entry)."""
    template = extract(directory / "messages.pot")
    for locale in PSEUDO_LOCALES:
        with template.open("rb") as source:
            catalog = read_po(source)
        catalog.locale = None  # keep English's two plural forms: the pseudo text is English
        for message in catalog:
            if not message.id:
                continue
            if isinstance(message.id, tuple):
                message.string = tuple(pseudo(form, locale) for form in message.id)
            else:
                message.string = pseudo(message.id, locale)
        target = directory / locale / "LC_MESSAGES"
        target.mkdir(parents=True, exist_ok=True)
        buffer = BytesIO()
        write_mo(buffer, catalog)
        (target / "messages.mo").write_bytes(buffer.getvalue())
    return directory
