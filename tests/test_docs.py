"""docs/rules.md is generated from the kinds and models, and must be current."""

from __future__ import annotations

import re

import pytest
from conftest import ROOT

from cs_score import checks, docs
from cs_score.checks.params.base import RuleBase


@pytest.fixture(scope="module")
def rendered() -> str:
    """The rules reference as `python -m cs_score.docs` writes it (rendered once: it is slow)."""
    return docs.render()


def test_rules_reference_is_current(rendered: str) -> None:
    """Fails when a kind's docstring, a model or a preset changed: run python -m cs_score.docs."""
    current = (ROOT / "docs" / "rules.md").read_text("utf-8")
    assert current == rendered, "docs/rules.md is stale: run python -m cs_score.docs"


@pytest.mark.parametrize("kind", list(checks.KINDS))
def test_every_kind_is_documented_with_examples(kind: str, rendered: str) -> None:
    module = checks.KINDS[kind]
    text = checks.documentation(kind)
    assert text.startswith(f"`{kind}`: ")
    for part in ("What it measures", "Credit", "n/a", "Passing example", "Failing example"):
        assert part in text, f"{kind}: no {part!r} in its docstring"
    assert f"### `{kind}`" in rendered
    own = set(module.Rule.model_fields) - set(RuleBase.model_fields)
    for key in own:
        listed = re.search(rf"^ +{key} \(", text, re.MULTILINE)
        assert listed, f"{kind}: parameter {key} is not listed in its docstring"
        assert f"| `{key}` |" in rendered, f"{kind}: parameter {key} is not in the reference"


def test_types_and_defaults_in_words() -> None:
    from cs_score.checks import escalation, response_time, wait_time

    target = wait_time.Rule.model_fields["target"]
    assert docs.describe_type(target.annotation, target.metadata) == "duration"
    assert docs.describe_default(target) == "1m30s"
    per_channel = wait_time.Rule.model_fields["per_channel"]
    assert docs.describe_type(per_channel.annotation) == "mapping of name → duration"
    answered_by = response_time.Rule.model_fields["answered_by"]
    assert docs.describe_type(answered_by.annotation) == "list of `agent` \\| `bot` \\| `system`"
    assert docs.describe_default(answered_by) == "[agent]"
    request = escalation.Rule.model_fields["request_phrases"]
    assert docs.describe_type(request.annotation) == "string or list of strings"


def test_docstring_lists_become_text_blocks() -> None:
    text = "Intro line.\n\nParameters (defaults):\n  a (1)   the a\n  b (2)   the b\n\nEnd."
    assert docs.docstring_markdown(text) == (
        "Intro line.\n\nParameters (defaults):\n\n```text\na (1)   the a\nb (2)   the b\n```"
        "\n\nEnd."
    )
