"""One contract, two real stores: a folder on disk and Azure Blob Storage (Azurite)."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from shared.blobstore import (
    AzureBlobStore,
    BlobExistsError,
    BlobNotFoundError,
    BlobStore,
    FolderBlobStore,
    InvalidBlobNameError,
    get_blob_store,
)
from shared.config import Settings


@pytest.fixture(params=["folder", pytest.param("azure", marks=pytest.mark.azurite)])
def store(request: pytest.FixtureRequest, tmp_path) -> Iterator[BlobStore]:
    if request.param == "folder":
        blob_store: BlobStore = FolderBlobStore(tmp_path / "blobs")
    else:
        blob_store = AzureBlobStore.from_connection_string(request.getfixturevalue("azurite"))
    blob_store.ensure_containers()
    blob_store.ensure_containers()  # idempotent
    yield blob_store


@pytest.fixture
def base() -> str:
    """A fresh folder per test: the Azurite account is shared by the session."""
    return f"t{uuid.uuid4().hex[:12]}"


def test_put_then_get(store: BlobStore, base: str) -> None:
    name = f"raw/{base}/2026/01/02/batch.json"
    store.put(name, b'[{"a": 1}]', content_type="application/json")
    assert store.get(name) == b'[{"a": 1}]'
    assert store.exists(name)


def test_overwrite_replaces_by_default(store: BlobStore, base: str) -> None:
    name = f"processed/{base}.parquet"
    store.put(name, b"one")
    store.put(name, b"two")
    assert store.get(name) == b"two"


def test_write_once_refuses_an_existing_name(store: BlobStore, base: str) -> None:
    name = f"raw/{base}/b.csv"
    store.put(name, b"first", overwrite=False)
    with pytest.raises(BlobExistsError):
        store.put(name, b"second", overwrite=False)
    with pytest.raises(BlobExistsError):
        store.put_stream(name, io.BytesIO(b"third"), overwrite=False)
    assert store.get(name) == b"first"


def test_missing_blob_is_not_found(store: BlobStore, base: str) -> None:
    with pytest.raises(BlobNotFoundError):
        store.get(f"raw/{base}/missing")
    with pytest.raises(BlobNotFoundError):
        store.open_read(f"raw/{base}/missing")
    assert not store.exists(f"raw/{base}/missing")


def test_delete_is_idempotent(store: BlobStore, base: str) -> None:
    name = f"quarantine/{base}.jsonl"
    store.put(name, b"{}\n")
    store.delete(name)
    store.delete(name)
    assert not store.exists(name)
    with pytest.raises(BlobNotFoundError):
        store.get(name)


def test_list_by_prefix_in_name_order(store: BlobStore, base: str) -> None:
    day = f"raw/{base}/2026"
    names = [f"{day}/01/02/b.json", f"{day}/01/02/a.json", f"{day}/02/01/c.json", f"raw/{base}x/other.json",
             f"quarantine/{base}.jsonl", f"{day}/01-notes.txt"]  # fmt: skip
    for i, name in enumerate(names):
        store.put(name, b"x" * (i + 1))
    listed = list(store.list(f"raw/{base}/2026/01/"))
    assert [b.name for b in listed] == [f"raw/{base}/2026/01/02/a.json", f"raw/{base}/2026/01/02/b.json"]
    assert [b.size for b in listed] == [2, 1]
    assert all(abs(b.last_modified - datetime.now(UTC)) < timedelta(minutes=5) for b in listed)
    under_base = sorted([*names[:4], names[5]])
    assert [b.name for b in store.list(f"raw/{base}")] == under_base  # a prefix, not a folder
    assert [b.name for b in store.list(f"raw/{base}/2026/02/01/c.json")] == [names[2]]
    everything = [b.name for b in store.list()]
    assert set(names) <= set(everything) and everything == sorted(everything)


def test_streams_round_trip_a_big_payload(store: BlobStore, base: str) -> None:
    payload = bytes(range(256)) * 40_000  # ~10 MB, several chunks
    name = f"raw/{base}/big.bin"
    store.put_stream(name, io.BytesIO(payload))
    with store.open_read(name) as stream:
        head = stream.read(1000)
        rest = stream.read()
    assert head + rest == payload


@pytest.mark.parametrize(
    "name",
    ["", "raw", "raw/", "/raw/a", "raw/../etc/passwd", "raw/a/../../x", "raw/./a", "raw//a", "raw\\a",
     "other/a", "../raw/a", "raw/a\x00b"],
)  # fmt: skip
def test_names_that_could_escape_are_refused(store: BlobStore, name: str) -> None:
    with pytest.raises(InvalidBlobNameError):
        store.put(name, b"x")
    with pytest.raises(InvalidBlobNameError):
        store.get(name)


def test_ping_describes_the_store(store: BlobStore) -> None:
    detail = store.ping()
    assert detail["kind"] in ("folder", "azure")


def test_folder_write_leaves_no_temporary_files(tmp_path) -> None:
    store = FolderBlobStore(tmp_path / "blobs")
    store.put("raw/a.json", b"1")
    with pytest.raises(BlobExistsError):
        store.put("raw/a.json", b"2", overwrite=False)
    assert [p.name for p in (tmp_path / "blobs").rglob("*") if p.is_file()] == ["a.json"]


def test_folder_refuses_a_symlink_out_of_its_container(tmp_path) -> None:
    (tmp_path / "outside").mkdir()
    store = FolderBlobStore(tmp_path / "blobs")
    store.ensure_containers()
    (tmp_path / "blobs" / "raw" / "link").symlink_to(tmp_path / "outside")
    with pytest.raises(InvalidBlobNameError):
        store.put("raw/link/x", b"1")
    assert not (tmp_path / "outside" / "x").exists()


def test_composition_root_picks_by_configuration(tmp_path, azurite: str) -> None:
    folder = get_blob_store(Settings(blob_url=(tmp_path / "b").as_uri(), blob_connection_string=""))
    assert isinstance(folder, FolderBlobStore) and folder.root == (tmp_path / "b").resolve()
    assert get_blob_store(Settings(blob_url=(tmp_path / "b").as_uri(), blob_connection_string="")) is folder
    azure = get_blob_store(Settings(blob_connection_string=azurite))
    assert isinstance(azure, AzureBlobStore) and azure.ping()["kind"] == "azure"
    account = "https://acct.blob.core.windows.net"
    identity = get_blob_store(Settings(blob_url=account, blob_connection_string=""))
    assert isinstance(identity, AzureBlobStore)  # built with DefaultAzureCredential; not contacted here
    with pytest.raises(ValueError, match="unsupported blob URL"):
        get_blob_store(Settings(blob_url="ftp://x", blob_connection_string=""))


@pytest.mark.parametrize("prefix", ["raw/../", "raw/../x", "../", "raw/./a", "raw\\a"])
def test_listing_prefixes_that_could_escape_are_refused(store: BlobStore, prefix: str) -> None:
    with pytest.raises(InvalidBlobNameError):
        list(store.list(prefix))
