"""Writing a rule set: the JSON Schema for editors, the resolved view of `rules check`, and the
starter files of `cs-score init`.

- `rules_schema()` is the JSON Schema (draft 2020-12) of a rules file, generated from the
  pydantic models, so the rule kinds in the registry are the one source of truth. A rule item is
  one of the kinds (chosen by its `kind`, so an editor completes that kind's parameters), or a
  change to a rule inherited through `extends` (an `id` without `kind`).
- `resolve()` pairs every value of a loaded rule set with where it was set (`FILE:LINE`, or
  `default`), and `render_yaml` / `render_json` print it.
- `starter_files()` are the files `init` writes: a commented rule set extending `default`, its
  schema, a sample log and test cases that pass.
"""

from __future__ import annotations

import inspect
import json
from dataclasses import dataclass, field
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic.json_schema import GenerateJsonSchema
from pydantic_core import core_schema

from cs_score import checks
from cs_score.durations import DURATION_JSON_SCHEMA, format_duration
from cs_score.errors import Location, UsageError
from cs_score.ruleset import RuleSet, RuleSetModel
from cs_score.yamlsource import LocDict, LocList

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_FILE = "rules.schema.json"
DEFAULT_SOURCE = "default"
"""What the resolved view says of a value nobody set."""


class CheckFormat(StrEnum):
    """Output formats of `rules check`."""

    yaml = "yaml"
    json = "json"


# ---------------------------------------------------------------------------------------------
# JSON Schema


class _Generator(GenerateJsonSchema):
    """Pydantic's generator, also showing defaults that come from a factory (lists, mappings)."""

    def get_default_value(self, schema: core_schema.WithDefaultSchema) -> Any:
        factory = schema.get("default_factory")
        if factory is not None and not schema.get("default_factory_takes_data"):
            return factory()  # type: ignore[call-arg]
        return super().get_default_value(schema)


def _rule_def_name(kind: str) -> str:
    return "".join(part.title() for part in kind.split("_")) + "Rule"


def _strip_titles(node: Any, *, keep: bool = True) -> None:
    """Drop pydantic's generated property titles ("Late Credit"): the key says as much."""
    if isinstance(node, dict):
        if not keep:
            node.pop("title", None)
        for key, value in node.items():
            if key == "properties" and isinstance(value, dict):
                for prop in value.values():
                    _strip_titles(prop, keep=False)
            elif key != "properties":
                _strip_titles(value, keep=True)
    elif isinstance(node, list):
        for item in node:
            _strip_titles(item, keep=True)


def _is_duration(prop: dict[str, Any]) -> bool:
    return bool(prop.get("pattern") == DURATION_JSON_SCHEMA["pattern"])


def _durations_as_text(node: Any) -> None:
    """Durations: an optional one as one schema (no anyOf with null), and defaults as people
    write them (`1m30s`, not 90.0)."""
    if isinstance(node, dict):
        props = node.get("properties")
        if isinstance(props, dict):
            for prop in props.values():
                options = prop.get("anyOf") if isinstance(prop, dict) else None
                if (
                    isinstance(options, list)
                    and len(options) == 2
                    and _is_duration(options[0])
                    and options[1] == {"type": "null"}
                ):
                    del prop["anyOf"]
                    prop.update(options[0])
                    prop["type"] = [*options[0]["type"], "null"]
                if not isinstance(prop, dict) or not _is_duration(prop):
                    continue
                default = prop.get("default")
                if isinstance(default, int | float) and not isinstance(default, bool):
                    prop["default"] = format_duration(default)
        for value in node.values():
            _durations_as_text(value)
    elif isinstance(node, list):
        for item in node:
            _durations_as_text(item)


