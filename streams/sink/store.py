"""Where the sink's files go: a local directory, or any pyarrow / fsspec filesystem URL.

:meth:`Store.write` returns only once the file is *durable and complete*, and a reader never
sees a partial file — that is what lets the sink commit its input offsets right after:

- a local directory (a path, or ``file://``): the file is written to a temporary name in
  its final directory, flushed and ``fsync``'d, renamed into place (atomic on POSIX), and
  the directory is ``fsync``'d so the rename itself survives a crash (new partition
  directories too, up to the root);
- an object store (``s3://``, ``gs://``, ``abfs://``, … through ``pyarrow.fs`` or fsspec):
  an object becomes visible only when its upload completes, and is durable once the store
  acknowledged it, so the file is written to its final key directly;
- any other filesystem URL (e.g. ``hdfs://``): temporary name, then the filesystem's move.

A temporary file left by a crash starts with ``.tmp-`` and is ignored by every reader
(DuckDB, pyarrow, Spark and Trino skip names starting with ``.`` or ``_``).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Protocol
from urllib.parse import urlparse

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from calendars.errors import SlawatchError

#: object stores: a written object appears whole or not at all
OBJECT_STORES = frozenset({"s3", "gcs", "abfs", "az", "azure", "gs", "memory"})
#: zstd: the signals' repetitive strings compress ~10×, and every engine reads it
COMPRESSION = "zstd"


class StoreError(SlawatchError):
    """A sink location that cannot be used (bad URL, unknown filesystem)."""


class Store(Protocol):
    """Where the datasets live (:func:`open_store`)."""

    url: str

    def write(self, relpath: str, table: pa.Table) -> None:
        """Write ``table`` as Parquet at ``relpath`` (``/``-separated, under the root):
        durable and visible as a whole when this returns."""
        ...

    def write_many(self, items: Sequence[tuple[str, pa.Table]]) -> None:
        """:meth:`write` of several files, durable together (one round of fsyncs)."""
        ...

    def delete_many(self, relpaths: Sequence[str]) -> None: ...

    def list_files(self, prefix: str) -> list[str]:
        """The data files under ``prefix`` (e.g. ``signals/tenant=acme/month=2026-03``)."""
        ...

    def read(self, relpath: str) -> pa.Table: ...

    def local_root(self) -> Path | None:
        """The root directory if the store is local (DuckDB then reads the files itself)."""
        ...

    def filesystem(self) -> tuple[pafs.FileSystem, str]:
        """The pyarrow filesystem and the root path in it (for reading)."""
        ...


def _fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


#: fsyncs issued at once: a journaling filesystem commits concurrent fsyncs together, so a
#: flush of many small files costs about one journal commit, not one per file
FSYNC_THREADS = 16


def _fsync_all(paths: Iterable[Path]) -> None:
    todo = list(dict.fromkeys(paths))
    if len(todo) <= 1:
        for p in todo:
            _fsync_path(p)
        return
    with ThreadPoolExecutor(min(FSYNC_THREADS, len(todo))) as pool:
        list(pool.map(_fsync_path, todo))  # (re-raises the first error)


class LocalStore:
    """A directory: temp files, fsync'd, renamed into place, directories fsync'd."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.url = str(self.root)

    def _mkdirs(self, path: Path, created: list[Path]) -> None:
        """Create ``path`` and its missing parents (each new one's parent goes to
        ``created``: it must be fsync'd for the new directory to survive a crash)."""
        missing = []
        p = path
        while not p.exists():
            missing.append(p)
            p = p.parent
        for d in reversed(missing):
            d.mkdir(exist_ok=True)
            created.append(d.parent)

    def write(self, relpath: str, table: pa.Table) -> None:
        self.write_many([(relpath, table)])

    def write_many(self, items: Sequence[tuple[str, pa.Table]]) -> None:
        """Write every file; all are durable and in place when this returns (a crash before
        leaves at most ``.tmp-`` files, which readers skip)."""
        dirs: list[Path] = []
        moves: list[tuple[Path, Path]] = []
        try:
            for relpath, table in items:
                final = self.root / relpath
                self._mkdirs(final.parent, dirs)
                tmp = final.parent / f".tmp-{uuid.uuid4().hex}-{final.name}"
                moves.append((tmp, final))
                with open(tmp, "wb") as fh:
                    pq.write_table(table, fh, compression=COMPRESSION)
            _fsync_all(tmp for tmp, _ in moves)
            for tmp, final in moves:
                os.replace(tmp, final)
                dirs.append(final.parent)
        except BaseException:
            for tmp, _ in moves:
                tmp.unlink(missing_ok=True)
            raise
        _fsync_all(dirs)

    def delete_many(self, relpaths: Sequence[str]) -> None:
        dirs = []
        for rel in relpaths:
            path = self.root / rel
            path.unlink(missing_ok=True)
            dirs.append(path.parent)
        _fsync_all(dirs)

    def list_files(self, prefix: str) -> list[str]:
        """The data files under ``prefix`` (relative paths; temporaries excluded)."""
        base = self.root / prefix
        if not base.exists():
            return []
        return sorted(
            str(p.relative_to(self.root))
            for p in base.rglob("*.parquet")
            if not p.name.startswith((".", "_"))
        )

    def read(self, relpath: str) -> pa.Table:
        return pq.read_table(self.root / relpath)

    def local_root(self) -> Path | None:
        return self.root

    def filesystem(self) -> tuple[pafs.FileSystem, str]:
        return pafs.LocalFileSystem(), str(self.root)


