"""Message bodies written in HTML, as help desks store them, turned into plain text.

Uses the standard library's `html.parser`: tags are dropped, entities decoded, block elements
(`p`, `div`, `br`, list items, table rows, headings) become line breaks, runs of spaces and
blank lines are collapsed. What a help desk or mail client marks as quoted history or as a
signature is left out, so a reply is scored on what its author wrote:

- elements whose `class` names a quote or a signature the way mail clients and help desks mark
  them: `gmail_quote`, `gmail_signature`, `freshdesk_quote`, `yahoo_quoted`, `moz-cite-prefix`,
  `moz-signature`, `signature`, `zd-signature` (see `QUOTE_CLASSES`);
- a `blockquote` carrying `type="cite"` (how Apple Mail and Thunderbird quote a reply);
- `script`, `style`, `head` and `title`, which are never message text.

A `blockquote` without such a mark is kept: agents quote policy text on purpose.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

QUOTE_CLASSES = frozenset(
    {
        "gmail_quote",
        "gmail_signature",
        "freshdesk_quote",
        "yahoo_quoted",
        "moz-cite-prefix",
        "moz-signature",
        "signature",
        "zd-signature",
    }
)
"""`class` names that mark quoted history or a signature; such an element is not text."""

_NEVER_TEXT = frozenset({"script", "style", "head", "title", "template"})
_PARAGRAPHS = frozenset(
    {"p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table", "ul", "ol", "hr"}
)
"""Elements set apart by a blank line."""
_LINES = frozenset({"div", "br", "li", "tr", "section", "article", "header", "footer", "dd", "dt"})
"""Elements that start a new line."""
_VOID = frozenset(
    {"br", "hr", "img", "input", "meta", "link", "area", "base", "col", "embed", "source", "wbr"}
)
_SPACES = re.compile(r"[ \t\f\v\r\u00a0]+")
_SOURCE_BREAKS = re.compile(r"[\r\n\f\v]+")
_BREAK_RUN = re.compile(r"[ \t\u00a0]*[\n\f\v][\s\f\v]*")


def _merge_breaks(run: re.Match[str]) -> str:
    """A run of break marks as one or two newlines: a blank line between paragraphs and for
    two <br> in a row, a plain line break otherwise."""
    marks = run.group()
    blank = "\f" in marks or marks.count("\v") >= 2
    return "\n\n" if blank else "\n"


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping: list[str] = []  # tags opened inside a skipped element, innermost last
        self.trimmed = False

    def _skips(self, tag: str, attrs: list[tuple[str, str | None]]) -> bool:
        if tag in _NEVER_TEXT:
            return True
        values = dict(attrs)
        classes = set((values.get("class") or "").split())
        if classes & QUOTE_CLASSES:
            self.trimmed = True
            return True
        if tag == "blockquote" and (values.get("type") or "").lower() == "cite":
            self.trimmed = True
            return True
        return False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.skipping:
            if tag not in _VOID:
                self.skipping.append(tag)
            return
        if tag not in _VOID and self._skips(tag, attrs):
            self.skipping.append(tag)
            return
        self._break(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if not self.skipping:
            self._break(tag)

    def _break(self, tag: str) -> None:
        # Marks, merged in clean_html: \f a paragraph, \n a line, \v a <br> (each one counts).
        if tag == "br":
            self.parts.append("\v")
        elif tag in _PARAGRAPHS:
            self.parts.append("\f")
        elif tag in _LINES:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if self.skipping:
            # Close up to the matching open tag; unbalanced HTML closes what it can.
            if tag in self.skipping:
                while self.skipping and self.skipping.pop() != tag:
                    pass
            return
        if tag != "br":
            self._break(tag)

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            # A line break in HTML source is a space; lines come from the tags.
            self.parts.append(_SOURCE_BREAKS.sub(" ", data))


def html_to_text(html: str) -> str:
    """The text of an HTML body: no tags, quoted history and signatures left out, tidy lines."""
    return clean_html(html)[0]


def clean_html(html: str) -> tuple[str, bool]:
    """(text, whether marked quoted history or a signature was left out)."""
    parser = _TextParser()
    parser.feed(html)
    parser.close()
    text = _BREAK_RUN.sub(_merge_breaks, "".join(parser.parts))
    tidy = "\n".join(_SPACES.sub(" ", line).strip() for line in text.split("\n")).strip()
    return tidy, parser.trimmed
