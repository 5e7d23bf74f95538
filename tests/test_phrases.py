"""Phrase matching as a linguist would accept it: case, accents, scripts, word boundaries."""

from __future__ import annotations

import pickle
import random
import unicodedata
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import plain_python_only
from hypothesis import given, settings
from hypothesis import strategies as st

from cs_score import phrases as phrases_module
from cs_score.phrases import PhraseIndex, bundled_packs, normalize, phrase_key

LANGUAGES = ("en", "fr", "es", "de", "ms", "ru")
PACKS = (
    "greeting",
    "closing",
    "blame",
    "policy_excuse",
    "insult",
    "personal_remark",
    "escalation_request",
    "human_request",
    "identify",
    "apologize",
    "explain",
    "fix",
    "offer",
    "prevent",
)


def found(phrase_list: list[str], text: str) -> str | None:
    """The phrase of a one-pack index found in `text`, or None."""
    hit = PhraseIndex({"pack": {"any": phrase_list}}).packs_in(normalize(text)).get("pack")
    return hit.phrase if hit else None


@pytest.mark.parametrize(
    ("text", "normalized"),
    [
        ("Hello", "hello"),
        ("Déçu", "decu"),
        ("DÉÇU", "decu"),
        ("de\u0301c\u0327u", "decu"),  # decomposed accents
        ("Straße", "strasse"),
        ("STRASSE", "strasse"),
        ("İstanbul", "istanbul"),  # Turkish capital dotted I
        ("ЗДРАВСТВУЙТЕ", "здравствуите"),  # й is и with a breve: every mark goes
        ("Всё", "все"),  # ё is е with a diaeresis
        ("ΟΔΟΣ", "οδοσ"),  # Greek: final sigma folds with sigma
        ("ﬁx", "fix"),  # ligature
        ("ＨＥＬＬＯ", "hello"),  # full-width letters
        ("Grüß Gott", "gruss gott"),
        ("Ñandú", "nandu"),
    ],
)
def test_normalize(text: str, normalized: str) -> None:
    assert normalize(text) == normalized


def test_phrase_key_splits_on_any_separator() -> None:
    assert phrase_key("  Thank-you,   for\tcalling! ") == "thank you for calling"
    assert phrase_key("c'est votre faute") == "c est votre faute"
    assert phrase_key("that’s_on you") == "that s on you"
    assert phrase_key("!!!") == ""


@pytest.mark.parametrize(
    ("phrase", "text"),
    [
        ("hello", "HELLO there"),
        ("straße", "Please go to the STRASSE now"),
        ("strasse", "Die Straße ist gesperrt"),
        ("добрый день", "ДОБРЫЙ ДЕНЬ! Чем могу помочь?"),
        ("iyi günler", "İYİ GÜNLER efendim"),
        ("İstanbul", "our istanbul office"),
        ("déçu", "je suis décu"),
        ("déçu", "je suis DECU"),
        ("decu", "je suis déçu"),
        ("déçu", "je suis de\u0301c\u0327u"),
        ("thank you", "Thank-you!"),
        ("thank you", "thank,\n\t you"),
        ("thank you", "thank... you"),
        ("thank you", "thank_you"),
        ("that's on you", "That’s on you."),
        ("you people", "what can I do for YOU—PEOPLE"),
        ("hi", "Hi!"),
        ("hi", "oh, hi."),
        ("tut mir leid", "Es TUT MIR LEID."),
        ("всего доброго", "Всего доброго!"),
        ("selamat pagi", "SELAMAT PAGI, encik"),
        ("buenos días", "BUENOS DIAS señora"),
    ],
)
def test_matches(phrase: str, text: str) -> None:
    assert found([phrase], text) == phrase


@pytest.mark.parametrize(
    ("phrase", "text"),
    [
        ("hi", "this is it"),  # not inside a word
        ("hi", "hi5"),
        ("hell", "Hello"),
        ("thank you", "thankyou"),
        ("thank you", "thank"),
        ("sorry", "sorrow"),
        ("idiot", "idiotic"),  # a longer word is another word
        ("iyi", "ıyı"),  # Turkish dotless ı is its own letter
        ("décu", "decevant"),
    ],
)
def test_does_not_match(phrase: str, text: str) -> None:
    assert found([phrase], text) is None