def _merged_properties(rule_defs: list[dict[str, Any]], skip: set[str]) -> dict[str, Any]:
    """Every key any kind accepts, with its schema (several kinds' schemas combined)."""
    found: dict[str, list[dict[str, Any]]] = {}
    for definition in rule_defs:
        for name, prop in definition["properties"].items():
            if name in skip:
                continue
            prop = {k: v for k, v in prop.items() if k != "default"}
            options = found.setdefault(name, [])
            if prop not in options:
                options.append(prop)
    merged: dict[str, Any] = {}
    for name, options in found.items():
        if len(options) == 1:
            merged[name] = options[0]
        else:
            description = next((o["description"] for o in options if "description" in o), None)
            bare = [{k: v for k, v in o.items() if k != "description"} for o in options]
            unique = [o for i, o in enumerate(bare) if o not in bare[:i]]
            merged[name] = unique[0] if len(unique) == 1 else {"anyOf": unique}
            if description:
                merged[name]["description"] = description
    return merged


def rules_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a rules file, with descriptions and defaults."""
    schema: dict[str, Any] = RuleSetModel.model_json_schema(schema_generator=_Generator)
    defs: dict[str, Any] = schema.setdefault("$defs", {})
    renames: dict[str, str] = {}
    for def_name, definition in list(defs.items()):
        kind = definition.get("properties", {}).get("kind", {}).get("const")
        if kind in checks.KINDS:
            renames[f"#/$defs/{def_name}"] = f"#/$defs/{_rule_def_name(kind)}"
            defs[_rule_def_name(kind)] = defs.pop(def_name)
    text = json.dumps(schema)
    for old, new in renames.items():
        text = text.replace(json.dumps(old), json.dumps(new))
    schema = json.loads(text)
    defs = schema["$defs"]

    rule_defs = []
    for kind in checks.KINDS:
        definition = defs[_rule_def_name(kind)]
        doc = inspect.cleandoc(checks.documentation(kind))
        definition["title"] = f"{kind} rule"
        definition["description"] = doc
        definition["properties"]["kind"]["description"] = doc.split("\n\n", 1)[0]
        rule_defs.append(definition)

    inherited = _merged_properties(rule_defs, skip={"kind"})
    defs["RuleChange"] = {
        "title": "change to an inherited rule",
        "description": (
            "A rule with the id of a rule from the rule set this file extends, and no `kind`: "
            "only the keys given change. (Give `kind` to define a new rule, or to replace the "
            "inherited one.)"
        ),
        "type": "object",
        "properties": inherited,
        "required": ["id"],
        "not": {"required": ["kind"]},
        "additionalProperties": False,
    }
    defs["RulePatch"] = {
        "title": "keys to change in a rule",
        "description": "Any of the rule's keys except `id` and `kind`.",
        "type": "object",
        "properties": {k: v for k, v in inherited.items() if k != "id"},
        "additionalProperties": False,
    }
    rules_prop = schema["properties"]["rules"]
    rules_prop["description"] = (
        "The rules: each has an `id` and a `kind` (see each kind's parameters), or only an `id` "
        "to change a rule of the rule set this file extends."
    )
    rules_prop["items"] = {
        "oneOf": [
            *({"$ref": f"#/$defs/{_rule_def_name(kind)}"} for kind in checks.KINDS),
            {"$ref": "#/$defs/RuleChange"},
        ]
    }
    defs["Override"]["properties"]["rules"]["additionalProperties"] = {"$ref": "#/$defs/RulePatch"}
    _durations_as_text(schema)
    _strip_titles(schema)
    return {
        "$schema": SCHEMA_DIALECT,
        "title": "cs-score rules file",
        "description": (
            "A service standard for cs-score: rules that score customer-service interactions. "
            "Generated by `cs-score rules schema`."
        ),
        **{k: v for k, v in schema.items() if k not in ("title", "description")},
    }


def render_schema() -> str:
    return json.dumps(rules_schema(), indent=2, ensure_ascii=False) + "\n"


# ---------------------------------------------------------------------------------------------
# The resolved rule set, with where each value came from


@dataclass
class Resolved:
    """A rule set after `extends` and defaults, and the source of each key (dotted path)."""

    name: str
    files: list[str]
    document: dict[str, Any]
    lines: list[tuple[str, str | None]] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)

    def summary(self) -> str:
        count = len(self.document.get("rules", []))
        rules = f"{count} rule{'s' if count != 1 else ''}"
        return f"is valid: {rules}, read from {' → '.join(self.files)}"


def _where(location: Location | None) -> str:
    return f"{location.file}:{location.line}" if location is not None else DEFAULT_SOURCE


def _tidy(value: Any) -> Any:
    """Whole floats as integers (weight 3, not 3.0); conditions without their unset keys."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_tidy(v) for v in value]
    if isinstance(value, dict):
        tidied = {k: _tidy(v) for k, v in value.items()}
        for key in ("when",):
            condition = tidied.get(key)
            if isinstance(condition, dict):
                tidied[key] = {k: v for k, v in condition.items() if v is not None}
        return tidied
    return value


