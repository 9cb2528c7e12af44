"""Extract: raw bytes in any supported format -> one frame of text columns with canonical names.

Every column comes out as text (missing values as NA) so all formats meet validation in the
same shape; ``_row`` holds the 1-based source row (data rows: a CSV or XLSX header is not
counted, NDJSON counts physical lines, JSON counts array elements, XML ``<line>`` elements).

The XML shape is::

    <transactions>
      <line><transaction_id>T1</transaction_id><line_number>1</line_number>...</line>
    </transactions>
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import dataclass
from typing import Any

import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET

from shared.errors import ApiError
from shared.etl.mapping import MappingProfile, apply_mapping
from shared.etl.timestamps import iso_text
from shared.schema import CANONICAL_COLUMNS, REQUIRED_COLUMNS, ROW_COLUMN

FORMATS: tuple[str, ...] = ("json", "ndjson", "csv", "xlsx", "parquet", "xml")
_MAX_DETAILS = 20
_CSV_BLOCK_BYTES = 8 << 20  # fewer, larger Arrow chunks: every later kernel pays per chunk

_CONTENT_TYPES = {
    "application/json": "json",
    "application/x-ndjson": "ndjson",
    "application/ndjson": "ndjson",
    "application/jsonl": "ndjson",
    "application/x-jsonlines": "ndjson",
    "text/csv": "csv",
    "application/csv": "csv",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.apache.parquet": "parquet",
    "application/x-parquet": "parquet",
    "application/xml": "xml",
    "text/xml": "xml",
}
_EXTENSIONS = {
    "json": "json",
    "ndjson": "ndjson",
    "jsonl": "ndjson",
    "csv": "csv",
    "xlsx": "xlsx",
    "parquet": "parquet",
    "xml": "xml",
}


@dataclass(frozen=True)
class ParsedBatch:
    frame: pd.DataFrame  # canonical text columns + ``_row``
    fmt: str

    @property
    def received(self) -> int:
        return len(self.frame)


def sniff_format(content_type: str | None, filename: str | None, first_bytes: bytes) -> str:
    """The format of a payload from its content type, else its file name, else its first bytes."""
    media = (content_type or "").split(";")[0].strip().lower()
    head = first_bytes.lstrip(b"\xef\xbb\xbf \t\r\n")
    if media in _CONTENT_TYPES:
        fmt = _CONTENT_TYPES[media]
        # Plenty of clients label NDJSON as application/json.
        return "ndjson" if fmt == "json" and head.startswith(b"{") else fmt
    if filename and "." in filename:
        ext = filename.rsplit(".", 1)[1].lower()
        if ext in _EXTENSIONS:
            return _EXTENSIONS[ext]
    if media not in ("", "application/octet-stream", "text/plain", "multipart/form-data"):
        raise ApiError(415, "unsupported_media_type", f"Content type {media!r} is not supported.")
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"<"):
        return "xml"
    if head.startswith(b"["):
        return "json"
    if head.startswith(b"{"):
        return "ndjson"
    if head:
        return "csv"
    raise ApiError(400, "empty_batch", "The request body is empty.")


def parse(raw: bytes, fmt: str, profile: MappingProfile | None = None) -> ParsedBatch:
    """Parse ``raw`` as ``fmt``; map it through ``profile`` if given; check the columns."""
    _check_payload(raw, fmt)
    frame = _READERS[fmt](raw)
    if frame.empty:
        raise _no_lines()
    if profile is not None:
        frame = apply_mapping(frame, profile)
    _check_columns([c for c in frame.columns if c != ROW_COLUMN], profile)
    return ParsedBatch(frame=frame, fmt=fmt)


@dataclass(frozen=True)
class BatchOutline:
    """What an ingest request's envelope checks need: how many lines, and for which stores."""

    rows: int
    stores: list[str]


def outline(raw: bytes, fmt: str, profile: MappingProfile | None = None) -> BatchOutline:
    """The lines and stores of a payload, refusing it exactly as :func:`parse` would.

    JSON without a mapping profile is only decoded, not turned into a frame (most of
    :func:`parse`'s cost, which the ETL pays later anyway); other payloads are parsed."""
    if profile is not None or fmt not in _JSON_ITEMS:
        frame = parse(raw, fmt, profile).frame
        stores = frame["store_id"].dropna().unique() if "store_id" in frame else []
        return BatchOutline(len(frame), sorted({str(s) for s in stores}))
    _check_payload(raw, fmt)
    items, rows = _JSON_ITEMS[fmt](raw)
    _check_objects(items, rows, f"malformed_{fmt}")
    keys = list(dict.fromkeys(key for item in items for key in item))
    names = _column_names(keys)
    if not items:
        raise _no_lines()
    _check_columns(names, None)
    store_key = keys[names.index("store_id")]
    values = (_cell_text(item.get(store_key)) for item in items)
    return BatchOutline(len(items), sorted({str(v) for v in values if v is not None and v == v}))


