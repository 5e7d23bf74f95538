"""The `html` page in a real browser: it loads from disk with no error and no request, and the
numbers a person reads on it are the JSON report's.

Needs Chromium (Debian's `chromium` package; `.ci/run` installs it). Without one the test is
skipped, unless `CS_SCORE_NEED_BROWSER=1` (as `.ci/run` sets), where it fails.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser import Chromium, find_browser
from conftest import ROOT, run_cli

from cs_score.formats.base import percent, two_decimals

pytestmark = pytest.mark.slow

EXAMPLE = "examples/interactions.jsonl"


@pytest.fixture(scope="module")
def browser() -> Iterator[Chromium]:
    binary = find_browser()
    if binary is None:
        message = "no Chromium on this machine (apt-get install chromium)"
        if os.environ.get("CS_SCORE_NEED_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    opened = Chromium(binary)
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """The bundled example's page (by agent too) and its JSON report."""
    folder = tmp_path_factory.mktemp("page")
    page = folder / "report.html"
    ran = run_cli("evaluate", EXAMPLE, "-f", "html", "-o", page, cwd=ROOT)
    assert ran.code == 0, ran.stderr
    document = run_cli("evaluate", EXAMPLE, "-f", "json", cwd=ROOT)
    return page, document.json()


READ_PAGE = """(() => {
  const figure = name => document.querySelector(`[data-figure="${name}"]`).firstChild
    .textContent.trim();
  const grades = {};
  document.querySelectorAll("#grades tr[data-grade]").forEach(row => {
    grades[row.dataset.grade] = row.querySelector("[data-count]").textContent.trim();
  });
  const rules = {};
  document.querySelectorAll("#rules-table tr[data-rule]").forEach(row => {
    rules[row.dataset.rule] = row.querySelector("[data-passed]").textContent.trim();
  });
  return {mean: figure("mean_score"), grade: figure("grade"), passRate: figure("pass_rate"),
          read: figure("read"), rejected: figure("rejected"), grades, rules,
          verdict: document.getElementById("verdict").textContent};
})()"""

READ_INTERACTION = """(id => {
  const item = [...document.querySelectorAll("details.ix")].find(d => d.dataset.id === id);
  item.open = true;
  const rules = {};
  item.querySelectorAll("tr[data-rule]").forEach(row => {
    rules[row.dataset.rule] = {
      status: row.querySelector(".status").textContent,
      reason: row.querySelector(".reason").textContent,
    };
  });
  return {score: item.querySelector("[data-score]").textContent, rules,
          visible: item.querySelector(".ix-body").getBoundingClientRect().height > 0};
})"""


def test_the_page_loads_offline_and_shows_the_json_reports_numbers(
    browser: Chromium, reports: tuple[Path, dict[str, Any]]
) -> None:
    page, document = reports
    browser.open(page)
    assert browser.console_errors() == []
    assert browser.requests() == [page.resolve().as_uri()]  # the page itself, nothing else
    shown = browser.evaluate(READ_PAGE)
    summary = document["summary"]
    assert shown["mean"] == two_decimals(summary["mean_score"]) == "70.93"
    assert shown["grade"] == summary["grade"]
    assert shown["passRate"] == percent(summary["pass_rate"])
    assert (shown["read"], shown["rejected"]) == (str(summary["read"]), str(summary["rejected"]))
    assert shown["grades"] == {g: str(n) for g, n in summary["grade_counts"].items()}
    assert shown["rules"] == {r["id"]: str(r["passed"]) for r in document["rules_summary"]}
    assert shown["verdict"] == "gate passed"
    # The lowest score, opened: its score and every rule's status and reason.
    lowest = document["worst"][0]
    interaction = next(i for i in document["interactions"] if i["id"] == lowest["id"])
    opened = browser.evaluate(f"{READ_INTERACTION}({lowest['id']!r})")
    assert opened["visible"]
    assert opened["score"] == two_decimals(interaction["score"])
    assert opened["rules"] == {
        rule_id: {"status": "n/a" if r["status"] == "na" else r["status"], "reason": r["reason"]}
        for rule_id, r in interaction["rules"].items()
    }
    assert browser.console_errors() == []


def test_the_list_filters_and_the_tables_sort(
    browser: Chromium, reports: tuple[Path, dict[str, Any]]
) -> None:
    page, document = reports
    browser.open(page)
    failed_conduct = {
        i["id"] for i in document["interactions"] if i["rules"]["conduct"]["status"] == "fail"
    }
    shown = browser.evaluate(
        """(() => {
      const rule = document.getElementById("f-rule");
      rule.value = "conduct";
      rule.dispatchEvent(new Event("change"));
      const ids = [...document.querySelectorAll("details.ix")].filter(d => !d.hidden)
        .map(d => d.dataset.id);
      return {ids, count: document.getElementById("f-count").textContent};
    })()"""
    )
    assert set(shown["ids"]) == failed_conduct and len(failed_conduct) == 3
    assert shown["count"].startswith("3 of ")
    searched = browser.evaluate(
        """(() => {
      document.getElementById("f-rule").value = "";
      const text = document.getElementById("f-text");
      text.value = "INT-0012";
      text.dispatchEvent(new Event("input"));
      return [...document.querySelectorAll("details.ix")].filter(d => !d.hidden)
        .map(d => d.dataset.id);
    })()"""
    )
    assert searched == ["INT-0012"]
    by_count = browser.evaluate(
        """(() => {
      const table = [...document.querySelectorAll("#groups table")].find(t =>
        t.querySelector("th").textContent.startsWith("agent"));
      table.querySelectorAll("button.sort")[1].click();
      return [...table.tBodies[0].rows].map(r => Number(r.cells[1].dataset.sort));
    })()"""
    )
    assert by_count == sorted(by_count, reverse=True) and by_count[0] > by_count[-1]
    assert browser.console_errors() == []