def test_the_longest_phrase_at_a_word_is_quoted_and_its_prefixes_count() -> None:
    index = PhraseIndex(
        {
            "closing": {"ms": ["terima kasih", "terima kasih kerana menghubungi kami"]},
            "apologize": {"en": ["sorry"]},
            "delay": {"en": ["sorry for the delay"]},
        }
    )
    hits = index.packs_in(normalize("Terima kasih kerana menghubungi kami. Sorry for the delay!"))
    assert {pack: hit.phrase for pack, hit in hits.items()} == {
        "closing": "terima kasih kerana menghubungi kami",
        "delay": "sorry for the delay",
        "apologize": "sorry",
    }


def test_overlapping_phrases_of_different_packs_all_count() -> None:
    index = PhraseIndex(
        {"greeting": {"en": ["what can I do for you"]}, "personal_remark": {"en": ["you people"]}}
    )
    hits = index.packs_in(normalize("What can I do for you people?"))
    assert sorted(hits) == ["greeting", "personal_remark"]


def test_the_first_phrase_of_a_pack_in_the_text_is_quoted() -> None:
    index = PhraseIndex({"insult": {"en": ["idiot", "stupid"]}})
    assert index.packs_in(normalize("Stupid idiot"))["insult"].phrase == "stupid"


def test_a_phrase_in_two_packs_counts_for_both() -> None:
    index = PhraseIndex({"apologize": {"en": ["sorry"]}, "rule:r": {"any": ["Sorry"]}})
    hits = index.packs_in("sorry")
    assert {pack: hit.phrase for pack, hit in hits.items()} == {
        "apologize": "sorry",
        "rule:r": "Sorry",
    }


def test_empty_and_punctuation_only_phrases_are_ignored() -> None:
    index = PhraseIndex({"pack": {"en": ["", "...", "  "]}})
    assert not index
    assert index.packs_in("anything at all") == {}


def test_regular_expression_syntax_is_literal_text() -> None:
    assert found(["a.*b"], "a.*b") == "a.*b"
    assert found(["a.*b"], "axxxb") is None
    assert found(["(a+)+$"], "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!") is None


# ---------------------------------------------------------------------------------------------
# The phrase language: alternatives, optional words, gaps


@pytest.mark.parametrize(
    ("phrase", "text"),
    [
        ("{I|we} {will|'ll} look into", "We'll look into it"),
        ("{I|we} {will|'ll} look into", "I will look into this"),
        ("{I|we} {will|'ll} look into", "we WILL look into that"),
        ("I [do] apologize", "I apologize"),
        ("I [do] apologize", "I do apologize for the wait"),
        ("{let us|let me} know … if", "Let us know if it helps"),
        ("{let us|let me} know … if", "let me know how it goes, or if not"),
        ("let us know … if", "Let us know, please, if you need more"),
        ("feel free to … {reach out|contact us}", "Feel free to reach out"),
        ("feel free to … {reach out|contact us}", "feel free to send a DM or contact us"),
        ("[please] [kindly] DM us", "DM us your email"),
        ("thank you [so] [very] much", "thank you so much"),
        ("{have|has} [already] been {sent|issued}", "your refund has already been issued"),
        ("sorry [{for|about}] the {wait|delay}", "sorry about the delay"),
        ("sorry [{for|about}] the {wait|delay}", "sorry the wait"),
        ("we ... look into", "we would be happy to look into that"),
    ],
)
def test_patterns_match(phrase: str, text: str) -> None:
    assert found([phrase], text) is not None


@pytest.mark.parametrize(
    ("phrase", "text"),
    [
        ("{I|we} {will|'ll} look into", "they will look into it"),
        ("{I|we} {will|'ll} look into", "we look into it"),
        ("I [do] apologize", "I really apologize"),
        ("let us know … if", "let us know. It took one two three four five words if"),
        ("let us know … if", "let us know"),  # a gap needs the words after it
        ("[please] DM us", "please"),
    ],
)
def test_patterns_do_not_match(phrase: str, text: str) -> None:
    assert found([phrase], text) is None


@pytest.mark.parametrize(
    ("phrase", "problem"),
    [
        ("{I|we look", "`{` without its `}`"),
        ("I [do apologize", "`[` without its `]`"),
        ("I do] apologize", "unexpected `]`"),
        ("a | b", "unexpected `|`"),
        ("(ending) bye", "unknown marker `(ending)`"),
        ("(opening) (closing) hi", "contradictory markers"),
        ("[please]", None),
        ("…", "no words"),
        ("{" * 3 + "a|b" + "}" * 3, None),
    ],
)
def test_phrase_problems(phrase: str, problem: str | None) -> None:
    said = phrases_module.phrase_problem(phrase)
    if problem is None:
        assert said is None or said == "no words"
    else:
        assert said is not None and problem in said


