"""Blob storage behind one small interface: Azure Blob Storage, or a folder on disk.

Blob names look like ``raw/vendor/2026/01/02/batch.json``: the first segment is one of
:data:`CONTAINERS` (an Azure container, or a subfolder of the folder store's root), the rest is
the blob's path inside it. :func:`get_blob_store` is the composition root.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Protocol
from urllib.parse import unquote, urlparse

from shared.config import Settings, get_settings

CONTAINERS = ("raw", "quarantine", "processed")
_CHUNK = 4 * 1024 * 1024


class BlobError(Exception):
    """Base of the blob store's own errors."""


class BlobNotFoundError(BlobError, KeyError):
    pass


class BlobExistsError(BlobError, FileExistsError):
    pass


class InvalidBlobNameError(BlobError, ValueError):
    pass


@dataclass(frozen=True)
class BlobInfo:
    name: str
    size: int
    last_modified: datetime  # timezone-aware, UTC


class BlobStore(Protocol):
    """The contract every implementation passes (``tests/storage/test_blobstore_contract.py``).

    Names are validated the same way everywhere (:func:`split_name`): an invalid name raises
    :class:`InvalidBlobNameError` before any I/O.
    """

    def put(self, name: str, data: bytes, *, overwrite: bool = True, content_type: str | None = None) -> None:
        """Store ``data`` under ``name`` atomically: readers see the old content or the new, never a part.

        ``overwrite=False`` on an existing name raises :class:`BlobExistsError` and changes nothing.
        """

    def put_stream(
        self, name: str, stream: IO[bytes], *, overwrite: bool = True, content_type: str | None = None
    ) -> None:
        """Like :meth:`put`, reading ``stream`` to its end in chunks (big payloads)."""

    def get(self, name: str) -> bytes:
        """The whole content; :class:`BlobNotFoundError` if there is no such blob."""

    def open_read(self, name: str) -> IO[bytes]:
        """A readable binary stream (close it); :class:`BlobNotFoundError` if there is no such blob."""

    def exists(self, name: str) -> bool: ...

    def delete(self, name: str) -> None:
        """Remove the blob. Idempotent: deleting a missing blob is not an error."""

    def list(self, prefix: str = "") -> Iterator[BlobInfo]:
        """Blobs whose full name starts with ``prefix``, in lexicographic order of name."""

    def ping(self) -> dict[str, Any]:
        """Prove the store is reachable (raises otherwise); a small dict describing it."""

    def ensure_containers(self) -> None:
        """Create the containers in :data:`CONTAINERS` if missing. Idempotent."""


def split_name(name: str) -> tuple[str, str]:
    """``"raw/a/b.json"`` -> ``("raw", "a/b.json")``; rejects anything that could escape its container."""
    if not isinstance(name, str) or not name or len(name) > 1024:
        raise InvalidBlobNameError(f"invalid blob name {name!r}")
    segments = name.split("/")
    if (
        "\\" in name
        or "\x00" in name
        or segments[0] not in CONTAINERS
        or len(segments) < 2
        or any(segment in ("", ".", "..") for segment in segments)
    ):
        raise InvalidBlobNameError(
            f"invalid blob name {name!r}: expected '<container>/<path>' with container in {CONTAINERS}, "
            "relative segments without '.', '..' or empty parts"
        )
    return segments[0], "/".join(segments[1:])


def check_prefix(prefix: str) -> str:
    """A listing prefix: any start of a valid name (its last segment may be partial)."""
    if "\\" in prefix or "\x00" in prefix or any(part in (".", "..") for part in prefix.split("/")[:-1]):
        raise InvalidBlobNameError(f"invalid blob prefix {prefix!r}")
    return prefix


def _containers_under(prefix: str) -> Iterator[tuple[str, str]]:
    """(container, the part of ``prefix`` inside it) for each container, in name order, that
    holds names starting with ``prefix``."""
    check_prefix(prefix)
    for container in sorted(CONTAINERS):
        top = container + "/"
        if prefix.startswith(top):
            yield container, prefix[len(top) :]
        elif top.startswith(prefix):
            yield container, ""


