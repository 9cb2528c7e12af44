"""Extract: every format to the same canonical frame; every malformed payload to its error code."""

from __future__ import annotations

import io
import json

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from shared.errors import ApiError
from shared.etl.extract import outline, parse, sniff_format
from shared.etl.validate import validate
from shared.schema import REQUIRED_COLUMNS
from tests.etl.conftest import FIXTURES

FORMAT_FILES = {
    "csv": "lines.csv",
    "json": "lines.json",
    "ndjson": "lines.ndjson",
    "xlsx": "lines.xlsx",
    "parquet": "lines.parquet",
    "xml": "lines.xml",
}
HEADER = "transaction_id,line_number,store_id,timestamp,sku,quantity,unit_price"


def _error(raw: bytes, fmt: str) -> ApiError:
    with pytest.raises(ApiError) as caught:
        parse(raw, fmt)
    return caught.value


@pytest.mark.parametrize("fmt", list(FORMAT_FILES))
def test_every_format_gives_the_same_canonical_lines(fmt, ctx):
    reference, _ = validate(parse((FIXTURES / "lines.csv").read_bytes(), "csv").frame, ctx)
    parsed = parse((FIXTURES / FORMAT_FILES[fmt]).read_bytes(), fmt)
    assert parsed.received == 6
    assert parsed.frame["_row"].tolist() == [1, 2, 3, 4, 5, 6]
    typed, rejects = validate(parsed.frame, ctx)
    assert rejects.empty
    pd.testing.assert_frame_equal(typed, reference, check_dtype=False)
    # T-1004 came without an offset (or as an Excel date): read in Asia/Manila, 20:15 -> 12:15 UTC
    assert typed.loc[typed.transaction_id == "T-1004", "timestamp"].iloc[0] == pd.Timestamp(
        "2026-03-16T12:15Z"
    )


def test_csv_keeps_quoted_commas_and_newlines():
    raw = f'{HEADER},product_name\nT1,1,S-001,2026-03-15T10:00:00+08:00,A,1,2,"Milk, 1L\nfresh"\n'.encode()
    frame = parse(raw, "csv").frame
    assert frame.loc[0, "product_name"] == "Milk, 1L\nfresh"


def test_csv_with_byte_order_mark_and_crlf():
    raw = ("\ufeff" + HEADER + "\r\nT1,1,S-001,2026-03-15T10:00:00+08:00,A,1,2\r\n").encode()
    frame = parse(raw, "csv").frame
    assert frame.loc[0, "transaction_id"] == "T1" and frame.loc[0, "unit_price"] == "2"


@pytest.mark.parametrize(
    ("raw", "fmt", "code"),
    [
        (b"", "json", "empty_batch"),
        (b"   \n ", "csv", "empty_batch"),
        (b"[]", "json", "empty_batch"),
        (HEADER.encode() + b"\n", "csv", "empty_batch"),  # a header and no lines
        (b'[{"transaction_id": "T1",', "json", "malformed_json"),
        (b'{"lines": []}', "json", "malformed_json"),  # an object, not an array
        (b"[1, 2]", "json", "malformed_json"),  # elements that are not objects
        (b"\xff\xfe[]", "json", "malformed_json"),  # not UTF-8
        (b'{"transaction_id": "T1"}\n{oops}\n', "ndjson", "malformed_ndjson"),
        (HEADER.encode() + b"\nT1,1,S-001,2026-03-15T10:00:00Z,A,1\n", "csv", "malformed_csv"),
        (b"not a workbook", "xlsx", "malformed_xlsx"),
        (b"PAR1 not really", "parquet", "malformed_parquet"),
        (b"<transactions><line>", "xml", "malformed_xml"),
        (b"<orders><line/></orders>", "xml", "malformed_xml"),
        (b"<transactions><row/></transactions>", "xml", "malformed_xml"),
        (b"T1,1", "yaml", "unsupported_format"),
    ],
)
def test_malformed_payloads_are_refused_with_their_code(raw, fmt, code):
    assert _error(raw, fmt).code == code


