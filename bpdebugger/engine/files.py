"""Atomic writes of user files (sessions, CSV, exports)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from .errors import InputError


def write_atomic(path: Path, payload: bytes | str) -> None:
    """Write a file so that it is always either the old one or the new one, never half.

    The bytes go to a temporary file beside the target, are flushed and fsynced,
    then renamed over it. A file that cannot be written raises InputError
    naming it; the old file, if any, is left as it was.
    """
    if isinstance(payload, str):
        payload = payload.encode("utf-8")
    source = path.name
    directory = path.parent
    try:
        # O_EXCL with a random name instead of tempfile: tempfile creates mode 0600, which
        # the rename would hand on to the CSV; os.open with 0o666 lets the umask decide.
        while True:
            tmp = directory / f".{path.name}.{secrets.token_hex(4)}.tmp"
            try:
                fd = os.open(
                    tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666
                )
                break
            except FileExistsError:
                continue
    except OSError as e:
        raise _write_error(e, path, source) from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        if path.exists():
            # Replacing a file keeps its permissions, as an in-place save would.
            os.chmod(tmp, path.stat().st_mode & 0o7777)
        os.replace(tmp, path)
    except BaseException as e:
        tmp.unlink(missing_ok=True)
        if isinstance(e, OSError):
            raise _write_error(e, path, source) from None
        raise
    _fsync_directory(directory)


def _write_error(e: OSError, path: Path, source: str) -> InputError:
    if isinstance(e, FileNotFoundError):
        return InputError(f"cannot write: no such directory: {path.parent}", source=source)
    reason = e.strerror or type(e).__name__
    return InputError(f"cannot write {path}: {reason}", source=source)


def _fsync_directory(directory: Path) -> None:
    # Makes the rename itself durable on POSIX; Windows cannot open a directory, and the
    # file is already complete either way, so failure here is not worth an error.
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
