"""Shared paths and helpers for the importer tests (they read only the repository's fixtures)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cs_score.importers import ImportItem, Rejected

ROOT = Path(__file__).resolve().parents[2]
CORPORA = ROOT / "tests" / "fixtures" / "corpora"
EXPORTS = ROOT / "tests" / "fixtures" / "exports"
EXAMPLES = ROOT / "examples" / "exports"


def split(items: list[ImportItem]) -> tuple[list[dict[str, Any]], list[str]]:
    """Records, and rejections as `FILE:LINE: reason` text."""
    records = [item for item in items if not isinstance(item, Rejected)]
    rejected = [str(item) for item in items if isinstance(item, Rejected)]
    return records, rejected
