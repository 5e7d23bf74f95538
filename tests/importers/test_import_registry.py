"""The format registry, `get`, `import_records` and input faults shared by every format."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from importer_helpers import CORPORA

from cs_score.errors import InputError, UserError
from cs_score.importers import (
    FORMATS,
    SUMMARIES,
    ImportFault,
    Rejected,
    describe,
    get,
    import_records,
    twitter_care,
)


def test_registry_lists_every_format() -> None:
    assert sorted(FORMATS) == [
        "abcd",
        "amazon-transcribe",
        "ccai-insights",
        "csv",
        "freshdesk",
        "harper-valley",
        "intercom",
        "jsonl",
        "twitter-care",
        "zendesk",
    ]
    assert get("twitter-care") is twitter_care.read
    assert set(SUMMARIES) == set(FORMATS)


def test_unknown_format_lists_the_known_ones_and_suggests_the_nearest() -> None:
    with pytest.raises(ImportFault) as caught:
        get("twiter-care")
    assert str(caught.value) == (
        "unknown import format 'twiter-care' (did you mean 'twitter-care'?); "
        "known formats: abcd, amazon-transcribe, ccai-insights, csv, freshdesk, harper-valley, "
        "intercom, jsonl, twitter-care, zendesk"
    )


def test_unknown_format_far_from_any_has_no_suggestion() -> None:
    with pytest.raises(ImportFault, match=r"^unknown import format 'helpscout'; known formats: "):
        get("helpscout")


def test_import_fault_is_a_user_error_for_the_cli() -> None:
    assert issubclass(ImportFault, InputError)
    assert issubclass(ImportFault, UserError)


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_each_format_is_documented(name: str) -> None:
    assert len(describe(name)) > 500


def test_rejected_prints_as_file_line_reason() -> None:
    assert str(Rejected("a.csv", 7, "bad row")) == "a.csv:7: bad row"


def test_corpus_formats_refuse_a_mapping() -> None:
    with pytest.raises(ImportFault, match="format 'abcd' takes no mapping file"):
        import_records("abcd", ["x.json"], "gorgias")


def test_csv_without_mapping_says_how_to_give_one() -> None:
    with pytest.raises(ImportFault) as caught:
        import_records("csv", ["export.csv"])
    assert str(caught.value) == (
        "format 'csv' needs a mapping file (--mapping MAP.yaml, or a bundled mapping: "
        "freshdesk, gorgias)"
    )


def test_no_inputs_is_a_fault() -> None:
    with pytest.raises(ImportFault, match="no input given"):
        import_records("twitter-care", [])


def test_missing_file_is_a_fault_naming_it(tmp_path: Path) -> None:
    missing = str(tmp_path / "nope.json")
    with pytest.raises(ImportFault) as caught:
        list(import_records("twitter-care", [missing]))
    assert str(caught.value) == f"{missing}: no such file"


def test_a_gz_file_that_is_not_gzip_is_a_fault(tmp_path: Path) -> None:
    fake = tmp_path / "dev.json.gz"
    fake.write_text("[]")
    with pytest.raises(ImportFault) as caught:
        list(import_records("twitter-care", [str(fake)]))
    assert str(caught.value) == f"{fake}: not a gzip file, although its name ends in .gz"


def test_truncated_gzip_is_a_fault(tmp_path: Path) -> None:
    data = gzip.compress((CORPORA / "twitter-care" / "dev-sample.json").read_bytes())
    cut = tmp_path / "cut.json.gz"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(ImportFault, match=r"cut\.json\.gz: damaged gzip data"):
        list(import_records("twitter-care", [str(cut)]))


def test_a_directory_is_a_fault_for_file_formats(tmp_path: Path) -> None:
    with pytest.raises(ImportFault, match="is a directory"):
        list(import_records("abcd", [str(tmp_path)]))


def test_records_are_yielded_lazily() -> None:
    items = import_records("twitter-care", [str(CORPORA / "twitter-care" / "dev-sample.json")])
    first = next(items)
    assert not isinstance(first, Rejected)
    assert first["id"] == "LgwAXtbbEm0mBvDrGmjk"
