"""Phrase packs and phrase matching.

A phrase matches case-insensitively (Unicode casefolding), accent-insensitively and on word
boundaries; the words of a multi-word phrase may be separated by any run of whitespace and
punctuation. Phrases are literal text, never regular expressions. All phrases of a rule set go
into one trie of words, built once, so matching a pack of a thousand phrases costs what matching
ten does, and no rule set can make matching slow.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from cs_score.pickling import by_position

_WORD = re.compile(r"[^\W_]+")
"""A word: letters and digits; `_` separates words like punctuation does."""

_ASCII_KEPT = bytes(code for code in range(128) if chr(code).isalnum())
_ASCII_SPACES = bytes.maketrans(
    bytes(code for code in range(256) if code not in _ASCII_KEPT),
    b" " * (256 - len(_ASCII_KEPT)),
)
"""Every byte but ASCII letters and digits → a space: `_WORD` in ASCII text, where splitting
the translated text finds the same words three times faster than the expression."""


def words_of(normalized: str) -> list[str]:
    """The words of a normalized text (see `normalize`)."""
    if normalized.isascii():
        return normalized.encode().translate(_ASCII_SPACES).decode().split()
    return _WORD.findall(normalized)


# Combining marks (accents, diacritics) left over once a text is decomposed.
_MARKS = re.compile(
    "[\u0300-\u036f\u0483-\u0489\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]"
)


def normalize(text: str) -> str:
    """Casefold and strip accents: `Déçu` → `decu`, `Straße` → `strasse`, `İ` → `i`."""
    if text.isascii():
        return text.lower()
    return _MARKS.sub("", unicodedata.normalize("NFKD", text.casefold()))


def phrase_key(phrase: str) -> str:
    """The words of a phrase, normalized and joined by single spaces."""
    return " ".join(_WORD.findall(normalize(phrase)))


@dataclass(frozen=True, slots=True)
class PhraseHit:
    """A phrase found in a text: the phrase as written in its pack, and the pack's name."""

    phrase: str
    pack: str


by_position(PhraseHit)


_Node = dict[str, "_Entry"]
_Entry = tuple[_Node, tuple[PhraseHit, ...]]
"""A word of the trie: the words that may follow it, and the phrases that end with it."""


_Scanned = tuple[Mapping[str, PhraseHit], int]
"""What `PhraseIndex.scan` says of a text: the packs it mentions, with a phrase each, and
their mask."""