def test_a_phrase_may_spell_out_only_so_many_variants() -> None:
    phrase = " ".join(["{a|b|c|d}"] * 5)  # 4**5 = 1,024 sequences
    assert phrases_module.phrase_problem(phrase) == "more than 512 variants"


def test_a_gap_tries_every_position_up_to_its_bound() -> None:
    index = PhraseIndex({"closing": {"en": ["let us know … if"]}})
    words = ["one", "two", "three", "four", "five", "six"]
    for between in range(len(words) + 1):
        text = "let us know " + " ".join(words[:between]) + " if"
        assert bool(index.packs_in(normalize(text))) == (between <= phrases_module.GAP_WORDS)


# ---------------------------------------------------------------------------------------------
# Context: where a phrase stands, questions, cancel words


def _packs(book: dict[str, dict[str, list[str]]], text: str) -> list[str]:
    return sorted(PhraseIndex(book).packs_in(normalize(text)))


@pytest.mark.parametrize(
    ("text", "counts"),
    [
        ("Thanks for reaching out! We have checked your order.", False),
        ("@customer Hi Sam. Thanks for reaching out to us. Please check your settings.", False),
        ("We have checked your order. Thanks for reaching out!", True),
        ("Let us know how it goes. Thanks for reaching out! ^AA", True),
        ("thanks for reaching out", False),  # one sentence: it opens the message
    ],
)
def test_a_closing_phrase_counts_after_the_opening(text: str, counts: bool) -> None:
    book = {"closing": {"en": ["(closing) thanks for reaching out"]}}
    assert _packs(book, text) == (["closing"] if counts else [])


@pytest.mark.parametrize(
    ("text", "counts"),
    [
        ("How can I help you today?", True),
        ("Hello. How can I help you today?", True),  # after a salutation
        ("Your card is on its way. How can I help you today?", False),
    ],
)
def test_an_opening_phrase_counts_in_the_opening(text: str, counts: bool) -> None:
    book = {"greeting": {"en": ["(opening) how can I help"]}}
    assert _packs(book, text) == (["greeting"] if counts else [])


def test_questions_and_statements() -> None:
    book = {
        "identify": {"en": ["(question) have you tried"]},
        "fix": {"en": ["(statement) refund has been processed"]},
    }
    assert _packs(book, "Have you tried restarting it? Thanks.") == ["identify"]
    assert _packs(book, "Have you tried restarting it.") == []
    assert _packs(book, "Your refund has been processed.") == ["fix"]
    assert _packs(book, "Has the refund has been processed? Let me see.") == []
    assert _packs(book, "Did you check here: https://example.com/doc ? Thanks") == []


def test_cancel_words_cancel_a_match_in_their_sentence_only() -> None:
    book = {"insult": {"en": ["stupid", "idiot"], "unless": ["app", "{site|website}"]}}
    assert _packs(book, "This stupid app keeps crashing.") == []
    assert _packs(book, "The website is stupid.") == []
    assert _packs(book, "You are stupid. The app is fine.") == ["insult"]
    assert _packs(book, "The app is fine, you idiot") == []
    assert _packs(book, "The app is fine! You idiot") == ["insult"]


def test_context_and_plain_phrases_of_one_pack_work_together() -> None:
    book = {"closing": {"en": ["(closing) thanks for reaching out", "have a great day"]}}
    hits = PhraseIndex(book).packs_in(normalize("Thanks for reaching out! Have a great day"))
    assert hits["closing"].phrase == "have a great day"


@pytest.mark.parametrize(
    ("phrase", "text", "quoted"),
    [
        ("how {can|may} I help", "How MAY I help?", "how may I help"),
        ("(opening) I [do] apologize", "I apologize.", "I apologize"),
        ("I [do] apologize", "I do apologize.", "I do apologize"),
        ("let us know … if", "let us know how it goes if", "let us know … if"),
        ("Thank you, for contacting", "thank you for contacting", "Thank you, for contacting"),
    ],
)
def test_evidence_quotes_the_words_a_pattern_matched(phrase: str, text: str, quoted: str) -> None:
    assert found([phrase], text) == quoted