def _scalar(value: Any) -> str:
    """A value in YAML flow form, on one line."""
    text = yaml.safe_dump(
        value, default_flow_style=True, allow_unicode=True, width=2**31, sort_keys=False
    )
    text = text.removesuffix("\n...\n").removesuffix("\n")
    if "\n" in text:
        # JSON is valid YAML, and keeps a multi-line text on one line.
        text = json.dumps(value, ensure_ascii=False)
    return text


class _Annotator:
    """Walks the resolved document next to the merged YAML, writing lines with their source."""

    INLINE_WIDTH = 72

    def __init__(self) -> None:
        self.lines: list[tuple[str, str | None]] = []
        self.sources: dict[str, str] = {}

    def mapping(self, data: dict[str, Any], raw: Any, indent: int, path: str, dash: bool) -> None:
        for n, (key, value) in enumerate(data.items()):
            lead = " " * indent
            if dash and n == 0:
                lead = " " * (indent - 2) + "- "
            has = isinstance(raw, LocDict) and key in raw
            source = _where(raw.where(key)) if has else DEFAULT_SOURCE
            child_path = f"{path}.{key}" if path else key
            self.sources[child_path] = source
            if child_path == "phrases" and value:
                self.lines.append((f"{lead}# added to the bundled packs of the same name", None))
            self.entry(
                f"{lead}{_scalar(key)}:",
                value,
                raw[key] if has else None,
                source,
                indent,
                child_path,
            )

    def entry(self, head: str, value: Any, raw: Any, source: str, indent: int, path: str) -> None:
        if isinstance(value, dict | list) and value and not self._inline(value, raw, source, head):
            self.lines.append((head, source))
            if isinstance(value, dict):
                self.mapping(value, raw, indent + 2, path, dash=False)
            else:
                self.sequence(value, raw, indent + 2, path)
        else:
            self.lines.append((f"{head} {_scalar(value)}", source))

    def sequence(self, items: list[Any], raw: Any, indent: int, path: str) -> None:
        for i, item in enumerate(items):
            raw_item = raw[i] if isinstance(raw, LocList) and i < len(raw) else None
            source = _where(raw.where(i)) if raw_item is not None else DEFAULT_SOURCE
            name = item.get("id", i) if isinstance(item, dict) else i
            item_path = f"{path}[{name}]"
            self.sources[item_path] = source
            if isinstance(item, dict) and item:
                self.mapping(item, raw_item, indent + 2, item_path, dash=True)
            else:
                self.lines.append((f"{' ' * indent}- {_scalar(item)}", source))

    def _inline(self, value: dict[str, Any] | list[Any], raw: Any, source: str, head: str) -> bool:
        """Short values set in one place print on one line, with one source."""
        if len(head) + 1 + len(_scalar(value)) > self.INLINE_WIDTH:
            return False
        return all(inner == source for inner in _sources_within(value, raw))


def _sources_within(value: Any, raw: Any) -> list[str]:
    """Where each key or item inside a value was set, at every depth."""
    found: list[str] = []
    if isinstance(value, dict):
        for key, inner in value.items():
            has = isinstance(raw, LocDict) and key in raw
            found.append(_where(raw.where(key)) if has else DEFAULT_SOURCE)
            found += _sources_within(inner, raw[key] if has else None)
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            has = isinstance(raw, LocList) and i < len(raw)
            found.append(_where(raw.where(i)) if has else DEFAULT_SOURCE)
            found += _sources_within(inner, raw[i] if has else None)
    return found