def _check_payload(raw: bytes, fmt: str) -> None:
    if fmt not in FORMATS:
        raise ApiError(415, "unsupported_format", f"Format {fmt!r} is not one of {', '.join(FORMATS)}.")
    if not raw or raw.isspace():  # isspace stops at the first other byte; strip() would copy
        raise ApiError(400, "empty_batch", "The request body is empty.")


def _no_lines() -> ApiError:
    return ApiError(400, "empty_batch", "The payload holds no transaction lines.")


def _check_columns(columns: list[str], profile: MappingProfile | None) -> None:
    unknown = [c for c in columns if c not in CANONICAL_COLUMNS]
    if unknown:
        hint = "" if profile else " Use a mapping profile for a vendor's own column names."
        raise ApiError(
            422,
            "unknown_columns",
            f"Unknown columns: {', '.join(map(str, unknown))}.{hint}",
            details=[{"field": str(c), "code": "unknown_column"} for c in unknown[:_MAX_DETAILS]],
        )
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise ApiError(
            422,
            "missing_columns",
            f"Required columns missing: {', '.join(missing)}.",
            details=[{"field": c, "code": "missing_column"} for c in missing],
        )


def _column_names(raw_names: list[Any]) -> list[str]:
    """Header names trimmed; two that trim to the same name are refused."""
    names = [str(c).strip() for c in raw_names]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ApiError(400, "duplicate_columns", f"Columns appear more than once: {', '.join(dupes)}.")
    return names


def _text_frame(records: pd.DataFrame, rows: Any) -> pd.DataFrame:
    """Every column as text (NA stays NA), header names trimmed, plus ``_row``."""
    names = _column_names(list(records.columns))
    out = pd.DataFrame(
        {name: _as_text(records.iloc[:, i]) for i, name in enumerate(names)},
        index=pd.RangeIndex(len(records)),
    )
    out[ROW_COLUMN] = rows
    return out


def _as_text(col: pd.Series) -> pd.Series:
    col = col.reset_index(drop=True)
    if pd.api.types.is_datetime64_any_dtype(col.dtype):
        return iso_text(col)
    if col.dtype == "object":
        col = col.map(_cell_text, na_action="ignore")
    return col.astype("str")


def _cell_text(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value)  # refused later as a wrong type, shown as sent
    return value


# --- readers ------------------------------------------------------------------------------
def _read_csv(raw: bytes) -> pd.DataFrame:
    raw = raw.removeprefix(b"\xef\xbb\xbf")
    end = raw.find(b"\n")
    header_line = (raw if end < 0 else raw[:end]).rstrip(b"\r")
    try:
        header = next(csv.reader([header_line.decode("utf-8")]))
    except (UnicodeDecodeError, csv.Error, StopIteration) as exc:
        raise ApiError(400, "malformed_csv", f"The CSV header cannot be read: {exc}.") from exc
    if len(set(header)) != len(header):
        dupes = sorted({h for h in header if header.count(h) > 1})
        raise ApiError(400, "duplicate_columns", f"Columns appear more than once: {', '.join(dupes)}.")
    bad: list[dict[str, Any]] = []
    table = _arrow_csv(raw, header, bad, use_threads=True)
    if bad:
        bad.clear()
        _arrow_csv(raw, header, bad, use_threads=False)  # row numbers are only known single-threaded
        raise ApiError(
            400,
            "malformed_csv",
            f"{len(bad)} CSV row(s) do not have {len(header)} fields.",
            details=bad[:_MAX_DETAILS],
        )
    frame = table.to_pandas()
    frame.columns = [h.strip() for h in header]
    frame[ROW_COLUMN] = range(1, len(frame) + 1)
    return frame