class PhraseIndex:
    """Every phrase of every pack in one word trie: which packs does a text mention?

    A text is split into words once; each word is looked up in the trie (a dictionary), and the
    words after it are followed as far as some phrase goes. So the cost of a message depends on
    its words, not on how many phrases or packs there are: a pack of a thousand phrases costs
    what a pack of ten does, and adding rules or packs adds no pass over the text.
    """

    def __init__(self, book: Mapping[str, Mapping[str, list[str]]]) -> None:
        self._book = book
        root: dict[str, list[Any]] = {}
        for pack, languages in book.items():
            for phrases in languages.values():
                for phrase in phrases:
                    words = phrase_key(phrase).split(" ")
                    if not words[0]:
                        continue
                    node, entry = root, None
                    for word in words:
                        if entry is not None:
                            node = entry[0]
                        entry = node.get(word)
                        if entry is None:
                            entry = node[word] = [{}, []]
                    assert entry is not None
                    if all(hit.pack != pack for hit in entry[1]):
                        entry[1].append(PhraseHit(phrase, pack))
        self._root: _Node = _freeze(root)
        self._first_words = frozenset(self._root)
        self._bits = {pack: 1 << number for number, pack in enumerate(book)}
        self._cache: dict[str, _Scanned] = {}
        self._older: dict[str, _Scanned] = {}
        """The texts remembered before `_cache` last filled up (see `scan`)."""

    def __bool__(self) -> bool:
        return bool(self._root)

    def __reduce__(self) -> tuple[type[PhraseIndex], tuple[Mapping[str, Mapping[str, list[str]]]]]:
        # A copy in another process is built again from the phrase book, without the texts
        # remembered here.
        return PhraseIndex, (self._book,)

    def packs_in(self, normalized: str) -> dict[str, PhraseHit]:
        """Each pack with a phrase in `normalized`, and its first phrase found.

        Every phrase starting at any word is seen, so phrases of different packs may overlap
        ("what can I do for you people" is a greeting and a personal remark), and a phrase that
        begins a longer one counts too ("sorry for the delay" also says "sorry"). Where phrases
        of one pack start at the same word, the longest is the one quoted.
        """
        words = words_of(normalized)
        starts = self._first_words.intersection(words)
        if not starts:
            return _NOTHING
        found: dict[str, PhraseHit] = {}
        root = self._root
        count = len(words)
        for start in [position for position, word in enumerate(words) if word in starts]:
            children, hits = root[words[start]]
            if not children:
                for hit in hits:
                    if hit.pack not in found:
                        found[hit.pack] = hit
                continue
            ends = [hits] if hits else []
            position = start + 1
            while children and position < count:
                entry = children.get(words[position])
                if entry is None:
                    break
                children, hits = entry
                if hits:
                    ends.append(hits)
                position += 1
            for hits in reversed(ends):
                for hit in hits:
                    if hit.pack not in found:
                        found[hit.pack] = hit
        return found

    def mask(self, packs: Iterable[str]) -> int:
        """The packs as bits, one per pack of the index: what `scan` says of a text."""
        mask = 0
        for pack in packs:
            mask |= self._bits.get(pack, 0)
        return mask

    def scan(self, text: str) -> _Scanned:
        """`packs_in` of a raw text, and the `mask` of the packs it mentions; remembered:
        agents' canned replies repeat all day.

        The mapping returned is shared between calls and must not be changed. Texts longer
        than `CACHED_TEXT_CHARS` are matched every time (they rarely repeat word for word).
        The memory is bounded: once `CACHED_TEXTS` texts are remembered, they become the older
        half and the texts before them are forgotten. A text met again in the older half moves
        back, so the replies in daily use stay while one-off texts pass through.
        """
        scanned = self._cache.get(text)
        if scanned is not None:
            return scanned
        scanned = self._older.get(text)
        if scanned is None:
            found = self.packs_in(normalize(text))
            scanned = found, self.mask(found)
            if len(text) > CACHED_TEXT_CHARS:
                return scanned
        if len(self._cache) >= CACHED_TEXTS:
            self._older = self._cache
            self._cache = {}
        self._cache[text] = scanned
        return scanned

    def hits_in(self, text: str) -> Mapping[str, PhraseHit]:
        """`packs_in` of a raw text (remembered, see `scan`)."""
        return self.scan(text)[0]


_NOTHING: dict[str, PhraseHit] = {}
"""What `packs_in` returns for a text with no phrase (shared; never changed)."""

CACHED_TEXTS = 8_192
"""Texts in each half of the memory of `PhraseIndex.scan`: enough for a contact centre's
canned replies; a larger bound only holds more one-off texts, so the memory it takes would
keep growing with the log up to the bound."""
CACHED_TEXT_CHARS = 300


def _freeze(node: dict[str, list[Any]]) -> _Node:
    return {word: (_freeze(children), tuple(hits)) for word, (children, hits) in node.items()}


PhraseBook = dict[str, dict[str, list[str]]]
"""Phrase packs by name, each a mapping of language code to phrases."""


@lru_cache(maxsize=1)
def _bundled_data() -> dict[str, dict[str, list[str]]]:
    """The bundled packs as parsed, once a process: parsing them is most of loading a rule set."""
    text = resources.files("cs_score.presets").joinpath("phrases.yaml").read_text("utf-8")
    data: dict[str, dict[str, list[str]]] = yaml.safe_load(text) or {}
    return data


def bundled_packs() -> PhraseBook:
    """The phrase packs shipped with the package (a fresh copy each call)."""
    data = _bundled_data()
    return {
        name: {lang: list(items) for lang, items in langs.items()} for name, langs in data.items()
    }
