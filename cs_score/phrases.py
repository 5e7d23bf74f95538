"""Phrase packs and phrase matching.

A phrase matches case-insensitively (Unicode casefolding), accent-insensitively and on word
boundaries; the words of a multi-word phrase may be separated by any run of whitespace and
punctuation, so `thank you for contacting` also matches "Thank you, for contacting". Phrases
are never regular expressions; a few signs make one phrase say several things:

- `{a|b}`: one of the alternatives, each of one or more words, or none (`{a|}`):
  `{I|we} {will|'ll} look into` matches "We'll look into it" and "I will look into this".
- `[a]`: optional words (`[a|b]`: optional alternatives): `I [do] apologize` matches
  "I apologize" and "I do apologize".
- `…` or `...`: a gap of up to four words of any kind: `let us know … if` matches "Let us know
  if it helps" and "let us know how it goes or if…".

Context, in parentheses before a phrase, says where it must stand to count:

- `(opening)`: in the opening of a message, its first sentence, or its first two when the
  first is a salutation of at most three words ("Hi Sam."): `(opening) how can I help`.
- `(closing)`: after the opening, so never in a message of one sentence:
  `(closing) thanks for reaching out`.
- `(question)`: in a sentence that ends with a question mark: `(question) which device`.
- `(statement)`: in a sentence that does not: `(statement) your refund has been processed`.

A sentence ends at `.`, `!` or `?` followed by a space or the end of the text, or at a line
break (so `example.com` or `3.5` do not end one). A pack may also list cancel words under
`unless:` (in any language, same phrase language): a match of the pack does not count in a
sentence where one of them stands (`stupid` about an `app` is not an insult). Because the
context belongs to the pack, every rule that uses the pack, the `phrase` kind included, gets
the same detector.

All phrases of a rule set go into one trie of words, built once: alternatives and optional
words are spelled out when it is built, and a gap is one more branch tried at the next few
words. So matching a pack of a thousand phrases costs what matching ten does, the cost of a
message grows with its length only, and no rule set can make matching slow. Sentences are only
worked out for a message where a phrase with context matched.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
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


GAP_WORDS = 4
"""The most words a gap (`…`) in a phrase stands for."""
MAX_VARIANTS = 512
"""The most word sequences one phrase may spell out (its alternatives times its optional
words): a bound on the size of the index, far above what a phrase needs."""
DEFINITION_KEY = "definition"
"""The key of a pack's definition (what counts, what does not): documentation only."""
CANCEL_KEY = "unless"
"""The key of a pack's cancel words, beside its languages: a match of the pack does not count
in a sentence that has one of them."""
MARKERS = {"opening": 1, "closing": 2, "question": 4, "statement": 8}
"""Where a phrase must stand, written before it in parentheses: `(closing) thanks for reaching
out`. See `PhraseIndex`."""
_CANCELLABLE = 16
_GAP = "…"


class PhraseError(ValueError):
    """A phrase that does not follow the phrase language (a user's mistake in a pack)."""


def parse_phrase(phrase: str) -> tuple[int, list[list[str]]]:
    """The markers of a phrase (bits of `MARKERS`) and the word sequences it spells out.

    `{a|b}` is one of the alternatives, `[a]` or `[a|b]` is optional, `…` (or `...`) is a gap of
    up to `GAP_WORDS` words; everything else is literal text, split into normalized words.
    """
    flags, spelled = spell_out(phrase)
    return flags, [words for words, _ in spelled]


def spell_out(phrase: str) -> tuple[int, list[tuple[list[str], str]]]:
    """`parse_phrase`, with each word sequence as it reads in the phrase (`how may I help` for
    `how {can|may} I help`): what evidence quotes."""
    text = phrase.strip()
    flags = 0
    while text.startswith("("):
        close = text.find(")")
        marker = text[1:close].strip().lower() if close > 0 else ""
        if marker not in MARKERS:
            known = ", ".join(f"({m})" for m in MARKERS)
            raise PhraseError(f"unknown marker `{text[: close + 1] or text}` (markers: {known})")
        flags |= MARKERS[marker]
        text = text[close + 1 :].strip()
    if (flags & 1 and flags & 2) or (flags & 4 and flags & 8):
        raise PhraseError("contradictory markers")
    keys = _Parser(text, _key_words).sequence("")
    shown = _Parser(text, _shown_words).sequence("")
    found: list[tuple[list[str], str]] = []
    for words, display in zip(keys, shown, strict=True):
        words, display = _trim_gaps(words), _trim_gaps(display)
        if words and all(words != seen for seen, _ in found):
            found.append((words, _as_read(display)))
    if not found:
        raise PhraseError("no words")
    return flags, found


def _trim_gaps(words: list[str]) -> list[str]:
    """Without gaps at either end, and one gap for several in a row."""
    while words and words[-1] == _GAP:
        words = words[:-1]
    while words and words[0] == _GAP:
        words = words[1:]
    return [w for i, w in enumerate(words) if w != _GAP or words[i - 1] != _GAP]


def _as_read(words: list[str]) -> str:
    """Words joined as they read: `I 've` as `I've`."""
    text = " ".join(words)
    return text.replace(" '", "'").replace(" ’", "’")