# --- folder ------------------------------------------------------------------------------
class FolderBlobStore:
    """Blobs as files under ``root/<container>/<path>``.

    Writes go to a temporary file under ``root/.tmp`` and are published with ``os.replace``
    (overwrite) or ``os.link`` (write-once: the link fails if the name exists), so a crash
    never leaves a partial blob. ``content_type`` is not kept.
    """

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root).resolve()
        self._tmp = self.root / ".tmp"

    def _path(self, name: str) -> Path:
        container, rest = split_name(name)
        path = (self.root / container / rest).resolve()
        if not path.is_relative_to(self.root / container):
            raise InvalidBlobNameError(f"blob name {name!r} escapes its container")
        return path

    def put(self, name: str, data: bytes, *, overwrite: bool = True, content_type: str | None = None) -> None:
        self._publish(name, lambda out: out.write(data), overwrite)

    def put_stream(
        self, name: str, stream: IO[bytes], *, overwrite: bool = True, content_type: str | None = None
    ) -> None:
        self._publish(name, lambda out: shutil.copyfileobj(stream, out, _CHUNK), overwrite)

    def _publish(self, name: str, write: Any, overwrite: bool) -> None:
        path = self._path(name)
        if not overwrite and path.exists():
            raise BlobExistsError(name)
        self._tmp.mkdir(parents=True, exist_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = self._tmp / f"{uuid.uuid4().hex}.part"
        try:
            with open(temp, "wb") as out:
                write(out)
                out.flush()
                os.fsync(out.fileno())
            if overwrite:
                os.replace(temp, path)
            else:
                try:
                    os.link(temp, path)
                except FileExistsError:
                    raise BlobExistsError(name) from None
        finally:
            temp.unlink(missing_ok=True)

    def get(self, name: str) -> bytes:
        with self.open_read(name) as stream:
            return stream.read()

    def open_read(self, name: str) -> IO[bytes]:
        path = self._path(name)
        try:
            return open(path, "rb")  # noqa: SIM115 - the caller closes it
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise BlobNotFoundError(name) from None

    def exists(self, name: str) -> bool:
        return self._path(name).is_file()

    def delete(self, name: str) -> None:
        path = self._path(name)
        with contextlib.suppress(FileNotFoundError, NotADirectoryError, IsADirectoryError):
            path.unlink()

    def list(self, prefix: str = "") -> Iterator[BlobInfo]:
        for container, inner in _containers_under(prefix):
            # Walk only the deepest folder the prefix names; filter the rest by name.
            yield from self._walk(self.root / container / inner.rpartition("/")[0], prefix)

    def _walk(self, folder: Path, prefix: str) -> Iterator[BlobInfo]:
        try:
            entries = sorted(os.scandir(folder), key=_full_name_order)
        except (FileNotFoundError, NotADirectoryError):
            return
        for entry in entries:
            name = Path(entry.path).relative_to(self.root).as_posix()
            if entry.is_dir(follow_symlinks=False):
                if name.startswith(prefix) or prefix.startswith(name + "/"):
                    yield from self._walk(Path(entry.path), prefix)
            elif entry.is_file(follow_symlinks=False) and name.startswith(prefix):
                stat = entry.stat()
                yield BlobInfo(name, stat.st_size, datetime.fromtimestamp(stat.st_mtime, UTC))

    def ping(self) -> dict[str, Any]:
        self._tmp.mkdir(parents=True, exist_ok=True)
        probe = self._tmp / f"ping-{uuid.uuid4().hex}"
        probe.write_bytes(b"ok")
        probe.unlink()
        return {"kind": "folder", "root": str(self.root)}

    def ensure_containers(self) -> None:
        for container in (*CONTAINERS, ".tmp"):
            (self.root / container).mkdir(parents=True, exist_ok=True)


def _full_name_order(entry: os.DirEntry[str]) -> str:
    # Blob names sort as full paths: a folder's entries come as "folder/...".
    return entry.name + "/" if entry.is_dir(follow_symlinks=False) else entry.name


# --- Azure -------------------------------------------------------------------------------
class AzureBlobStore:
    """Blobs in Azure Blob Storage (or Azurite), one container per first name segment.

    Write-once puts use the service's own ``If-None-Match: *`` condition, so two writers racing
    on a name cannot both succeed. A put into a missing container creates it and retries once.
    """

    def __init__(self, service: Any, description: str) -> None:
        self._service = service
        self._description = description

    @classmethod
    def from_account_url(cls, account_url: str) -> AzureBlobStore:
        from azure.identity import DefaultAzureCredential
        from azure.storage.blob import BlobServiceClient

        service = BlobServiceClient(account_url, credential=DefaultAzureCredential(), connection_timeout=10)
        return cls(service, account_url)

    @classmethod
    def from_connection_string(cls, connection_string: str) -> AzureBlobStore:
        from azure.storage.blob import BlobServiceClient

        service = BlobServiceClient.from_connection_string(connection_string, connection_timeout=10)
        return cls(service, service.url)

    def _blob(self, name: str) -> Any:
        container, rest = split_name(name)
        return self._service.get_blob_client(container, rest)

    def put(self, name: str, data: bytes, *, overwrite: bool = True, content_type: str | None = None) -> None:
        self._upload(name, data, overwrite, content_type)

    def put_stream(
        self, name: str, stream: IO[bytes], *, overwrite: bool = True, content_type: str | None = None
    ) -> None:
        self._upload(name, stream, overwrite, content_type)

    def _upload(self, name: str, data: Any, overwrite: bool, content_type: str | None) -> None:
        from azure.core.exceptions import ResourceExistsError, ResourceNotFoundError
        from azure.storage.blob import ContentSettings

        blob = self._blob(name)
        settings = ContentSettings(content_type=content_type) if content_type else None
        try:
            try:
                blob.upload_blob(data, overwrite=overwrite, content_settings=settings)
            except ResourceNotFoundError as exc:
                if getattr(exc, "error_code", None) != "ContainerNotFound":
                    raise
                self._create_container(blob.container_name)
                if hasattr(data, "seek"):
                    data.seek(0)
                blob.upload_blob(data, overwrite=overwrite, content_settings=settings)
        except ResourceExistsError:
            raise BlobExistsError(name) from None

    def get(self, name: str) -> bytes:
        from azure.core.exceptions import ResourceNotFoundError

        try:
            return bytes(self._blob(name).download_blob().readall())
        except ResourceNotFoundError:
            raise BlobNotFoundError(name) from None

    def open_read(self, name: str) -> IO[bytes]:
        from azure.core.exceptions import ResourceNotFoundError

        try:
            downloader = self._blob(name).download_blob()
        except ResourceNotFoundError:
            raise BlobNotFoundError(name) from None
        return io.BufferedReader(_ChunkReader(downloader.chunks()), _CHUNK)

    def exists(self, name: str) -> bool:
        return bool(self._blob(name).exists())

    def delete(self, name: str) -> None:
        from azure.core.exceptions import ResourceNotFoundError

        with contextlib.suppress(ResourceNotFoundError):
            self._blob(name).delete_blob()

    def list(self, prefix: str = "") -> Iterator[BlobInfo]:
        from azure.core.exceptions import ResourceNotFoundError

        for container, inner in _containers_under(prefix):
            client = self._service.get_container_client(container)
            try:
                for item in client.list_blobs(name_starts_with=inner or None):
                    yield BlobInfo(f"{container}/{item.name}", item.size, item.last_modified.astimezone(UTC))
            except ResourceNotFoundError:
                continue

    def ping(self) -> dict[str, Any]:
        names = [container["name"] for container in self._service.list_containers()]
        return {"kind": "azure", "account": self._description, "containers": sorted(names)}

    def ensure_containers(self) -> None:
        for container in CONTAINERS:
            self._create_container(container)

    def _create_container(self, container: str) -> None:
        from azure.core.exceptions import ResourceExistsError

        with contextlib.suppress(ResourceExistsError):
            self._service.create_container(container)


class _ChunkReader(io.RawIOBase):
    """A raw read-only stream over an iterator of downloaded chunks."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._pending = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._pending:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._pending = memoryview(chunk)
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


# --- composition root --------------------------------------------------------------------
_stores: dict[tuple[str, str], BlobStore] = {}
_stores_lock = threading.Lock()


def get_blob_store(settings: Settings | None = None) -> BlobStore:
    """The store for this configuration: a connection string (Azurite, development) wins, then
    ``SCOUT_BLOB_URL`` — ``https://`` is Azure with the default credential, ``file://`` a folder."""
    settings = settings or get_settings()
    key = (settings.resolved_blob_url, settings.blob_connection_string)
    with _stores_lock:
        store = _stores.get(key)
        if store is None:
            store = _stores[key] = _create_store(*key)
        return store


def _create_store(url: str, connection_string: str) -> BlobStore:
    if connection_string:
        return AzureBlobStore.from_connection_string(connection_string)
    parsed = urlparse(url)
    if parsed.scheme == "https":
        return AzureBlobStore.from_account_url(url)
    if parsed.scheme == "file":
        store = FolderBlobStore(unquote(parsed.path))
        store.ensure_containers()
        return store
    raise ValueError(
        f"unsupported blob URL {url!r}: use file:///path or https://<account>.blob.core.windows.net"
    )
