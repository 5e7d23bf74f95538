"""JSON text that stays on one line for every reader of JSON Lines.

JSON allows U+2028 and U+2029 (and U+0085) raw inside strings, but readers that split lines
with Python's `str.splitlines()` or JavaScript's line terminators would cut a record there.
They are written as `\\u2028`-style escapes, which every JSON reader turns back into the same
characters.
"""

from __future__ import annotations

_LINE_BREAKS = str.maketrans({"\u2028": "\\u2028", "\u2029": "\\u2029", "\x85": "\\u0085"})


def one_line(text: str) -> str:
    """`text` (compact JSON) with the line breaks JSON leaves raw written as escapes."""
    if "\u2028" in text or "\u2029" in text or "\x85" in text:
        return text.translate(_LINE_BREAKS)
    return text