def _key_words(literal: str) -> list[str]:
    return phrase_key(literal).split()


def _shown_words(literal: str) -> list[str]:
    return literal.split()


class _Parser:
    def __init__(self, text: str, split: Callable[[str], list[str]]) -> None:
        self.text = text
        self.at = 0
        self.split = split

    def sequence(self, stops: str) -> list[list[str]]:
        """The variants of the text up to one of `stops` (not consumed) or its end."""
        variants: list[list[str]] = [[]]
        literal: list[str] = []
        text = self.text
        while self.at < len(text):
            char = text[self.at]
            if char in stops:
                break
            if char in "{[":
                variants = self.join(variants, literal)
                self.at += 1
                closer = "}" if char == "{" else "]"
                options: list[list[str]] = [[]] if char == "[" else []
                while True:
                    options.extend(self.sequence("|" + closer))
                    if self.at >= len(text):
                        raise PhraseError(f"`{char}` without its `{closer}`")
                    self.at += 1
                    if text[self.at - 1] == closer:
                        break
                variants = [v + o for v in variants for o in options]
            elif char == "…" or text.startswith("...", self.at):
                variants = self.join(variants, literal)
                variants = [[*v, _GAP] for v in variants]
                self.at += 1 if char == "…" else 3
            elif char in "{}[]|":
                raise PhraseError(f"unexpected `{char}`")
            else:
                literal.append(char)
                self.at += 1
            if len(variants) > MAX_VARIANTS:
                raise PhraseError(f"more than {MAX_VARIANTS} variants")
        return self.join(variants, literal)

    def join(self, variants: list[list[str]], literal: list[str]) -> list[list[str]]:
        """The variants followed by the words of `literal` (which is emptied)."""
        words = self.split("".join(literal))
        literal.clear()
        return [v + words for v in variants] if words else variants


def phrase_problem(phrase: str) -> str | None:
    """What is wrong with a phrase, or None."""
    try:
        parse_phrase(phrase)
    except PhraseError as error:
        return str(error)
    return None


class _Ending:
    """A phrase that ends at a node of the trie: what it says, and where it must stand."""

    __slots__ = ("cancel", "flags", "hit")

    def __init__(self, hit: PhraseHit, flags: int, cancel: bool) -> None:
        self.hit = hit
        self.flags = flags
        self.cancel = cancel


class _Node:
    """A word of the trie: the words that may follow it, the phrases that end with it, and
    where a gap goes on (the words after up to `GAP_WORDS` words of any kind)."""

    __slots__ = ("edges", "endings", "gap")

    def __init__(self) -> None:
        self.edges: dict[str, _Node] = {}
        self.endings: list[_Ending] = []
        self.gap: _Node | None = None


_Scanned = tuple[Mapping[str, PhraseHit], int]
"""What `PhraseIndex.scan` says of a text: the packs it mentions, with a phrase each, and
their mask."""

_SENTENCE_END = re.compile(r"[.!?]+(?=\s|$)|\n")
"""Where a sentence ends: `.`, `!` or `?` before a space or the end, or a line break; so
`example.com` or `3.5` do not end one."""
SALUTATION_WORDS = 3
"""A first sentence of at most this many words (`@customer Hi Sam.`) is a salutation: the
opening of a message runs on to the end of the next sentence."""


class PhraseIndex:
    """Every phrase of every pack in one word trie: which packs does a text mention?

    A text is split into words once; each word is looked up in the trie (a dictionary), and the
    words after it are followed as far as some phrase goes, a gap (`…`) trying the next few
    positions. So the cost of a message depends on its words, not on how many phrases or packs
    there are: a pack of a thousand phrases costs what a pack of ten does, and adding rules or
    packs adds no pass over the text.

    Context: a phrase marked `(opening)` counts only in the opening of a message (its first
    sentence, or its first two when the first is a salutation of at most `SALUTATION_WORDS`
    words), `(closing)` only after the opening, `(question)` only in a sentence that ends with a
    question mark, `(statement)` only in one that does not. A pack's cancel words (`unless`)
    cancel its matches in the sentence where they stand. Sentences are only worked out for
    messages where such a phrase matched.
    """

    def __init__(self, book: Mapping[str, Mapping[str, list[str]]]) -> None:
        self._book = book
        root = _Node()
        for pack, languages in book.items():
            cancellable = _CANCELLABLE if languages.get(CANCEL_KEY) else 0
            for key, phrases in languages.items():
                cancel = key == CANCEL_KEY
                for phrase in phrases:
                    try:
                        flags, spelled = spell_out(phrase)
                    except PhraseError:
                        continue  # reported when the rule set is checked
                    literal = len(spelled) == 1 and not flags
                    for words, shown in spelled:
                        hit = PhraseHit(phrase if literal else shown, pack)
                        _insert(root, words, _Ending(hit, flags | cancellable, cancel))
        self._root = root
        self._first_words = frozenset(root.edges)
        self._bits = {pack: 1 << number for number, pack in enumerate(book)}
        self._cache: dict[str, _Scanned] = {}
        self._older: dict[str, _Scanned] = {}
        """The texts remembered before `_cache` last filled up (see `scan`)."""

    def __bool__(self) -> bool:
        return bool(self._root.edges)

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
        pending: list[tuple[_Ending, int]] = []
        """Matches that count only in some context, with the word they start at."""
        edges = self._root.edges
        count = len(words)
        for start in [position for position, word in enumerate(words) if word in starts]:
            node = edges[words[start]]
            if not node.edges and node.gap is None:
                for ending in node.endings:
                    if ending.flags or ending.cancel:
                        pending.append((ending, start))
                    elif ending.hit.pack not in found:
                        found[ending.hit.pack] = ending.hit
                continue
            ends: list[tuple[int, list[_Ending]]] = []
            stack = [(node, start + 1)]
            while stack:
                node, position = stack.pop()
                if node.endings:
                    ends.append((position, node.endings))
                gap = node.gap
                if gap is not None:
                    for after in range(position, min(position + GAP_WORDS, count - 1) + 1):
                        following = gap.edges.get(words[after])
                        if following is not None:
                            stack.append((following, after + 1))
                if position < count and node.edges:
                    following = node.edges.get(words[position])
                    if following is not None:
                        stack.append((following, position + 1))
            if len(ends) > 1:
                ends.sort(key=_end_of, reverse=True)
            for _, endings in ends:
                for ending in endings:
                    if ending.flags or ending.cancel:
                        pending.append((ending, start))
                    elif ending.hit.pack not in found:
                        found[ending.hit.pack] = ending.hit
        if pending:
            _in_context(normalized, count, pending, found)
        return found if found else _NOTHING

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