def test_patterns_cost_what_literal_phrases_do() -> None:
    """Alternatives and optional words are spelled out into the one trie when it is built; a
    message is still split into words once."""
    spelled_out = ["we will look into", "we ll look into", "i will look into"]
    literal = PhraseIndex({"p": {"en": spelled_out}})
    pattern = PhraseIndex({"p": {"en": ["{I|we} {will|'ll} look into"]}})
    for text in ("We'll look into it", "I will look into it", "they will look into it"):
        assert bool(literal.packs_in(normalize(text))) == bool(pattern.packs_in(normalize(text)))


# ---------------------------------------------------------------------------------------------
# The bundled packs


def test_bundled_packs_cover_every_language() -> None:
    book = bundled_packs()
    assert sorted(book) == sorted(PACKS)
    for pack in PACKS:
        languages = [key for key in book[pack] if key != phrases_module.CANCEL_KEY]
        assert sorted(languages) == sorted(LANGUAGES), pack
        for language in LANGUAGES:
            assert len(book[pack][language]) >= 5, (pack, language)


def _bundled() -> Iterator[tuple[str, str, str]]:
    for pack, languages in bundled_packs().items():
        for language, phrase_list in languages.items():
            if language == phrases_module.CANCEL_KEY:
                continue
            for phrase in phrase_list:
                yield pack, language, phrase


def _shout(text: str) -> str:
    """Upper case without accents, as people type in a hurry."""
    decomposed = unicodedata.normalize("NFKD", text.upper())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def test_every_bundled_phrase_follows_the_phrase_language() -> None:
    problems = [
        (pack, phrase, phrases_module.phrase_problem(phrase))
        for pack, _, phrase in _bundled()
        if phrases_module.phrase_problem(phrase) is not None
    ]
    assert problems == []


def _said(phrase: str) -> Iterator[str]:
    """Texts that say each word sequence a phrase spells out, where its markers want it."""
    flags, variants = phrases_module.parse_phrase(phrase)
    for words in variants:
        said = " ".join("one two" if word == "…" else word for word in words)
        if flags & phrases_module.MARKERS["closing"]:
            said = "We have checked it. " + said
        end = "?" if flags & phrases_module.MARKERS["question"] else "!"
        yield f"Well, {said}{end}"
        yield f"«{_shout(said)}»{end}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_bundled_phrase_is_found_in_any_case_and_without_accents(language: str) -> None:
    index = PhraseIndex(bundled_packs())
    for pack, phrase_language, phrase in _bundled():
        if phrase_language != language:
            continue
        literal = not any(sign in phrase for sign in "{[(…") and "..." not in phrase
        for text in (*_said(phrase), *([f"({phrase.capitalize()})"] if literal else [])):
            hits = index.packs_in(normalize(text))
            assert pack in hits, (pack, phrase, text)


@pytest.mark.parametrize(
    ("language", "text", "pack", "phrase"),
    [
        ("en", "GOOD MORNING, how may I help?", "greeting", "good morning"),
        ("fr", "Bonjour, que puis-je faire pour vous ?", "greeting", "bonjour"),
        ("fr", "Je suis DÉSOLÉE pour ce retard", "apologize", "désolée"),
        ("fr", "Hélas : POLITIQUE DE L'ENTREPRISE.", "policy_excuse", "politique de l'entreprise"),
        ("es", "Disculpe las molestias", "apologize", "disculpe las molestias"),
        ("es", "¡Qué pregunta tonta!", "insult", "pregunta tonta"),
        ("de", "GRÜSS GOTT!", "greeting", "grüß gott"),
        ("de", "Das ist eine dumme Frage.", "insult", "dumme frage"),
        ("ms", "Selamat pagi, apa khabar?", "greeting", "selamat pagi"),
        ("ms", "Ini salah anda sendiri", "blame", "ini salah anda"),
        ("ru", "Здравствуйте! Чем могу помочь?", "greeting", "здравствуйте"),
        ("ru", "ЭТО ВАША ВИНА", "blame", "это ваша вина"),
    ],
)
def test_a_sentence_in_each_language(language: str, text: str, pack: str, phrase: str) -> None:
    hits = PhraseIndex(bundled_packs()).packs_in(normalize(text))
    assert hits[pack].phrase == phrase


# ---------------------------------------------------------------------------------------------
# Cost: one pass over the text, and as many lookups for a thousand phrases as for ten


class _CountingTrie(dict[str, Any]):
    lookups = 0

    def get(self, key: str, default: Any = None) -> Any:
        _CountingTrie.lookups += 1
        return super().get(key, default)

    def __getitem__(self, key: str) -> Any:
        _CountingTrie.lookups += 1
        return super().__getitem__(key)


