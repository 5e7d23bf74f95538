"""YAML loading that remembers where every value came from.

Mappings load as `LocDict` and sequences as `LocList`: plain `dict` and `list` subclasses that
also carry the file, line and column of themselves and of each key or item, so a validation
error can say `rules.yaml:12:5`. Loading is safe: only plain YAML types, no duplicate keys,
bounded nesting, and aliases cannot expand into a "billion laughs".
"""

from __future__ import annotations

import math
from typing import Any

import yaml

from cs_score.errors import Location, Problem, RuleSetError

MAX_NODES = 100_000
MAX_NUMBER_CHARS = 30
"""The longest number read: enough for any real figure, short of Python's own digit limit."""
_NUMBER_TAGS = frozenset({"tag:yaml.org,2002:int", "tag:yaml.org,2002:float"})
MAX_DEPTH = 64


class LocDict(dict[str, Any]):
    """A mapping that knows its own location and the location of each key."""

    loc: Location | None
    key_locs: dict[str, Location | None]

    def __init__(self, *args: Any, loc: Location | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.loc = loc
        self.key_locs = {}

    def where(self, key: str) -> Location | None:
        return self.key_locs.get(key, self.loc)


class LocList(list[Any]):
    """A sequence that knows its own location and the location of each item."""

    loc: Location | None
    item_locs: list[Location | None]

    def __init__(self, *args: Any, loc: Location | None = None) -> None:
        super().__init__(*args)
        self.loc = loc
        self.item_locs = [loc] * len(self)

    def where(self, index: int) -> Location | None:
        if 0 <= index < len(self.item_locs):
            return self.item_locs[index]
        return self.loc


def _loc(file: str, node: yaml.Node) -> Location:
    mark = node.start_mark
    return Location(file, mark.line + 1, mark.column + 1)


class _Builder:
    def __init__(self, file: str, loader: yaml.SafeLoader) -> None:
        self.file = file
        self.loader = loader
        self.nodes = 0

    def build(self, node: yaml.Node, depth: int = 0) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise RuleSetError(
                [
                    Problem(
                        _loc(self.file, node),
                        "",
                        f"too many values (over {MAX_NODES:,}); "
                        "aliases that expand exponentially are refused",
                    )
                ]
            )
        if depth > MAX_DEPTH:
            raise RuleSetError(
                [Problem(_loc(self.file, node), "", f"nested deeper than {MAX_DEPTH} levels")]
            )
        if isinstance(node, yaml.MappingNode):
            result = LocDict(loc=_loc(self.file, node))
            for key_node, value_node in node.value:
                key = self.build(key_node, depth + 1)
                where = _loc(self.file, key_node)
                if not isinstance(key, str | int | float | bool) or key is None:
                    raise RuleSetError([Problem(where, "", "a key must be a plain value")])
                key = str(key)
                if key in result:
                    first = result.key_locs[key] or where
                    raise RuleSetError(
                        [Problem(where, key, f"duplicate key (first defined at line {first.line})")]
                    )
                result[key] = self.build(value_node, depth + 1)
                result.key_locs[key] = where
            return result
        if isinstance(node, yaml.SequenceNode):
            items = LocList(loc=_loc(self.file, node))
            for item_node in node.value:
                items.append(self.build(item_node, depth + 1))
                items.item_locs.append(_loc(self.file, item_node))
            return items
        if node.tag in _NUMBER_TAGS and len(node.value) > MAX_NUMBER_CHARS:
            raise RuleSetError(
                [
                    Problem(
                        _loc(self.file, node),
                        "",
                        f"a number of {len(node.value):,} characters; "
                        f"at most {MAX_NUMBER_CHARS} are read",
                    )
                ]
            )
        value = self.loader.construct_object(node, deep=True)
        if isinstance(value, float) and not math.isfinite(value):
            raise RuleSetError(
                [
                    Problem(
                        _loc(self.file, node),
                        "",
                        "not a finite number (.inf and .nan mean nothing in a rule set)",
                    )
                ]
            )
        return value


def _code(character: int | str) -> int:
    return character if isinstance(character, int) else ord(character)


def load_yaml(text: str, file: str) -> Any:
    """Parse one YAML document into LocDict / LocList / scalars, or raise RuleSetError."""
    try:
        loader = yaml.SafeLoader(text)  # checks every character at once
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        raise RuleSetError(
            [
                Problem(
                    Location(file, line, column),
                    "",
                    f"not valid YAML: the control character {_code(exc.character):#06x} "
                    "is not allowed (write it as an escape in a quoted string)",
                )
            ]
        ) from None
    try:
        try:
            node = loader.get_single_node()
        except RecursionError:
            raise RuleSetError(
                [Problem(Location(file, 1, 1), "", "nested too deeply to read")]
            ) from None
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            where = Location(file, mark.line + 1, mark.column + 1) if mark else Location(file, 1)
            what = " ".join(p for p in (exc.context, exc.problem) if p)
            raise RuleSetError([Problem(where, "", f"not valid YAML: {what}")]) from None
        except yaml.YAMLError as exc:
            raise RuleSetError([Problem(Location(file, 1), "", f"not valid YAML: {exc}")]) from None
        if node is None:
            return None
        try:
            return _Builder(file, loader).build(node)
        except yaml.constructor.ConstructorError as exc:
            mark = exc.problem_mark
            where = Location(file, mark.line + 1, mark.column + 1) if mark else Location(file, 1)
            raise RuleSetError(
                [Problem(where, "", f"not a plain YAML value: {exc.problem}")]
            ) from None
    finally:
        loader.dispose()
