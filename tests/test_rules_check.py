"""`cs-score rules check`: every problem at once, and the resolved rule set with its sources."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from conftest import Ran

from cs_score import checks
from cs_score.ruleset import load_ruleset, preset_names


def _write(folder: Path, **files: str) -> None:
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")


def test_four_kinds_of_problem_in_one_run(cli: Callable[..., Ran], tmp_path: Path) -> None:
    _write(
        tmp_path,
        **{
            "rules.yaml": (
                "cs_score: 1\n"
                "extends: rules.yaml\n"
                "pass_score: high\n"
                "rules:\n"
                "  - id: quick\n"
                "    kind: wait_tiem\n"
                "  - id: hello\n"
                "    kind: greeting\n"
                "    late_credt: 0.2\n"
                "  - id: wait-time\n"
                "    target: 30s\n"
            )
        },
    )
    ran = cli("rules", "check", "rules.yaml", cwd=tmp_path)
    assert ran.code == 2
    assert ran.stdout == ""
    assert ran.stderr.splitlines() == [
        "error: rules.yaml:2:1: extends: `extends` forms a cycle: rules.yaml → rules.yaml",
        "error: rules.yaml:3:1: pass_score: Input should be a valid number, unable to parse "
        "string as a number (got 'high')",
        "error: rules.yaml:6:5: rules[quick].kind: unknown rule kind 'wait_tiem' "
        f"(known: {', '.join(checks.KINDS)}); did you mean `wait_time`?",
        "error: rules.yaml:9:5: rules[hello].late_credt: unknown key `late_credt`; "
        "did you mean `late_credit`?",
        "4 problems in the rule set",
    ]


def test_cycle_names_every_file_of_it(cli: Callable[..., Ran], tmp_path: Path) -> None:
    _write(
        tmp_path,
        **{
            "team.yaml": "cs_score: 1\nextends: shop.yaml\nname: Team\n",
            "shop.yaml": "cs_score: 1\nextends: retail.yaml\n",
            "retail.yaml": "cs_score: 1\nname: Retail\nextends: shop.yaml\n",
        },
    )
    ran = cli("rules", "check", "team.yaml", cwd=tmp_path)
    assert ran.code == 2
    assert ran.stderr.splitlines() == [
        "error: retail.yaml:3:1: extends: `extends` forms a cycle: "
        "shop.yaml → retail.yaml → shop.yaml",
        "1 problem in the rule set",
    ]


def test_own_problems_reported_when_the_parent_is_missing(
    cli: Callable[..., Ran], tmp_path: Path
) -> None:
    _write(
        tmp_path,
        **{
            "rules.yaml": (
                "cs_score: 1\n"
                "extends: defualt\n"
                "rules:\n"
                "  - id: wait-time\n"  # a change to an inherited rule: not an error on its own
                "    target: 60s\n"
                "  - {id: hi, kind: greeting, within: soon}\n"
            )
        },
    )
    ran = cli("rules", "check", "rules.yaml", cwd=tmp_path)
    assert ran.code == 2
    assert ran.stderr.splitlines() == [
        "error: rules.yaml:2:1: extends: no bundled rule set named 'defualt' "
        f"(bundled: {', '.join(preset_names())}); did you mean `default`?",
        "error: rules.yaml:6:30: rules[hi].within: expected a duration such as 90s, 1m30s, 4h, "
        "2d or a number of seconds, got 'soon'",
        "2 problems in the rule set",
    ]


PARENT = """\
cs_score: 1
name: Shop floor
grades: {A: 90, B: 75}
gate:
  min_score: 70
rules:
  - {id: wait, kind: wait_time, target: 2m}
  - id: hello
    kind: greeting
    weight: 2
"""

CHILD = """\
cs_score: 1
extends: parent.yaml
name: Chat desk
gate: {max_rejected: 3}
phrases:
  greeting: {en: [howdy]}
rules:
  - id: wait
    target: 45s
    per_channel:
      email: 4h
  - id: rude
    kind: conduct
    phrases: insult
overrides:
  - when: {channel: store}
    rules: {rude: {enabled: false}}
"""

RESOLVED_YAML = """\
# Chat desk: the rule set as cs-score uses it
# read from: parent.yaml → child.yaml (later files change earlier ones)
# each comment says where the value was set (FILE:LINE), or `default`
cs_score: 1                                    # child.yaml:1
name: Chat desk                                # child.yaml:3
description: null                              # default
timezone: UTC                                  # default
grades: {A: 90, B: 75}                         # parent.yaml:3
pass_score: 70                                 # default
gate:                                          # child.yaml:4
  min_score: 70                                # parent.yaml:5
  min_grade: null                              # default
  min_pass_rate: null                          # default
  max_rejected: 3                              # child.yaml:4
# added to the bundled packs of the same name
phrases:                                       # child.yaml:5
  greeting:                                    # child.yaml:6
    replace: false                             # default
    definition: null                           # default
    unless: []                                 # default
    en: [howdy]                                # child.yaml:6
