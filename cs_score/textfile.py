"""Reading the small text files a user writes (rule sets, mapping files, test cases) safely.

Only a regular file is read: a device (`/dev/zero`, `/dev/urandom`), a named pipe or a socket
is refused at once instead of being read forever or waited on. The size limit is checked
while reading, not from `stat` (which says 0 for many special files), so nothing larger than
the limit is ever held in memory.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

_KINDS = {
    stat.S_IFDIR: "is a directory",
    stat.S_IFCHR: "is a device, not a file",
    stat.S_IFBLK: "is a device, not a file",
    stat.S_IFIFO: "is a named pipe, not a file",
    stat.S_IFSOCK: "is a socket, not a file",
}


class UnreadableFile(Exception):
    """Why a file could not be read as text; the message never quotes the file's content."""


class MissingFile(UnreadableFile, FileNotFoundError):
    """There is no file at that path (a FileNotFoundError too, for callers that word it)."""


def read_text(path: str | Path, limit: int, what: str = "file") -> str:
    """The UTF-8 text of the regular file `path`, at most `limit` bytes long."""
    try:
        # O_NONBLOCK: opening a named pipe with no writer must not wait for one.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise MissingFile("no such file") from None
    except IsADirectoryError:
        raise UnreadableFile("is a directory") from None
    except OSError as exc:
        raise UnreadableFile(f"cannot read ({exc.strerror})") from None
    try:
        kind = stat.S_IFMT(os.fstat(fd).st_mode)
        if kind != stat.S_IFREG:
            raise UnreadableFile(_KINDS.get(kind, "is not a regular file"))
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise UnreadableFile(f"cannot read ({exc.strerror})") from None
    finally:
        os.close(fd)
    if size > limit:
        raise UnreadableFile(f"is larger than {_size(limit)}, the most a {what} may be")
    try:
        return b"".join(chunks).decode("utf-8")
    except UnicodeDecodeError:
        raise UnreadableFile("is not UTF-8 text") from None


def _size(count: int) -> str:
    return f"{count >> 20} MiB" if count >= 1 << 20 else f"{count >> 10} KiB"
