"""cs-score: score customer-service interactions against a service standard written in YAML.

The Python API (documented in `cs_score.api` and docs/api.md) is importable from here::

    import cs_score

    rules = cs_score.load_ruleset("default")
    results = list(cs_score.score_records(records, rules))
    report = cs_score.build_report(cs_score.fold(results, rules))
    print(cs_score.render(report, results, format="json"))

Names are loaded on first use, so `import cs_score` stays light (for libraries and worker
processes that need only part of it).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from cs_score.api import (
        RECORDS_SOURCE,
        FormatOptions,
        GateSettings,
        InteractionResult,
        Record,
        RecordError,
        Rejection,
        Report,
        ReportPart,
        RuleSet,
        RunResult,
        Scored,
        build_report,
        evaluate,
        fold,
        load_ruleset,
        merge,
        needs_results,
        render,
        render_chunks,
        score_record,
        score_records,
    )
    from cs_score.errors import InputError, RuleSetError, UserError

__all__ = [
    "RECORDS_SOURCE",
    "FormatOptions",
    "GateSettings",
    "InputError",
    "InteractionResult",
    "Record",
    "RecordError",
    "Rejection",
    "Report",
    "ReportPart",
    "RuleSet",
    "RuleSetError",
    "RunResult",
    "Scored",
    "UserError",
    "__version__",
    "build_report",
    "evaluate",
    "fold",
    "load_ruleset",
    "merge",
    "needs_results",
    "render",
    "render_chunks",
    "score_record",
    "score_records",
]
_ERRORS = ("InputError", "RuleSetError", "UserError")
_API = tuple(name for name in __all__ if name not in _ERRORS and name != "__version__")


def __getattr__(name: str) -> Any:
    """Load an API name on first use (PEP 562), keeping `import cs_score` light."""
    if name in _API:
        module = importlib.import_module("cs_score.api")
    elif name in _ERRORS:
        module = importlib.import_module("cs_score.errors")
    else:
        raise AttributeError(f"module 'cs_score' has no attribute {name!r}")
    value = getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_API, *_ERRORS])