def _arrow_csv(raw: bytes, header: list[str], bad: list[dict[str, Any]], *, use_threads: bool) -> pa.Table:
    def invalid(row: Any) -> str:
        bad.append(
            {
                "row": None if row.number is None else row.number - 1,
                "code": "wrong_field_count",
                "message": f"expected {row.expected_columns} fields, found {row.actual_columns}",
            }
        )
        return "skip"

    try:
        return pacsv.read_csv(
            io.BytesIO(raw),
            read_options=pacsv.ReadOptions(
                column_names=header, skip_rows=1, use_threads=use_threads, block_size=_CSV_BLOCK_BYTES
            ),
            parse_options=pacsv.ParseOptions(newlines_in_values=True, invalid_row_handler=invalid),
            convert_options=pacsv.ConvertOptions(
                column_types={name: pa.string() for name in header},
                strings_can_be_null=True,
                null_values=[""],
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise ApiError(400, "malformed_csv", f"The CSV cannot be read: {exc}.") from exc


def _check_objects(items: list[Any], rows: list[int], code: str) -> None:
    wrong = [r for item, r in zip(items, rows, strict=True) if not isinstance(item, dict)]
    if wrong:
        raise ApiError(
            400,
            code,
            "Every transaction line must be a JSON object.",
            details=[{"row": r, "code": "not_an_object"} for r in wrong[:_MAX_DETAILS]],
        )


def _read_json(raw: bytes) -> pd.DataFrame:
    return _json_frame(raw, "json")


def _read_ndjson(raw: bytes) -> pd.DataFrame:
    return _json_frame(raw, "ndjson")


def _json_frame(raw: bytes, fmt: str) -> pd.DataFrame:
    items, rows = _JSON_ITEMS[fmt](raw)
    _check_objects(items, rows, f"malformed_{fmt}")
    return _text_frame(pd.DataFrame.from_records(items), rows)


def _json_items(raw: bytes) -> tuple[list[Any], list[int]]:
    try:
        items = orjson.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ApiError(
            400, "malformed_json", f"The body is not valid JSON: {exc}.", details=_json_where(exc)
        ) from exc
    if not isinstance(items, list):
        raise ApiError(400, "malformed_json", "The body must be a JSON array of transaction lines.")
    if not items:
        raise ApiError(400, "empty_batch", "The JSON array is empty.")
    return items, list(range(1, len(items) + 1))


def _ndjson_items(raw: bytes) -> tuple[list[Any], list[int]]:
    lines = raw.split(b"\n")
    rows = [i for i, line in enumerate(lines, start=1) if line.strip()]
    body = [lines[i - 1] for i in rows]
    try:
        items = orjson.loads(b"[" + b",".join(body) + b"]")
    except (json.JSONDecodeError, UnicodeDecodeError):
        items = None
    if items is None or len(items) != len(body):
        raise ApiError(
            400, "malformed_ndjson", "Some lines are not valid JSON.", details=_bad_lines(body, rows)
        )
    return items, rows


def _bad_lines(body: list[bytes], rows: list[int]) -> list[dict[str, Any]]:
    bad: list[dict[str, Any]] = []
    for line, row in zip(body, rows, strict=True):
        try:
            orjson.loads(line)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            bad.append({"row": row, "code": "invalid_json", "message": str(exc)})
            if len(bad) >= _MAX_DETAILS:
                break
    return bad


def _json_where(exc: Exception) -> list[dict[str, Any]]:
    if isinstance(exc, json.JSONDecodeError):
        return [{"line": exc.lineno, "column": exc.colno, "code": "invalid_json"}]
    return [{"code": "invalid_utf8"}]


def _read_xlsx(raw: bytes) -> pd.DataFrame:
    from openpyxl import load_workbook  # imported on first use: slow to import, rarely needed
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise ApiError(400, "malformed_xlsx", f"The workbook cannot be read: {exc}.") from exc
    try:
        sheet_rows = book.worksheets[0].iter_rows(values_only=True)
        header = next(sheet_rows, None)
        if header is None:
            raise ApiError(400, "empty_batch", "The first worksheet is empty.")
        names = ["" if h is None else str(h) for h in header]
        while names and names[-1] == "":
            names.pop()
        data, rows = [], []
        for n, values in enumerate(sheet_rows, start=1):
            if any(v is not None and str(v).strip() != "" for v in values):
                data.append(values[: len(names)])
                rows.append(n)
    finally:
        book.close()
    if any(name == "" for name in names):
        raise ApiError(400, "malformed_xlsx", "The header row has an empty column name.")
    return _text_frame(pd.DataFrame.from_records(data, columns=names), rows)


def _read_parquet(raw: bytes) -> pd.DataFrame:
    try:
        table = pq.read_table(io.BytesIO(raw))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, OSError) as exc:
        raise ApiError(400, "malformed_parquet", f"The Parquet file cannot be read: {exc}.") from exc
    return _text_frame(table.to_pandas(), range(1, table.num_rows + 1))


def _read_xml(raw: bytes) -> pd.DataFrame:
    try:
        root = SafeET.fromstring(raw, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise ApiError(400, "unsafe_xml", "DTDs, entities and external references are not accepted.") from exc
    except SafeET.ParseError as exc:
        line, column = getattr(exc, "position", (None, None))
        raise ApiError(
            400,
            "malformed_xml",
            f"The XML cannot be read: {exc}.",
            details=[{"line": line, "column": column, "code": "invalid_xml"}],
        ) from exc
    if root.tag != "transactions":
        raise ApiError(400, "malformed_xml", "The root element must be <transactions>.")
    items: list[dict[str, str | None]] = []
    for n, line in enumerate(root, start=1):
        if line.tag != "line":
            raise ApiError(
                400,
                "malformed_xml",
                "<transactions> may only hold <line> elements.",
                details=[{"row": n, "code": "unexpected_element", "message": str(line.tag)}],
            )
        items.append({child.tag: child.text for child in line})
    return _text_frame(pd.DataFrame.from_records(items), range(1, len(items) + 1))


_JSON_ITEMS = {"json": _json_items, "ndjson": _ndjson_items}
_READERS = {
    "json": _read_json,
    "ndjson": _read_ndjson,
    "csv": _read_csv,
    "xlsx": _read_xlsx,
    "parquet": _read_parquet,
    "xml": _read_xml,
}
