"""`cs-score rules schema`: the JSON Schema that editors use to complete and check rules files."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from conftest import ROOT, Ran

from cs_score import checks
from cs_score.authoring import rules_schema
from cs_score.errors import RuleSetError
from cs_score.ruleset import load_ruleset

PACKAGE = ROOT / "cs_score"
VALID_FILES = sorted(
    [
        *(p for p in (PACKAGE / "presets").glob("*.yaml") if p.name != "phrases.yaml"),
        *(ROOT / "rules").glob("*.yaml"),
        *(ROOT / "rules").glob("*.yml"),
        PACKAGE / "templates" / "rules.yaml",
    ]
)


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = rules_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _errors(validator: jsonschema.Draft202012Validator, document: Any) -> list[str]:
    return sorted(
        ".".join(str(p) for p in error.absolute_path) for error in validator.iter_errors(document)
    )


def test_command_prints_the_schema(cli: Callable[..., Ran]) -> None:
    ran = cli("rules", "schema")
    assert ran.code == 0
    schema = json.loads(ran.stdout)
    assert schema == rules_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_default_preset_is_among_the_files_checked() -> None:
    assert PACKAGE / "presets" / "default.yaml" in VALID_FILES


@pytest.mark.parametrize("path", VALID_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_bundled_and_shipped_rule_sets_validate(
    validator: jsonschema.Draft202012Validator, path: Path
) -> None:
    document = yaml.safe_load(path.read_text("utf-8"))
    assert _errors(validator, document) == []


def test_every_kind_is_a_branch_chosen_by_kind() -> None:
    schema = rules_schema()
    branches = [
        b["$ref"].removeprefix("#/$defs/") for b in schema["properties"]["rules"]["items"]["oneOf"]
    ]
    assert branches[-1] == "RuleChange"
    kinds = [schema["$defs"][name]["properties"]["kind"]["const"] for name in branches[:-1]]
    assert kinds == list(checks.KINDS)
    assert "discriminator" not in schema["properties"]["rules"]["items"]
    for name in branches[:-1]:
        definition = schema["$defs"][name]
        assert definition["required"][:2] == ["id", "kind"]
        # Only the `phrase` kind has a key without a default: its phrases.
        assert definition["required"][2:] == (
            ["phrases"] if name.lower().startswith("phrase") else []
        )
        assert definition["additionalProperties"] is False


def test_kind_branches_carry_parameters_descriptions_and_defaults() -> None:
    defs = rules_schema()["$defs"]
    wait = defs["WaitTimeRule"]
    assert wait["title"] == "wait_time rule"
    assert wait["description"].startswith("`wait_time`: how long the customer waited")
    assert wait["properties"]["kind"] == {
        "const": "wait_time",
        "type": "string",
        "description": "`wait_time`: how long the customer waited before an agent engaged.",
    }
    target = wait["properties"]["target"]
    assert target["default"] == "1m30s"
    assert target["description"] == "target wait (90s, 1m30s, 4h, or seconds)"
    # One schema, not anyOf: editors then show one description and one clear message.
    assert target["type"] == ["string", "number"]
    assert target["minimum"] == 0
    assert target["errorMessage"] == (
        "expected a duration such as 90s, 1m30s, 4h, 2d or a number of seconds"
    )
    assert wait["properties"]["zero_at"]["type"] == ["string", "number", "null"]
    assert "anyOf" not in wait["properties"]["zero_at"]
    assert wait["properties"]["weight"]["default"] == 1.0
    assert defs["GreetingRule"]["properties"]["late_credit"] == {
        "default": 0.5,
        "description": "credit for a late greeting",
        "maximum": 1,
        "minimum": 0,
        "type": "number",
    }
    assert defs["ConductRule"]["properties"]["critical"]["default"] is True
    assert defs["ConductRule"]["properties"]["phrases"]["default"] == [
        "blame",
        "policy_excuse",
        "insult",
        "personal_remark",
    ]
    assert defs["ResolutionRule"]["properties"]["required_steps"]["default"] == [
        "identify",
        "apologize",
        "explain",
        "fix",
        "offer",
        "prevent",
    ]
    assert defs["PromisesRule"]["properties"]["grace"]["default"] == "0s"
    top = rules_schema()["properties"]
    assert top["grades"]["default"] == {"A": 90.0, "B": 80.0, "C": 70.0, "D": 60.0}
    assert top["pass_score"]["default"] == 70.0


def _rule(**keys: Any) -> dict[str, Any]:
    return {"cs_score": 1, "rules": [{"id": "wait", "kind": "wait_time", **keys}]}


@pytest.mark.parametrize("value", ["90s", "1m30s", "4h", "2d", "1.5h", "500ms", " 2m ", 90, 0.5])
def test_durations_accept_text_or_seconds(
    validator: jsonschema.Draft202012Validator, value: Any, tmp_path: Path
) -> None:
    assert _errors(validator, _rule(target=value)) == []
    rules = tmp_path / "rules.yaml"
    rules.write_text(yaml.safe_dump(_rule(target=value)))
    load_ruleset(str(rules))  # the loader agrees


@pytest.mark.parametrize("value", ["90 seconds", "soon", "90", "", -1, True])
def test_durations_refuse_other_values(
    validator: jsonschema.Draft202012Validator, value: Any, tmp_path: Path
) -> None:
    assert _errors(validator, _rule(target=value)) == ["rules.0"]
    rules = tmp_path / "rules.yaml"
    rules.write_text(yaml.safe_dump(_rule(target=value)))
    with pytest.raises(RuleSetError):
        load_ruleset(str(rules))  # the loader agrees


def test_a_change_to_an_inherited_rule_validates(
    validator: jsonschema.Draft202012Validator,
) -> None:
    document = {
        "extends": "default",
        "rules": [
            {"id": "wait-time", "target": "60s", "per_channel": {"chat": "30s"}},
            {"id": "conduct", "critical": False, "phrases": ["insult"]},
        ],
        "overrides": [{"when": {"channel": "store"}, "rules": {"greeting": {"late_credit": 1}}}],
    }
    assert _errors(validator, document) == []


WRONG_FILES = {
    "wrong type": ("pass_score: high", ["pass_score"]),
    "unknown kind": ("rules: [{id: a, kind: wait_tiem}]", ["rules.0"]),
    "misspelt top-level key": ("pass_scor: 70", [""]),
    "misspelt rule key": ("rules: [{id: b, kind: greeting, late_credt: 0.2}]", ["rules.0"]),
    "another kind's parameter": ("rules: [{id: c, kind: greeting, target: 60s}]", ["rules.0"]),
    "rule without id": ("rules: [{target: 60s}]", ["rules.0"]),
    "bad duration per channel": (
        "rules: [{id: w, kind: wait_time, per_channel: {email: four hours}}]",
        ["rules.0"],
    ),
    "misspelt key in an override": (
        "overrides: [{when: {channel: chat}, rules: {conduct: {enabld: false}}}]",
        ["overrides.0.rules.conduct"],
    ),
    "condition on an unknown field": (
        "overrides: [{when: {chanel: chat}, rules: {conduct: {enabled: false}}}]",
        ["overrides.0.when"],
    ),
    "format version": ("cs_score: 2", ["cs_score"]),
    "score out of range": ("gate: {min_score: 150}", ["gate.min_score"]),
}


@pytest.mark.parametrize("text, paths", WRONG_FILES.values(), ids=list(WRONG_FILES))
def test_wrong_files_do_not_validate(
    validator: jsonschema.Draft202012Validator, text: str, paths: list[str]
) -> None:
    assert _errors(validator, yaml.safe_load(text)) == paths