def test_malformed_csv_names_the_bad_rows():
    good = "S-001,2026-03-15T10:00:00Z,A,1,2"
    raw = f"{HEADER}\nT1,1,{good}\nT2,1,S-001,x\nT3,1,{good},9\n"
    err = _error(raw.encode(), "csv")
    assert err.status == 400
    assert [d["row"] for d in err.details] == [2, 3]  # data rows; the header is not counted
    assert err.details[0]["code"] == "wrong_field_count"


def test_malformed_ndjson_names_the_bad_line():
    raw = b'{"transaction_id": "T1"}\n\n{"transaction_id": "T2",}\n'
    err = _error(raw, "ndjson")
    assert [d["row"] for d in err.details] == [3]  # physical line 3; the blank line 2 is skipped


def test_malformed_json_says_where():
    err = _error(b'[\n{"a": 1},\n{"a" 2}\n]', "json")
    assert err.details == [{"line": 3, "column": 6, "code": "invalid_json"}]


def test_xml_entity_bomb_is_refused_before_expansion():
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
        b"<transactions><line><sku>&lol3;</sku></line></transactions>"
    )
    err = _error(bomb, "xml")
    assert (err.status, err.code) == (400, "unsafe_xml")


def test_xml_external_entity_is_refused():
    xxe = b'<?xml version="1.0"?><!DOCTYPE t [<!ENTITY x SYSTEM "file:///etc/passwd">]><transactions/>'
    assert _error(xxe, "xml").code == "unsafe_xml"


@pytest.mark.parametrize("missing", REQUIRED_COLUMNS)
def test_missing_required_column(missing):
    names = [c for c in HEADER.split(",") if c != missing]
    values = {
        "transaction_id": "T1",
        "line_number": "1",
        "store_id": "S-001",
        "timestamp": "2026-03-15T10:00:00Z",
        "sku": "A",
        "quantity": "1",
        "unit_price": "2",
    }
    raw = (",".join(names) + "\n" + ",".join(values[n] for n in names) + "\n").encode()
    err = _error(raw, "csv")
    assert (err.status, err.code) == (422, "missing_columns")
    assert err.details == [{"field": missing, "code": "missing_column"}]


@pytest.mark.parametrize("smuggled", ["vendor_id", "batch_id", "status", "customer_key", "content_hash"])
def test_fields_outside_the_canonical_line_are_refused(smuggled):
    # Mass assignment: a body cannot set the vendor, the batch or derived columns.
    line = {
        "transaction_id": "T1",
        "line_number": 1,
        "store_id": "S-001",
        "timestamp": "2026-03-15T10:00:00Z",
        "sku": "A",
        "quantity": 1,
        "unit_price": 2,
        smuggled: "x",
    }
    err = _error(json.dumps([line]).encode(), "json")
    assert (err.status, err.code) == (422, "unknown_columns")
    assert err.details == [{"field": smuggled, "code": "unknown_column"}]


def test_duplicate_csv_header_is_refused():
    err = _error(f"{HEADER},sku\nT1,1,S-001,2026-03-15T10:00:00Z,A,1,2,B\n".encode(), "csv")
    assert err.code == "duplicate_columns"


def test_json_values_of_any_type_arrive_as_text_and_nested_values_are_kept_as_sent():
    line = {
        "transaction_id": "T1",
        "line_number": 1,
        "store_id": "S-001",
        "timestamp": "2026-03-15T10:00:00Z",
        "sku": "A",
        "quantity": {"n": 1},
        "unit_price": True,
        "age": None,
    }
    frame = parse(json.dumps([line]).encode(), "json").frame
    assert frame.loc[0, "quantity"] == '{"n": 1}'
    assert frame.loc[0, "unit_price"] == "True"
    assert pd.isna(frame.loc[0, "age"])


def test_parquet_typed_columns_become_text():
    table = pa.table(
        {
            "transaction_id": ["T1"],
            "line_number": [1],
            "store_id": ["S-001"],
            "timestamp": pa.array([pd.Timestamp("2026-03-15T02:00:00Z")]),
            "sku": ["A"],
            "quantity": [1.5],
            "unit_price": [2.0],
        }
    )
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    frame = parse(buffer.getvalue(), "parquet").frame
    assert frame.loc[0, ["line_number", "quantity", "timestamp"]].tolist() == [
        "1",
        "1.5",
        "2026-03-15T02:00:00+0000",
    ]