def _count_lookups(node: Any) -> None:
    """Make every word lookup in the trie below `node` count."""
    node.edges = _CountingTrie(node.edges)
    for child in node.edges.values():
        _count_lookups(child)
    if node.gap is not None:
        _count_lookups(node.gap)


def _made_up_phrases(rng: random.Random, count: int) -> list[str]:
    def word() -> str:
        return "".join(rng.choice("bcdfghjklmnpqrstvwxz") for _ in range(rng.randint(4, 8)))

    return [" ".join(word() for _ in range(rng.randint(1, 3))) for _ in range(count)]


@plain_python_only
def test_a_thousand_phrases_cost_what_ten_do(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each message is split into words once, and the number of trie lookups depends on the
    message, not on the pack: the same for a pack of 1,000 phrases as for one of 10."""
    rng = random.Random(4)
    shared = ["order number", "refund", "thank you for calling"]
    messages = [
        normalize(text)
        for text in (
            "Hello, what is your order number please?",
            "I have issued a refund today. Thank you for calling!",
            "Nothing to see here at all, just ordinary words in a sentence.",
            "Refund refund REFUND order order number",
        )
    ] * 25
    tokenized = 0
    real_words_of = phrases_module.words_of

    def counting_words_of(text: str) -> list[str]:
        nonlocal tokenized
        tokenized += 1
        return real_words_of(text)

    monkeypatch.setattr(phrases_module, "words_of", counting_words_of)
    lookups = {}
    results = {}
    for size in (10, 1_000):
        index = PhraseIndex({"pack": {"en": shared + _made_up_phrases(rng, size - len(shared))}})
        _count_lookups(index._root)
        _CountingTrie.lookups = 0
        tokenized = 0
        results[size] = [index.packs_in(text) for text in messages]
        lookups[size] = _CountingTrie.lookups
        assert tokenized == len(messages)
    assert results[10] == results[1_000]
    # Only words that start some phrase are looked up, then the words after them as far as a
    # phrase goes. Per group of four messages: "order" + "number" in the first; "refund",
    # then "thank" + "you" + "for" + "calling" in the second; none in the third; three times
    # "refund", "order" + "order", "order" + "number" in the fourth: 14, times 25.
    assert lookups[10] == lookups[1_000] == 14 * 25


@plain_python_only
def test_texts_are_matched_once_and_the_memory_is_bounded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    index = PhraseIndex({"apologize": {"en": ["sorry"]}, "greeting": {"en": ["hello"]}})
    monkeypatch.setattr(phrases_module, "CACHED_TEXTS", 2)
    monkeypatch.setattr(phrases_module, "CACHED_TEXT_CHARS", 20)
    scans = 0
    real = index.packs_in

    def counting(normalized: str) -> dict[str, Any]:
        nonlocal scans
        scans += 1
        return real(normalized)

    monkeypatch.setattr(index, "packs_in", counting)
    assert list(index.hits_in("Hello! Sorry.")) == ["greeting", "apologize"]
    assert list(index.hits_in("Hello! Sorry.")) == ["greeting", "apologize"]
    assert scans == 1
    long_text = "Sorry, " + "x" * 20
    assert list(index.hits_in(long_text)) == list(index.hits_in(long_text)) == ["apologize"]
    assert scans == 3  # too long to remember
    index.hits_in("one")
    index.hits_in("two")  # the newer half is full: "Hello! Sorry." and "one" become the older
    index.hits_in("Hello! Sorry.")  # remembered in the older half, and moved back
    assert scans == 5
    for text in ("three", "four", "five"):  # two more turnovers
        index.hits_in(text)
    assert scans == 8
    index.hits_in("one")  # not met again in time: forgotten
    index.hits_in("Hello! Sorry.")  # forgotten too, two turnovers after it was last used
    assert scans == 10


def test_an_index_travels_without_the_texts_it_remembers() -> None:
    index = PhraseIndex({"apologize": {"en": ["sorry"]}})
    index.hits_in("Sorry!")
    copy = pickle.loads(pickle.dumps(index))
    assert copy._cache == copy._older == {}
    assert copy.hits_in("Sorry!")["apologize"].phrase == "sorry"


@settings(max_examples=300)
@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=80))
def test_ascii_texts_split_into_the_same_words_either_way(text: str) -> None:
    assert phrases_module.words_of(text) == phrases_module._WORD.findall(text)
    assert phrases_module.words_of(text.lower()) == phrases_module._WORD.findall(text.lower())
