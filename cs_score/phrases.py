"""Phrase packs and phrase matching.

A phrase matches case-insensitively (Unicode casefolding), accent-insensitively and on word
boundaries; the words of a multi-word phrase may be separated by any run of whitespace and
punctuation. Phrases are literal text, never regular expressions. All phrases of a matcher are
compiled into one pattern shaped like a trie, so matching a pack of hundreds of phrases costs
about as much as matching one, and no rule set can make matching slow.
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

_WORD = re.compile(r"[^\W_]+")
"""A word: letters and digits; `_` separates words like punctuation does."""
_SEPARATOR = object()


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


def _trie_pattern(keys: Iterable[str]) -> str:
    trie: dict[Any, Any] = {}
    for key in keys:
        node = trie
        for word_index, word in enumerate(key.split(" ")):
            if word_index:
                node = node.setdefault(_SEPARATOR, {})
            for ch in word:
                node = node.setdefault(ch, {})
        node[""] = {}
    return _node_pattern(trie)


def _node_pattern(node: dict[Any, Any]) -> str:
    terminal = "" in node
    branches = []
    for unit in sorted((k for k in node if k != ""), key=lambda k: "" if k is _SEPARATOR else k):
        head = r"[\W_]+" if unit is _SEPARATOR else re.escape(unit)
        branches.append(head + _node_pattern(node[unit]))
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if terminal:
        return f"(?:{body})?" if len(branches) > 1 else f"(?:{branches[0]})?"
    return body


@dataclass(frozen=True, slots=True)
class PhraseHit:
    """A phrase found in a text: the phrase as written in its pack, and the pack's name."""

    phrase: str
    pack: str


class PhraseMatcher:
    """Finds any of a set of phrases in normalized text, with one compiled pattern."""

    def __init__(self, phrases: Iterable[tuple[str, str]]) -> None:
        """`phrases` are (pack name, phrase) pairs; the first pack to list a phrase names it."""
        self._hits: dict[str, PhraseHit] = {}
        for pack, phrase in phrases:
            key = phrase_key(phrase)
            if key and key not in self._hits:
                self._hits[key] = PhraseHit(phrase, pack)
        self._pattern = (
            re.compile(r"\b" + _trie_pattern(self._hits) + r"\b") if self._hits else None
        )

    def __bool__(self) -> bool:
        return self._pattern is not None

    def search(self, normalized: str) -> PhraseHit | None:
        """The first phrase found in `normalized` (a text passed through `normalize`)."""
        if self._pattern is None:
            return None
        match = self._pattern.search(normalized)
        if match is None:
            return None
        return self._hits[" ".join(_WORD.findall(match.group()))]


class PhraseIndex:
    """Every phrase of every pack in one pattern: which packs does a text mention?

    One scan of a message answers for all rules at once (greeting, conduct, each resolution
    step, …), so adding rules or packs does not add passes over the text.
    """

    def __init__(self, book: Mapping[str, Mapping[str, list[str]]]) -> None:
        own: dict[str, list[PhraseHit]] = {}
        for pack, languages in book.items():
            for phrases in languages.values():
                for phrase in phrases:
                    key = phrase_key(phrase)
                    if not key:
                        continue
                    hits = own.setdefault(key, [])
                    if all(hit.pack != pack for hit in hits):
                        hits.append(PhraseHit(phrase, pack))
        # A match is the longest phrase at its position; the phrases it begins with count too
        # ("sorry for the delay" also says "sorry"), so each key carries its prefixes' hits.
        self._hits: dict[str, tuple[PhraseHit, ...]] = {}
        for key in own:
            words = key.split(" ")
            with_prefixes: list[PhraseHit] = []
            for end in range(len(words), 0, -1):
                for hit in own.get(" ".join(words[:end]), ()):
                    if all(h.pack != hit.pack for h in with_prefixes):
                        with_prefixes.append(hit)
            self._hits[key] = tuple(with_prefixes)
        # Phrases may overlap ("what can I do for you people" is a greeting and a personal
        # remark): for each key, the positions of its later words where another phrase can start.
        # Only positions where a phrase can really start are kept: the rest of the key from
        # there must begin some phrase, or contain one whole.
        word_prefixes: set[str] = set()
        for key in own:
            words = key.split(" ")
            word_prefixes.update(" ".join(words[:end]) for end in range(1, len(words) + 1))
        self._inner: dict[str, tuple[int, ...]] = {}
        for key in own:
            words = key.split(" ")
            starts = tuple(
                i
                for i in range(1, len(words))
                if " ".join(words[i:]) in word_prefixes
                or any(" ".join(words[i:end]) in own for end in range(i + 1, len(words)))
            )
            if starts:
                self._inner[key] = starts
        self._pattern = re.compile(r"\b" + _trie_pattern(own) + r"\b") if own else None

    def packs_in(self, normalized: str) -> dict[str, PhraseHit]:
        """Each pack with a phrase in `normalized`, and its first phrase found.

        One scan finds the longest phrase at each place; the phrases it begins with count too,
        and so do phrases starting at one of its later words, of whatever pack.
        """
        found: dict[str, PhraseHit] = {}
        if self._pattern is not None:
            for match in self._pattern.finditer(normalized):
                self._note(match, normalized, found)
        return found

    def _note(self, match: re.Match[str], normalized: str, found: dict[str, PhraseHit]) -> None:
        text = match.group()
        key = text if text.isalnum() else " ".join(_WORD.findall(text))
        for hit in self._hits.get(key, ()):
            if hit.pack not in found:
                found[hit.pack] = hit
        inner = self._inner.get(key)
        if inner and self._pattern is not None:
            starts = [word.start() for word in _WORD.finditer(text)]
            for index in inner:
                overlap = self._pattern.match(normalized, match.start() + starts[index])
                if overlap is not None:
                    self._note(overlap, normalized, found)


PhraseBook = dict[str, dict[str, list[str]]]
"""Phrase packs by name, each a mapping of language code to phrases."""


@lru_cache(maxsize=1)
def _bundled_text() -> str:
    return resources.files("cs_score.presets").joinpath("phrases.yaml").read_text("utf-8")


def bundled_packs() -> PhraseBook:
    """The phrase packs shipped with the package (a fresh copy each call)."""
    data = yaml.safe_load(_bundled_text()) or {}
    return {
        name: {lang: list(items) for lang, items in langs.items()} for name, langs in data.items()
    }


def pack_phrases(
    book: Mapping[str, Mapping[str, list[str]]], names: Iterable[str]
) -> list[tuple[str, str]]:
    """(pack, phrase) pairs of the named packs, every language."""
    return [
        (name, phrase) for name in names for phrases in book[name].values() for phrase in phrases
    ]
