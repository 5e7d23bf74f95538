"""Importers: real logs in, interaction records out (`cs-score import FORMAT INPUT...`).

Each format is one module whose docstring is its user documentation; `FORMATS` is the registry
of format name to reader, and `get` fails clearly on an unknown name. A reader takes the input
paths (and, for `csv` and `jsonl`, a mapping) and yields, lazily and in input order, either a
record (a dict in the SPEC's interaction format, ready for `json.dumps`) or a `Rejected` row
with its file, line and reason. Whole-input problems raise `ImportFault`. Importers never
print; the CLI writes the records and reports the rejections.

    for item in import_records("twitter-care", ["dev.json.gz"]):
        if isinstance(item, Rejected):
            print(item, file=sys.stderr)        # FILE:LINE: reason
        else:
            print(json.dumps(item))
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from types import ModuleType

from cs_score.importers import (
    abcd,
    ccai,
    freshdesk,
    harper_valley,
    intercom,
    mapped,
    transcribe,
    twitter_care,
    zendesk,
)
from cs_score.importers._common import ImportFault, ImportItem, Rejected, Tally, did_you_mean
from cs_score.importers.mapped import Mapping, bundled_mappings, load_mapping, parse_mapping
from cs_score.importers.mapping_file import MappingError, mapping_schema, mapping_schema_text

__all__ = [
    "FORMATS",
    "SUMMARIES",
    "ImportFault",
    "ImportItem",
    "Mapping",
    "MappingError",
    "Rejected",
    "Tally",
    "bundled_mappings",
    "describe",
    "get",
    "import_records",
    "load_mapping",
    "mapping_schema",
    "mapping_schema_text",
    "parse_mapping",
    "summary",
]

Reader = Callable[..., Iterator[ImportItem]]
"""`reader(paths, mapping=None)` → records and rejections."""

FORMATS: dict[str, Reader] = {
    "zendesk": zendesk.read,
    "intercom": intercom.read,
    "freshdesk": freshdesk.read,
    "amazon-transcribe": transcribe.read,
    "ccai-insights": ccai.read,
    "csv": mapped.read_csv,
    "jsonl": mapped.read_jsonl,
    "twitter-care": twitter_care.read,
    "abcd": abcd.read,
    "harper-valley": harper_valley.read,
}

_DOCS: dict[str, ModuleType] = {
    "zendesk": zendesk,
    "intercom": intercom,
    "freshdesk": freshdesk,
    "amazon-transcribe": transcribe,
    "ccai-insights": ccai,
    "csv": mapped,
    "jsonl": mapped,
    "twitter-care": twitter_care,
    "abcd": abcd,
    "harper-valley": harper_valley,
}

COUNTS_ITSELF = frozenset(
    {"zendesk", "intercom", "freshdesk", "amazon-transcribe", "ccai-insights"}
)
"""Formats whose reader keeps the tally itself (units read, parts not imported)."""

SUMMARIES: dict[str, str] = {
    "zendesk": "Zendesk Support tickets, comments, users, ratings and metrics (API JSON)",
    "intercom": "Intercom conversations with their parts, statistics and rating (API JSON)",
    "freshdesk": "Freshdesk tickets, conversations, agents and ratings (API v2 JSON)",
    "amazon-transcribe": "Amazon Transcribe Call Analytics outputs, listed in a manifest",
    "ccai-insights": "Google CCAI Insights conversation data files (entries with roles)",
    "csv": "any CSV export, read through a mapping file (--mapping)",
    "jsonl": "any JSON Lines export, read through a mapping file (--mapping)",
    "twitter-care": "the Customer Support on Twitter corpus (public dataset)",
    "abcd": "the Action-Based Conversations Dataset (public dataset)",
    "harper-valley": "the Harper Valley Bank simulated calls (public dataset)",
}
"""One line per format, for `cs-score import --list`."""

NEEDS_MAPPING = frozenset({"csv", "jsonl"})
"""Formats that read a help-desk export through a mapping file."""


def get(name: str) -> Reader:
    """The reader of a format; an unknown name is an ImportFault listing the known ones."""
    try:
        return FORMATS[name]
    except KeyError:
        known = ", ".join(sorted(FORMATS))
        raise ImportFault(
            f"unknown import format '{name}'{did_you_mean(name, FORMATS)}; known formats: {known}"
        ) from None


def summary(name: str) -> str:
    """The one-line description of a format."""
    get(name)
    return SUMMARIES[name]


def describe(name: str) -> str:
    """The user documentation of a format (its module docstring)."""
    get(name)
    return (_DOCS[name].__doc__ or "").strip()


def import_records(
    fmt: str,
    paths: Sequence[str],
    mapping: Mapping | str | None = None,
    tally: Tally | None = None,
) -> Iterator[ImportItem]:
    """Records and rejections from the inputs, read as format `fmt`.

    `mapping` is a loaded `Mapping`, or a mapping file path or bundled mapping name (for `csv`
    and `jsonl`; the other formats refuse one). `tally`, when given, receives the accounting:
    units read and rejected, and what was read but not imported. Faults in the arguments are
    raised here, before any input is read; faults in an input are raised when the iteration
    reaches it.
    """
    reader = get(fmt)
    if not paths:
        raise ImportFault(f"format '{fmt}': no input given")
    tally = tally if tally is not None else Tally()
    if fmt in COUNTS_ITSELF:
        if mapping is not None:
            raise ImportFault(f"format '{fmt}' takes no mapping file (only csv and jsonl do)")
        return reader(list(paths), tally=tally)
    if fmt not in NEEDS_MAPPING:
        if mapping is not None:
            raise ImportFault(f"format '{fmt}' takes no mapping file (only csv and jsonl do)")
        if fmt == "harper-valley":
            # It counts the parts of calls it leaves out; the wrapper counts the calls.
            tally.unit = "calls"
            return _counted(reader(list(paths), tally=tally), tally)
        tally.unit = "conversations"
        return _counted(reader(list(paths)), tally)
    loaded = load_mapping(mapping) if isinstance(mapping, str) else mapping
    return reader(list(paths), mapped.require_mapping(loaded, fmt), tally=tally)


def _counted(items: Iterator[ImportItem], tally: Tally) -> Iterator[ImportItem]:
    """The items of a reader that yields one per unit, counted as they pass."""
    for item in items:
        tally.read += 1
        if isinstance(item, Rejected):
            tally.rejected += 1
        yield item
