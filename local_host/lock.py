"""``{data_dir}/host.lock``: one host per data dir. An OS file lock, so a killed host leaves none."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO


class DataDirLocked(RuntimeError):
    pass


class HostLock:
    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / "host.lock"
        self._fh: IO[str] | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fh = self.path.open("a+")
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "?"
            fh.close()
            raise DataDirLocked(f"another local host (pid {holder}) is using {self.path.parent}") from None
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        self._fh = fh

    def release(self) -> None:
        if self._fh is not None:
            fcntl.flock(self._fh, fcntl.LOCK_UN)
            self._fh.close()
            self._fh = None
