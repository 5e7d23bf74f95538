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

from cs_score.importers import abcd, harper_valley, mapped, twitter_care
from cs_score.importers._common import ImportFault, ImportItem, Rejected, did_you_mean
from cs_score.importers.mapped import Mapping, bundled_mappings, load_mapping, parse_mapping

__all__ = [
    "FORMATS",
    "ImportFault",
    "ImportItem",
    "Mapping",
    "Rejected",
    "bundled_mappings",
    "describe",
    "get",
    "import_records",
    "load_mapping",
    "parse_mapping",
]

Reader = Callable[..., Iterator[ImportItem]]
"""`reader(paths, mapping=None)` → records and rejections."""

FORMATS: dict[str, Reader] = {
    "twitter-care": twitter_care.read,
    "abcd": abcd.read,
    "harper-valley": harper_valley.read,
    "csv": mapped.read_csv,
    "jsonl": mapped.read_jsonl,
}

_DOCS: dict[str, ModuleType] = {
    "twitter-care": twitter_care,
    "abcd": abcd,
    "harper-valley": harper_valley,
    "csv": mapped,
    "jsonl": mapped,
}

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


def describe(name: str) -> str:
    """The user documentation of a format (its module docstring)."""
    get(name)
    return (_DOCS[name].__doc__ or "").strip()


def import_records(
    fmt: str, paths: Sequence[str], mapping: Mapping | str | None = None
) -> Iterator[ImportItem]:
    """Records and rejections from the inputs, read as format `fmt`.

    `mapping` is a loaded `Mapping`, or a mapping file path or bundled mapping name (for `csv`
    and `jsonl`; the other formats refuse one). Faults in the arguments are raised here, before
    any input is read; faults in an input are raised when the iteration reaches it.
    """
    reader = get(fmt)
    if not paths:
        raise ImportFault(f"format '{fmt}': no input given")
    if fmt not in NEEDS_MAPPING:
        if mapping is not None:
            raise ImportFault(f"format '{fmt}' takes no mapping file (only csv and jsonl do)")
        return reader(list(paths))
    loaded = load_mapping(mapping) if isinstance(mapping, str) else mapping
    return reader(list(paths), mapped.require_mapping(loaded, fmt))