@pytest.mark.parametrize(
    ("content_type", "filename", "first", "fmt"),
    [
        ("application/json", None, b"[{", "json"),
        ("application/json; charset=utf-8", None, b'{"a":1}\n', "ndjson"),  # NDJSON sent as JSON
        ("application/x-ndjson", None, b"{", "ndjson"),
        ("text/csv", None, b"transaction_id", "csv"),
        ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", None, b"PK\x03\x04", "xlsx"),
        ("application/octet-stream", "day.parquet", b"PAR1", "parquet"),
        ("application/octet-stream", None, b"PAR1", "parquet"),
        (None, None, b"PK\x03\x04", "xlsx"),
        (None, "lines.XML", b"<", "xml"),
        (None, None, b"\xef\xbb\xbf <transactions>", "xml"),
        ("text/plain", None, b"transaction_id,line_number", "csv"),
    ],
)
def test_sniff_format(content_type, filename, first, fmt):
    assert sniff_format(content_type, filename, first) == fmt


def test_sniff_refuses_unknown_media_types():
    with pytest.raises(ApiError) as caught:
        sniff_format("image/png", None, b"\x89PNG")
    assert (caught.value.status, caught.value.code) == (415, "unsupported_media_type")


_LINE = {"transaction_id": "T1", "line_number": 1, "timestamp": "2026-03-15T10:00:00Z", "sku": "A"}
_LINE.update(quantity=1, unit_price=2.5)


def _json(*lines: dict) -> bytes:
    return json.dumps(list(lines)).encode()


def _ndjson(*lines: dict) -> bytes:
    return b"\n".join(json.dumps(line).encode() for line in lines) + b"\n"


@pytest.mark.parametrize(
    ("raw", "fmt"),
    [
        ((FIXTURES / "lines.json").read_bytes(), "json"),
        ((FIXTURES / "lines.ndjson").read_bytes(), "ndjson"),
        (
            _json({**_LINE, "store_id": "S-1"}, {**_LINE, "store_id": "S-2"}, {**_LINE, "store_id": "S-1"}),
            "json",
        ),
        (
            _ndjson({**_LINE, "store_id": 7}, {**_LINE, "store_id": 7.5}, {**_LINE, "store_id": True}),
            "ndjson",
        ),
        (_json({**_LINE, "store_id": None}, {**_LINE}, {**_LINE, "store_id": ""}), "json"),
        (_json({**_LINE, " store_id ": "S-1"}), "json"),  # header names are trimmed
        (_json({**_LINE, "store_id": {"id": "S-1"}}), "json"),  # nested values kept as sent
        (b"", "json"),
        (b"[]", "json"),
        (b"[{}, {}]", "json"),
        (b'[{"transaction_id": "T1",', "json"),
        (b'{"lines": []}', "json"),
        (b"[1, 2]", "json"),
        (b"\xff\xfe[]", "json"),
        (b'{"transaction_id": "T1"}\n{oops}\n', "ndjson"),
        (b'{"transaction_id": "T1"}\n[1]\n', "ndjson"),
        (_json({**_LINE, "store_id": "S-1", "store_id ": "S-2"}), "json"),  # trims to a duplicate
        (_json({**_LINE, "store_id": "S-1", "vendor_id": "V"}), "json"),  # not a canonical column
        (_json({k: v for k, v in _LINE.items() if k != "sku"} | {"store_id": "S-1"}), "json"),
        (_json(_LINE), "json"),  # no store_id column at all
    ],
)
def test_outline_of_json_agrees_with_a_full_parse(raw: bytes, fmt: str) -> None:
    """The ingest envelope decodes JSON without building the frame; it must count the same lines,
    see the same stores and refuse the same payloads with the same code as :func:`parse`."""
    try:
        frame = parse(raw, fmt).frame
    except ApiError as parse_error:
        with pytest.raises(ApiError) as caught:
            outline(raw, fmt)
        assert (caught.value.status, caught.value.code) == (parse_error.status, parse_error.code)
        return
    batch = outline(raw, fmt)
    assert batch.rows == len(frame)
    assert batch.stores == sorted({str(s) for s in frame["store_id"].dropna()})
