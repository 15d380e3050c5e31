"""The one rule for workspace and log text in human-facing output: control, separator
and bidi characters shown as escapes (`visible`), and each format's quoting on top:
rich Text, Markdown cells and code spans, HTML, formula-safe CSV cells."""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from rich.console import Console

from cjo_cli.output.text import csv_text, html_text, markdown, markdown_code, rich_text, visible

HIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
"""What no human-facing output may carry raw (the layout's own line breaks aside)."""

# Text as hostile as a log or a YAML file can make it: every hidden character, the
# characters each format gives a meaning, and plain letters and wide ones around them.
hostile_text = st.text(
    st.sampled_from(
        [chr(c) for c in range(0x20)]
        + ["\x7f", "\x85", "\x9b", "\u2028", "\u2029", "\u202a", "\u202e", "\u2066", "\u2069"]
        + ["\ud800", "\udfff"]
        + list("|`<>&\"'\\[]()*_#:;%=+-@! ")
        + ["a", "b", "Z", "認", "😀"]
    ),
    max_size=40,
)


# ---- visible ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("\x1b[31mRED", "\\x1b[31mRED"),
        ("\x1b]8;;http://x\x07link\x1b]8;;\x07", "\\x1b]8;;http://x\\x07link\\x1b]8;;\\x07"),
        ("a\rb", "a\\rb"),
        ("a\nb", "a\\nb"),
        ("a\tb", "a\\tb"),
        ("nul\x00", "nul\\x00"),
        ("\x7f\x85\x9b", "\\x7f\\x85\\x9b"),
        ("abc\u202edef", "abc\\u202edef"),
        ("\u202a\u202b\u202c\u202d", "\\u202a\\u202b\\u202c\\u202d"),
        ("\u2066x\u2067y\u2068z\u2069", "\\u2066x\\u2067y\\u2068z\\u2069"),
        ("line\u2028para\u2029", "line\\u2028para\\u2029"),
        ("lone \ud800 surrogate", "lone \\ud800 surrogate"),
    ],
)
def test_visible_escapes_what_a_terminal_or_a_reader_would_not_show(text: str, shown: str) -> None:
    assert visible(text) == shown


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Checkout",
        "カゴ落ち 😀",
        "C:\\logs\\a.jsonl and \\x1b written out",
        '=HYPERLINK("http://x") [/] <script> | ` & \' "',
        "\u00a0no-break and \u200d joiner",
    ],
)
def test_visible_leaves_printable_text_alone(text: str) -> None:
    assert visible(text) == text


@settings(max_examples=300, deadline=None)
@given(hostile_text)
def test_visible_leaves_nothing_hidden_and_is_idempotent(text: str) -> None:
    shown = visible(text)
    assert not HIDDEN.search(shown)
    assert visible(shown) == shown
    shown.encode("utf-8")  # printable: a lone surrogate would raise here


# ---- rich ---------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["[/]", "[bold]x[/bold]", "[/oops]", "\x1b[2Jx", "a\nb"])
def test_rich_text_is_never_markup_and_shows_escapes(text: str) -> None:
    out = io.StringIO()
    Console(file=out, color_system=None, width=200).print(rich_text(text, style="bold"))
    assert out.getvalue() == visible(text) + "\n"
    assert rich_text(text, "bold").style == "bold"


# ---- Markdown -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "cell"),
    [
        ("<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)&gt;"),
        ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ("a | b", "a \\| b"),
        ("`code`", "\\`code\\`"),
        ("Tom & Jerry &lt;", "Tom &amp; Jerry &amp;lt;"),
        ("a\\|b", "a\\\\\\|b"),
        ("ends in \\", "ends in \\\\"),
        ("C:\\logs", "C:\\logs"),
        ("two\nlines \x1b[31m", "two\\nlines \\x1b[31m"),
        ("[/] [link](x)", "[/] [link](x)"),
    ],
)
def test_markdown_escapes_what_would_break_a_cell_or_make_html(text: str, cell: str) -> None:
    assert markdown(text) == cell


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("cart_add", "`cart_add`"),
        ("a|b", "`a\\|b`"),
        ("a`b", "``a`b``"),
        ("`tick", "`` `tick ``"),
        ("x``y`", "``` x``y` ```"),
        (" padded ", "`  padded  `"),
        ("<b>&amp;", "`<b>&amp;`"),
        ("\x1b[31m\n", "`\\x1b[31m\\n`"),
    ],
)
def test_markdown_code_shows_the_text_literally(text: str, span: str) -> None:
    assert markdown_code(text) == span


MD = MarkdownIt("commonmark", {"html": True}).enable("table")


def cells_of(row: str) -> list[list[tuple[str, str]]]:
    """The (token type, content) of each cell of a one-row GFM table's body."""
    tokens = MD.parse(f"| a | b |\n|---|---|\n{row}\n")
    cells, inside = [], False
    for token in tokens:
        if token.type == "td_open":
            inside = True
        elif token.type == "inline" and inside:
            cells.append([(child.type, child.content) for child in token.children or []])
            inside = False
    return cells


# No emphasis, link or image characters here: those may change how a name looks.
shown_as_written = st.text(
    st.sampled_from(
        ["\x1b", "\x00", "\n", "\r", "\t", "\u202e", "\x85", *"|`<>&\"'\\#:;%=+-@ ", "a", "b", "認"]
    ),
    max_size=30,
).filter(lambda text: text.strip(" ") != "")


@settings(max_examples=300, deadline=None)
@given(shown_as_written)
def test_a_rendered_markdown_cell_and_code_span_show_the_text_as_written(text: str) -> None:
    (plain, code) = cells_of(f"| {markdown(text)} | {markdown_code(text)} |")
    assert all(kind == "text" for kind, _ in plain)
    assert "".join(content for _, content in plain) == visible(text).strip(" ")
    assert code == [("code_inline", visible(text))]


@settings(max_examples=300, deadline=None)
@given(hostile_text)
def test_no_text_adds_a_cell_or_html_to_a_markdown_table(text: str) -> None:
    cells = cells_of(f"| {markdown(text)} | {markdown_code(text)} |")
    assert len(cells) == 2
    kinds = {kind for cell in cells for kind, _ in cell}
    assert not kinds & {"html_inline", "html_block", "softbreak", "hardbreak"}


# ---- HTML ---------------------------------------------------------------------------


class Collected(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.data: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_data(self, data: str) -> None:
        self.data.append(data)


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ("\" onmouseover='x'", "&quot; onmouseover=&#x27;x&#x27;"),
        ("a & b\x1b[2J\u202e", "a &amp; b\\x1b[2J\\u202e"),
    ],
)
def test_html_text_escapes_markup_and_shows_hidden_characters(text: str, shown: str) -> None:
    assert html_text(text) == shown


@settings(max_examples=300, deadline=None)
@given(hostile_text)
def test_html_text_stays_text_in_content_and_in_an_attribute(text: str) -> None:
    parser = Collected()
    parser.feed(f'<p title="{html_text(text)}">{html_text(text)}</p>')
    parser.close()
    assert parser.tags == [("p", [("title", visible(text))])]
    assert "".join(parser.data) == visible(text)


# ---- CSV ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "cell"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
        ("+1", "'+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(1)", "'@SUM(1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("a=b", "a=b"),
        ("checkout", "checkout"),
        ("", ""),
        ("'quoted", "'quoted"),
    ],
)
def test_csv_text_keeps_a_spreadsheet_from_reading_a_formula(text: str, cell: str) -> None:
    assert csv_text(text) == cell
