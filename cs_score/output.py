"""Where a command's payload goes: standard output, or a file given with `-o`.

A regular file (new or existing) is written atomically: the text goes to an unnamed file in
the same folder, which takes the target's name only once it is complete, so a run that fails,
is interrupted or is killed leaves the old file as it was and no temporary file behind. An
existing file keeps its mode; a new one gets the mode the umask gives (0666 less the umask),
like a shell's `>`. A symbolic link is followed, and the file it points to is written, so the
link stays a link.

A target that is not a regular file is never replaced: a character device (`/dev/null`,
`/dev/stdout`, a terminal) and a named pipe (`>(…)` in a shell) are written through; any other
kind (a directory, a socket, a block device) is refused. A path that is also one of the inputs
is refused, so `-o` cannot destroy what is being read.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import stat
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO

from cs_score.errors import UsageError, UserError
from cs_score.formats.base import printable

_KINDS = {
    stat.S_IFDIR: "a directory",
    stat.S_IFSOCK: "a socket",
    stat.S_IFBLK: "a block device",
}


def _find_linkat() -> Callable[[int, bytes, int, bytes, int], int] | None:
    """The C library's linkat, which gives an unnamed file a name (os.link cannot: it does not
    follow /proc/self/fd links on every Python version)."""
    if not getattr(os, "O_TMPFILE", 0) or not os.path.isdir("/proc/self/fd"):
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        function: Callable[[int, bytes, int, bytes, int], int] = libc.linkat
    except (OSError, AttributeError):
        return None
    return function


_LINKAT = _find_linkat()
_AT_FDCWD = -100
_AT_SYMLINK_FOLLOW = 0x400


class OutputError(UserError):
    """The output could not be written (disk full, permission, a device that refuses)."""


def shown(path: object) -> str:
    """A path as text that is safe to print: control characters are shown as escapes."""
    return printable(os.fspath(path) if isinstance(path, os.PathLike) else path)


def _umask() -> int:
    """The process's umask, read without changing it where the system says it."""
    with (
        contextlib.suppress(OSError, ValueError),
        open("/proc/self/status", encoding="ascii") as status,
    ):
        for line in status:
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _same_file(path: Path, inputs: Iterable[str]) -> str | None:
    """The input that `path` names too (the same file, through any link), if any."""
    try:
        target = os.stat(path)
    except OSError:
        return None
    for name in inputs:
        if name == "-":
            continue
        with contextlib.suppress(OSError):
            found = os.stat(name)
            if (found.st_dev, found.st_ino) == (target.st_dev, target.st_ino) and stat.S_ISREG(
                found.st_mode
            ):
                return name
    return None


def _write_error(path: object, exc: OSError) -> OutputError:
    reason = exc.strerror or str(exc)
    if exc.errno == errno.ENOSPC:
        reason = "no space left on the device; nothing was written"
    return OutputError(f"-o {shown(path)}: cannot write ({reason})")


class Output:
    """Where the payload goes: stdout, or `-o FILE` as described in the module's docstring.

    Construct it before any work, so a bad path fails at once; then `write` the chunks once,
    or `discard` when the run fails.
    """

    def __init__(self, path: Path | None, inputs: Iterable[str] = ()) -> None:
        self.path = path
        self._target: Path | None = None
        """The regular file to replace atomically (a link's target), or None."""
        self._through = False
        """A device or pipe, written directly."""
        self._temp: IO[str] | None = None
        self._temp_name: str | None = None
        self._mode = 0o666 & ~_umask()
        if path is None:
            return
        other = _same_file(path, inputs)
        if other is not None:
            raise UsageError(
                f"-o {shown(path)}: is the input {shown(other)}; write the output to another file"
            )
        try:
            info = os.stat(path)
        except FileNotFoundError:
            info = None
        except OSError as exc:
            raise UsageError(f"-o {shown(path)}: cannot write ({exc.strerror})") from None
        if info is not None:
            kind = stat.S_IFMT(info.st_mode)
            if kind in _KINDS:
                raise UsageError(f"-o {shown(path)}: is {_KINDS[kind]}; give a file name")
            if not stat.S_ISREG(info.st_mode):  # a character device or a named pipe
                self._through = True
                return
            self._mode = stat.S_IMODE(info.st_mode)
        self._target = Path(os.path.realpath(path))
        self._open_temp()

    def _open_temp(self) -> None:
        assert self._target is not None
        folder = self._target.parent
        if not folder.is_dir():
            raise UsageError(f"-o {shown(self.path)}: folder {shown(folder)} does not exist")
        try:
            fd = self._unnamed(folder)
            self._temp = open(fd, "w", encoding="utf-8", newline="\n")  # noqa: SIM115
        except PermissionError:
            raise UsageError(
                f"-o {shown(self.path)}: cannot write in {shown(folder)} (permission denied)"
            ) from None
        except OSError as exc:
            raise _write_error(self.path, exc) from None

    def _unnamed(self, folder: Path) -> int:
        """A file in `folder` with no name yet (Linux's O_TMPFILE), else a hidden named one."""
        if _LINKAT is not None:
            with contextlib.suppress(OSError):
                return os.open(folder, os.O_TMPFILE | os.O_WRONLY, 0o600)
        assert self._target is not None
        fd, self._temp_name = tempfile.mkstemp(prefix=f".{self._target.name}.", dir=folder)
        return fd

    def write(self, chunks: Iterable[str]) -> None:
        """Write every chunk; the target is replaced (or written through) only on success."""
        if self.path is None:
            out = sys.stdout
            for chunk in chunks:
                out.write(chunk)
            out.flush()
            return
        if self._through:
            self._write_through(chunks)
            return
        assert self._temp is not None and self._target is not None
        try:
            for chunk in chunks:
                self._temp.write(chunk)
            self._temp.flush()
            os.fchmod(self._temp.fileno(), self._mode)
            self._publish()
        except OSError as exc:
            self.discard()
            raise _write_error(self.path, exc) from None
        except BaseException:
            self.discard()
            raise
        self._temp.close()
        self._temp = None

    def _publish(self) -> None:
        """Give the complete file the target's name, in one rename."""
        assert self._temp is not None and self._target is not None
        if self._temp_name is None:  # unnamed: link it under a hidden name, then rename
            folder = self._target.parent
            for attempt in range(100):
                name = folder / f".{self._target.name}.{os.getpid()}.{attempt}"
                assert _LINKAT is not None
                source = f"/proc/self/fd/{self._temp.fileno()}".encode()
                if _LINKAT(_AT_FDCWD, source, _AT_FDCWD, os.fsencode(name), _AT_SYMLINK_FOLLOW):
                    code = ctypes.get_errno()
                    if code == errno.EEXIST:
                        continue
                    raise OSError(code, os.strerror(code))
                self._temp_name = str(name)
                break
            else:
                raise OSError(errno.EEXIST, "no free temporary name")
        assert self._temp_name is not None
        os.replace(self._temp_name, self._target)
        self._temp_name = None

    def _write_through(self, chunks: Iterable[str]) -> None:
        assert self.path is not None
        try:
            with open(self.path, "w", encoding="utf-8", newline="\n") as handle:
                for chunk in chunks:
                    handle.write(chunk)
        except OSError as exc:
            raise _write_error(self.path, exc) from None

    def discard(self) -> None:
        """Leave the target as it was: drop what was written so far."""
        if self._temp is not None:
            with contextlib.suppress(OSError):
                self._temp.close()
            self._temp = None
        if self._temp_name is not None:
            with contextlib.suppress(OSError):
                os.unlink(self._temp_name)
            self._temp_name = None
