"""Workspace and log text as people see it, one rule for every human-facing output.

A name, label or value comes from YAML someone wrote or a log someone exported: it may
hold terminal escapes (`\\x1b[2J`, OSC 8 links), line breaks, NULs or bidi overrides
that reorder what a reader sees. `visible` writes each such character as an escape, so
that what is shown is what is there; each format then adds its own quoting on top.
JSON needs none of this: it keeps the exact values, and JSON escaping makes them safe.
"""

from __future__ import annotations

import re
from html import escape

from rich.text import Text

# C0 (tab and line feed too: a value has no layout of its own), DEL and C1, the line and
# paragraph separators that `str.splitlines` breaks on, the bidi embeddings, overrides
# and isolates (text shown in another order than it is read), and lone surrogates (JSON
# `"\ud800"` decodes to one, and no encoder can print it).
_HIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escaped(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def visible(text: str) -> str:
    """`text` with every control, separator and bidi character written as an escape
    (`\\x1b`, `\\n`, `\\u202e`); printable text, backslashes included, is left alone."""
    return _HIDDEN.sub(_escaped, text)


def rich_text(text: str, style: str = "") -> Text:
    """Workspace text for rich: a Text, so `[beta]` or `[/]` is never read as markup."""
    return Text(visible(text), style=style)


# `|` would end a table cell, a backtick start a code span, `<`, `>` and `&` make HTML,
# an entity or an autolink. (Emphasis and links stay: they change how a name looks, not
# what the page is.)
_MARKDOWN = str.maketrans({"`": "\\`", "|": "\\|", "&": "&amp;", "<": "&lt;", ">": "&gt;"})
# A backslash escapes the ASCII punctuation after it (a `|` too, even one escaped again):
# doubled there, and at the end, where cjo's own text follows; `\n` and `\x1b` stay.
_ESCAPING_BACKSLASH = re.compile(r"\\(?=[!-/:-@[-`{-~]|$)")


def markdown(text: str) -> str:
    """Text for a line or a table cell of GitHub-flavoured Markdown, shown as written."""
    return _ESCAPING_BACKSLASH.sub(r"\\\\", visible(text)).translate(_MARKDOWN)


def markdown_code(text: str) -> str:
    """Text as a Markdown code span that shows it literally, also in a table cell.

    Nothing is an escape inside a code span, except that GFM splits table cells before
    it reads code spans, so `|` still needs its backslash. The fence is one backtick
    longer than the longest run inside; a space pads a text that starts or ends with a
    backtick or a space (CommonMark strips one space from each side when both have one).
    """
    shown = visible(text).replace("|", "\\|")
    longest = max((len(run) for run in re.findall("`+", shown)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if shown[:1] in ("`", " ") or shown[-1:] in ("`", " ") else ""
    return f"{fence}{pad}{shown}{pad}{fence}"


def html_text(text: str) -> str:
    """Text for HTML content or a quoted attribute value: `<>&"'` as entities."""
    return escape(visible(text))


# OWASP's CSV injection rule: a spreadsheet takes a cell starting with one of these for a
# formula (`=HYPERLINK(...)`, `=cmd|' /C calc'!A0`, `@SUM(1)`, `-2+3`).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_text(text: str) -> str:
    """A CSV text cell that a spreadsheet shows as text: a leading `'` before a formula
    start. Only for text from a workspace or a log: numbers cjo writes stay numbers."""
    return f"'{text}" if text.startswith(_FORMULA_START) else text