calendars: {}                                  # default
rules:                                         # child.yaml:7
  - id: wait                                   # child.yaml:8
    kind: wait_time                            # parent.yaml:7
    weight: 1                                  # default
    critical: false                            # default
    enabled: true                              # default
    when: null                                 # default
    description: null                          # default
    target: 45s                                # child.yaml:9
    per_channel:                               # child.yaml:10
      email: 4h                                # child.yaml:11
    zero_at: null                              # default
    gate_mean: false                           # default
    short_abandon: 10s                         # default
    calendar: null                             # default
  - id: hello                                  # parent.yaml:8
    kind: greeting                             # parent.yaml:9
    weight: 2                                  # parent.yaml:10
    critical: false                            # default
    enabled: true                              # default
    when: null                                 # default
    description: null                          # default
    phrases: greeting                          # default
    within: null                               # default
    late_credit: 0.5                           # default
  - id: rude                                   # child.yaml:12
    kind: conduct                              # child.yaml:13
    weight: 1                                  # default
    critical: true                             # default
    enabled: true                              # default
    when: null                                 # default
    description: null                          # default
    phrases: insult                            # child.yaml:14
overrides:                                     # child.yaml:15
  - when: {channel: store}                     # child.yaml:16
    rules: {rude: {enabled: false}}            # child.yaml:17
    description: null                          # default
"""


def test_resolved_yaml_says_where_each_value_came_from(
    cli: Callable[..., Ran], tmp_path: Path
) -> None:
    _write(tmp_path, **{"parent.yaml": PARENT, "child.yaml": CHILD})
    ran = cli("rules", "check", "child.yaml", cwd=tmp_path)
    assert ran.code == 0, ran.stderr
    assert ran.stdout == RESOLVED_YAML
    assert ran.stderr == "child.yaml is valid: 3 rules, read from parent.yaml → child.yaml\n"


def test_resolved_yaml_is_itself_the_same_rule_set(cli: Callable[..., Ran], tmp_path: Path) -> None:
    _write(tmp_path, **{"parent.yaml": PARENT, "child.yaml": CHILD})
    resolved = tmp_path / "resolved.yaml"
    resolved.write_text(cli("rules", "check", "child.yaml", cwd=tmp_path).stdout)
    original = load_ruleset(str(tmp_path / "child.yaml"))
    again = load_ruleset(str(resolved))
    assert again.model == original.model.model_copy(update={"extends": None})
    assert again.phrases == original.phrases


def test_resolved_json_has_sources_by_dotted_path(cli: Callable[..., Ran], tmp_path: Path) -> None:
    _write(tmp_path, **{"parent.yaml": PARENT, "child.yaml": CHILD})
    ran = cli("rules", "check", "child.yaml", "--format", "json", cwd=tmp_path)
    assert ran.code == 0
    doc = json.loads(ran.stdout)
    assert doc["files"] == ["parent.yaml", "child.yaml"]
    assert [r["id"] for r in doc["rule_set"]["rules"]] == ["wait", "hello", "rude"]
    assert doc["rule_set"]["rules"][0]["target"] == "45s"
    assert doc["rule_set"]["gate"] == {
        "min_score": 70,
        "min_grade": None,
        "min_pass_rate": None,
        "max_rejected": 3,
    }
    sources = doc["sources"]
    assert sources["name"] == "child.yaml:3"
    assert sources["grades"] == "parent.yaml:3"
    assert sources["gate.min_score"] == "parent.yaml:5"
    assert sources["gate.max_rejected"] == "child.yaml:4"
    assert sources["rules[wait].kind"] == "parent.yaml:7"
    assert sources["rules[wait].target"] == "child.yaml:9"
    assert sources["rules[wait].per_channel.email"] == "child.yaml:11"
    assert sources["rules[hello].late_credit"] == "default"
    assert sources["overrides[0].rules"] == "child.yaml:17"


def test_check_a_bundled_rule_set_by_name(cli: Callable[..., Ran]) -> None:
    ran = cli("rules", "check", "default")
    assert ran.code == 0
    lines = ran.stdout.splitlines()
    assert lines[1] == "# read from: <preset default> (later files change earlier ones)"
    conduct = lines.index("  - id: conduct" + " " * 50 + "# <preset default>:37")
    assert lines[conduct + 1 : conduct + 4] == [
        "    kind: conduct" + " " * 48 + "# <preset default>:38",
        "    weight: 2" + " " * 52 + "# <preset default>:40",
        "    critical: true" + " " * 47 + "# <preset default>:41",
    ]
    assert ran.stderr == "default is valid: 6 rules, read from <preset default>\n"


def test_missing_rules_file(cli: Callable[..., Ran], tmp_path: Path) -> None:
    ran = cli("rules", "check", "nope.yaml", cwd=tmp_path)
    assert ran.code == 2
    assert ran.stderr.splitlines() == [
        "error: nope.yaml: no such file",
        "1 problem in the rule set",
    ]
