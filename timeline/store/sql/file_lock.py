"""An exclusive, non-blocking ``flock`` on a file beside SQLite's database: how processes on
one host agree who rebuilds a projection, and who leads the projector."""

from __future__ import annotations

import fcntl
import os


class FileLock:
    """Held from a successful ``acquire`` until ``release``, or until the process dies."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> bool:
        """Take the lock unless another descriptor holds it; True if held now."""
        if self._fd is not None:
            return True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def write(self, text: str) -> None:
        """Replace the file's contents with ``text`` while holding the lock."""
        assert self._fd is not None, "write needs the lock held"
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, text.encode(), 0)

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor releases the flock
            self._fd = None