def resolve(ruleset: RuleSet) -> Resolved:
    """The rule set as it will be used, each key paired with the file and line that set it."""
    document = _tidy(ruleset.model.model_dump(mode="json", exclude={"extends"}))
    annotator = _Annotator()
    annotator.mapping(document, ruleset.raw, 0, "", dash=False)
    return Resolved(
        ruleset.name, list(ruleset.sources), document, annotator.lines, annotator.sources
    )


COMMENT_COLUMN_MAX = 64


def render_yaml(resolved: Resolved) -> str:
    """The resolved rule set as YAML (itself a valid rules file), each line's source as a
    trailing comment."""
    width = max(
        (len(text) for text, _ in resolved.lines if len(text) <= COMMENT_COLUMN_MAX), default=0
    )
    out = [
        f"# {resolved.name}: the rule set as cs-score uses it",
        f"# read from: {' → '.join(resolved.files)} (later files change earlier ones)",
        "# each comment says where the value was set (FILE:LINE), or `default`",
    ]
    for text, source in resolved.lines:
        if source is None:
            out.append(text)
        else:
            out.append(f"{text.ljust(width)}  # {source}")
    return "\n".join(out) + "\n"


def render_json(resolved: Resolved) -> str:
    """The resolved rule set as JSON: `files`, `rule_set`, and `sources` (dotted path → where)."""
    payload = {"files": resolved.files, "rule_set": resolved.document, "sources": resolved.sources}
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"


# ---------------------------------------------------------------------------------------------
# cs-score init

STARTER_FILES = ("rules.yaml", SCHEMA_FILE, "interactions.jsonl", "cases.yaml")


def starter_files() -> dict[str, str]:
    """File name → content of what `init` writes."""
    folder = resources.files("cs_score.templates")
    files = {}
    for name in STARTER_FILES:
        if name == SCHEMA_FILE:
            files[name] = render_schema()
        else:
            files[name] = folder.joinpath(name).read_text("utf-8")
    return files


def plan_init(folder: Path) -> list[tuple[Path, str]]:
    """Where each starter file goes; fails, naming them, if any already exists (nothing is
    overwritten)."""
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{folder}: exists and is not a folder")
    planned = [(folder / name, text) for name, text in starter_files().items()]
    existing = [str(path) for path, _ in planned if path.exists() or path.is_symlink()]
    if existing:
        one = len(existing) == 1
        raise UsageError(
            f"{', '.join(existing)}: already exist{'s' if one else ''}; nothing was written "
            f"(move {'it' if one else 'them'} away, or choose another folder)"
        )
    return planned


def next_steps(folder: Path) -> list[str]:
    """What to do after `init`, as lines for people."""
    lines = [f"Wrote a starter standard in {folder}/:"]
    notes = {
        "rules.yaml": "the rule set: extends `default`, with examples of each change",
        SCHEMA_FILE: "lets your editor complete and check rules.yaml",
        "interactions.jsonl": "a small sample log",
        "cases.yaml": "test cases that protect the standard from regressions",
    }
    lines += [f"  {name:<20} {notes[name]}" for name in STARTER_FILES]
    lines.append("Next steps:")
    if folder != Path("."):
        lines.append(f"  cd {folder}")
    steps = [
        ("cs-score rules check rules.yaml", "what the rule set resolves to"),
        ("cs-score test rules.yaml cases.yaml", "the test cases pass"),
        ("cs-score evaluate interactions.jsonl -r rules.yaml", "the sample misses the gate: why?"),
    ]
    lines += [f"  {command:<52} # {note}" for command, note in steps]
    lines.append(
        "Then edit rules.yaml, add a case to cases.yaml for each decision you make, and run "
        "the tests again."
    )
    return lines


__all__ = [
    "CheckFormat",
    "Resolved",
    "next_steps",
    "plan_init",
    "render_json",
    "render_schema",
    "render_yaml",
    "resolve",
    "rules_schema",
    "starter_files",
]