def _insert(root: _Node, words: list[str], ending: _Ending) -> None:
    node = root
    for word in words:
        if word == _GAP:
            if node.gap is None:
                node.gap = _Node()
            node = node.gap
            continue
        following = node.edges.get(word)
        if following is None:
            following = node.edges[word] = _Node()
        node = following
    if all(
        e.hit.pack != ending.hit.pack or e.flags != ending.flags or e.cancel != ending.cancel
        for e in node.endings
    ):
        node.endings.append(ending)


def _end_of(end: tuple[int, list[_Ending]]) -> int:
    return end[0]


def _in_context(
    normalized: str, count: int, pending: list[tuple[_Ending, int]], found: dict[str, PhraseHit]
) -> None:
    """Add to `found` the pending matches whose context holds (see `PhraseIndex`)."""
    sentence_of: list[int] = []
    questions: list[bool] = []
    lengths: list[int] = []
    previous = 0
    for end in _SENTENCE_END.finditer(normalized):
        size = len(words_of(normalized[previous : end.end()]))
        previous = end.end()
        if size:
            sentence_of.extend([len(lengths)] * size)
            questions.append("?" in end.group())
            lengths.append(size)
    size = len(words_of(normalized[previous:]))
    if size:
        sentence_of.extend([len(lengths)] * size)
        questions.append(False)
        lengths.append(size)
    if len(sentence_of) != count:  # cannot happen; read the text as one sentence
        sentence_of, questions, lengths = [0] * count, [False], [count]
    opening = lengths[0]
    if opening <= SALUTATION_WORDS and len(lengths) > 1:
        opening += lengths[1]
    cancelled = {(e.hit.pack, sentence_of[start]) for e, start in pending if e.cancel}
    for ending, start in pending:
        pack = ending.hit.pack
        flags = ending.flags
        if ending.cancel or pack in found:
            continue
        sentence = sentence_of[start]
        if (flags & 1 and start >= opening) or (flags & 2 and start < opening):
            continue
        if (flags & 4 and not questions[sentence]) or (flags & 8 and questions[sentence]):
            continue
        if flags & _CANCELLABLE and (pack, sentence) in cancelled:
            continue
        found[pack] = ending.hit


PhraseBook = dict[str, dict[str, list[str]]]
"""Phrase packs by name, each a mapping of language code to phrases, and of `unless` to the
pack's cancel words."""


@lru_cache(maxsize=1)
def _bundled_data() -> dict[str, dict[str, Any]]:
    """The bundled packs as parsed, once a process: parsing them is most of loading a rule set.

    A pack maps each language (and `unless`) to a list of phrases, and `definition` to text:
    typed `Any` so that compiled code checks no value's type it does not use.
    """
    text = resources.files("cs_score.presets").joinpath("phrases.yaml").read_text("utf-8")
    data: dict[str, dict[str, Any]] = yaml.safe_load(text) or {}
    return data


def bundled_packs() -> PhraseBook:
    """The phrase packs shipped with the package (a fresh copy each call)."""
    data = _bundled_data()
    return {
        name: {key: list(items) for key, items in pack.items() if key != DEFINITION_KEY}
        for name, pack in data.items()
    }


def bundled_definitions() -> dict[str, str]:
    """What each bundled pack detects: the `definition` at the top of the pack."""
    data = _bundled_data()
    return {
        name: " ".join(str(pack.get(DEFINITION_KEY, "")).split()) for name, pack in data.items()
    }