class FileSystemStore:
    """A pyarrow filesystem (native or fsspec-backed) under a root path."""

    def __init__(self, fs: pafs.FileSystem, root: str, url: str, scheme: str) -> None:
        self.fs, self.root, self.url = fs, root.rstrip("/"), url
        self.direct = scheme in OBJECT_STORES

    def write(self, relpath: str, table: pa.Table) -> None:
        final = f"{self.root}/{relpath}"
        parent = final.rsplit("/", 1)[0]
        self.fs.create_dir(parent, recursive=True)
        if self.direct:
            with self.fs.open_output_stream(final) as out:
                pq.write_table(table, out, compression=COMPRESSION)
            return
        name = final.rsplit("/", 1)[1]
        tmp = f"{parent}/.tmp-{uuid.uuid4().hex}-{name}"
        with self.fs.open_output_stream(tmp) as out:
            pq.write_table(table, out, compression=COMPRESSION)
        self.fs.move(tmp, final)

    def write_many(self, items: Sequence[tuple[str, pa.Table]]) -> None:
        for relpath, table in items:
            self.write(relpath, table)

    def delete_many(self, relpaths: Sequence[str]) -> None:
        for rel in relpaths:
            self.fs.delete_file(f"{self.root}/{rel}")

    def list_files(self, prefix: str) -> list[str]:
        try:
            infos = self.fs.get_file_info(
                pafs.FileSelector(f"{self.root}/{prefix}", recursive=True)
            )
        except FileNotFoundError:
            return []
        n = len(self.root) + 1
        return sorted(
            i.path[n:]
            for i in infos
            if i.path.endswith(".parquet") and not i.base_name.startswith((".", "_"))
        )

    def read(self, relpath: str) -> pa.Table:
        return pq.read_table(f"{self.root}/{relpath}", filesystem=self.fs)

    def local_root(self) -> Path | None:
        return None

    def filesystem(self) -> tuple[pafs.FileSystem, str]:
        return self.fs, self.root


def open_store(location: str | Path) -> Store:
    """The store of a directory path or a filesystem URL (``s3://bucket/prefix``,
    ``gs://…``, ``memory://…``, ``file:///…``): pyarrow's own filesystems first, then any
    fsspec protocol installed."""
    text = str(location)
    parsed = urlparse(text)
    if not parsed.scheme or len(parsed.scheme) == 1:  # a path (or a Windows drive letter)
        return LocalStore(Path(text))
    if parsed.scheme == "file":
        return LocalStore(Path(parsed.path))
    try:
        fs, root = pafs.FileSystem.from_uri(text)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, ValueError, OSError):
        try:
            import fsspec
        except ImportError:  # pragma: no cover - fsspec is a dependency
            raise StoreError(f"{text}: unknown filesystem; install fsspec") from None
        try:
            ffs, root = fsspec.core.url_to_fs(text)
        except (ImportError, ValueError) as exc:
            raise StoreError(f"{text}: cannot open this filesystem URL ({exc})") from None
        fs = pafs.PyFileSystem(pafs.FSSpecHandler(ffs))
    return FileSystemStore(fs, root, text, parsed.scheme)
