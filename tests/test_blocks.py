"""Reading a log, in blocks or line by line, gives each line with its number, as written."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cs_score import records
from cs_score.errors import InputError
from cs_score.records import RawLine, read_blocks, read_lines, wrong_shape


def _by_blocks(path: Path, max_line_bytes: int, max_lines: int, block_bytes: int) -> list[RawLine]:
    lines = []
    number = 1
    for block in read_blocks(str(path), max_line_bytes, max_lines, block_bytes):
        assert block.first_line == number  # blocks follow each other without a gap
        assert block.lines <= max_lines
        number += block.lines
        lines.extend(raw for _, raw in block.raw_lines(max_line_bytes))
    return lines


def _expected(path: Path, data: bytes, max_line_bytes: int) -> list[RawLine]:
    """What reading must give, worked out the plain way: every line numbered, blank ones
    left out, a line over the limit without its data."""
    lines = data.split(b"\n")
    if data.endswith(b"\n"):
        lines.pop()
    return [
        RawLine(str(path), number, None if len(line) > max_line_bytes else line)
        for number, line in enumerate(lines, 1)
        if len(line) > max_line_bytes or line.strip()
    ]


LINE = st.one_of(
    st.just(b""),
    st.just(b"   \r"),
    st.binary(max_size=40).map(lambda b: b.replace(b"\n", b" ").replace(b"\x00", b" ")),
    st.integers(0, 60).map(lambda n: b'{"id": "' + b"x" * n + b'"}\r'),
)


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    lines=st.lists(LINE, max_size=30),
    final_newline=st.booleans(),
    max_line_bytes=st.integers(1, 50),
    max_lines=st.integers(1, 8),
    block_bytes=st.integers(1, 64),
    packed=st.booleans(),
)
def test_blocks_give_the_lines_of_read_lines(
    tmp_path: Path,
    lines: list[bytes],
    final_newline: bool,
    max_line_bytes: int,
    max_lines: int,
    block_bytes: int,
    packed: bool,
) -> None:
    data = b"\n".join(lines) + (b"\n" if final_newline and lines else b"")
    path = tmp_path / "log.jsonl"
    path.write_bytes(gzip.compress(data) if packed else data)
    if not packed and data.startswith(b"\x1f\x8b"):  # looks like gzip, and is not
        for read in (
            lambda: list(read_lines(str(path), max_line_bytes)),
            lambda: _by_blocks(path, max_line_bytes, max_lines, block_bytes),
        ):
            with pytest.raises(InputError, match="damaged gzip data after line 0"):
                read()
        return
    shape = wrong_shape(data, str(path))
    if shape is not None:  # plainly not JSON Lines: one error, the same from both
        for read in (
            lambda: list(read_lines(str(path), max_line_bytes)),
            lambda: _by_blocks(path, max_line_bytes, max_lines, block_bytes),
        ):
            with pytest.raises(InputError) as raised:
                read()
            assert str(raised.value) == f"{path}: {shape}"
        return
    expected = _expected(path, data, max_line_bytes)
    assert _by_blocks(path, max_line_bytes, max_lines, block_bytes) == expected
    assert list(read_lines(str(path), max_line_bytes)) == expected


def test_a_line_too_long_is_skipped_as_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    path.write_bytes(b'{"id": "a"}\n' + b"x" * 5000 + b'\n{"id": "b"}\n' + b"y" * 3000)
    lines = _by_blocks(path, max_line_bytes=1000, max_lines=10, block_bytes=256)
    assert lines == [
        RawLine(str(path), 1, b'{"id": "a"}'),
        RawLine(str(path), 2, None),
        RawLine(str(path), 3, b'{"id": "b"}'),
        RawLine(str(path), 4, None),
    ]
    blocks = list(read_blocks(str(path), 1000, 10, 256))
    assert max(len(block.data or b"") for block in blocks) < 1000 + 256


def test_damaged_gzip_names_the_last_line_read_in_blocks(tmp_path: Path) -> None:
    packed = gzip.compress(b"".join(b'{"id": "r%d"}\n' % i for i in range(20000)))
    path = tmp_path / "log.jsonl.gz"
    path.write_bytes(packed[: len(packed) // 2])
    read = 0
    with pytest.raises(InputError, match=r"damaged gzip data after line (\d+)") as caught:
        for block in read_blocks(str(path), block_bytes=4096):
            read += block.lines
    assert f"after line {read} " in str(caught.value)
    assert read > 1000


@given(st.lists(st.integers(0, 1500), max_size=40), st.booleans())
def test_newlines_are_counted_in_long_lines_and_short(lengths: list[int], long_first: bool) -> None:
    lines = [b"y" * n for n in lengths]
    if long_first:  # a first line this long makes it look for each newline
        lines.insert(0, b"z" * 600)
    whole = b"".join(line + b"\n" for line in lines)
    assert records._newlines(whole) == whole.count(b"\n") == len(lines)


def test_blocks_of_long_lines(tmp_path: Path) -> None:
    lines = [b'{"id": "I-%d", "note": "%s"}' % (n, b"x" * (300 + 37 * n)) for n in range(60)]
    path = tmp_path / "long.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    assert _by_blocks(path, 10_000, 7, 4096) == _expected(path, path.read_bytes(), 10_000)
