"""The bank's files written by PostgreSQL itself (`COPY ... TO STDOUT`): a million records in seconds.

Formatting a record in Python (its dict, RFC 8785 JSON, SHA-256, the CSV or XML cells) costs ~100 µs; at a
million shops that is minutes. Here PostgreSQL builds each line: the record's canonical JSON and its SHA-256
(`record_hash`), the formula-safe cells, and either the CSV fields (COPY's own CSV writer) or the sheet's
`<row>` XML. The Python path (app.bank.handoff.records, app.bank.handoff.exports) stays the reference:
tests/app/bank/test_export_sql.py checks both write the same cells and the same hashes.

What PostgreSQL cannot write exactly as RFC 8785 does are doubles outside 1e-4 <= |x| < 1e15 that are not
integers, and a sheet cannot hold the control characters XML 1.0 forbids: `exotic_query` finds such records
(none in practice: lat/lon are inside Vietnam, names come through validation), and an export that has one is
written by the Python path.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, Text, cast, func, literal_column, or_
from sqlalchemy.dialects import postgresql
from sqlmodel import col

from app.core.spreadsheet import FORMULA_LEAD
from app.merchants.models import Merchant, PaymentAccount
from app.qrcodes.models import QRCode
from app.streets.models import Street

MAX_SAFE = 9007199254740991  # 2**53 - 1
CONTROL = r"[\x01-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]"  # the characters XML 1.0 forbids in a sheet


def _lit(text: str) -> str:
    """A literal; a control character as chr(n) (the SQL text stays printable, e.g. frozen in a migration)."""
    if len(text) == 1 and ord(text) < 0x20:
        return f"chr({ord(text)})"
    return "'" + text.replace("'", "''") + "'"


def _json(x: str) -> str:
    """A text column as a JSON value (PostgreSQL escapes exactly as RFC 8785: \\" \\\\ \\b \\f \\n \\r \\t, \\u00xx)."""
    return f"COALESCE(to_json({x})::text, 'null')"


def _int(x: str) -> str:
    return f"COALESCE(({x})::text, 'null')"


def _double(x: str) -> str:
    """RFC 8785 for a double in the range checked by `exotic_query`: integral ones as integers, others shortest."""
    return (
        f"CASE WHEN {x} IS NULL THEN 'null' WHEN {x} = trunc({x}) AND abs({x}) <= {MAX_SAFE} "
        f"THEN trunc({x})::bigint::text ELSE ({x})::text END"
    )


def _iso(x: str) -> str:
    return f"""to_char({x} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')"""


def canonical_json() -> str:
    """The record without its hash in RFC 8785 form (keys sorted), from the columns of `visible_records_query`."""
    unit_2020 = (
        "CASE WHEN r.unit_code_2020 <> '' THEN "
        f"""'{{"code":' || {_json("r.unit_code_2020")} || ',"edition":"2020"}}' ELSE 'null' END"""
    )
    location = (
        "CASE WHEN r.lat IS NOT NULL AND r.lon IS NOT NULL THEN "
        f"""'{{"accuracy_m":' || {_double("r.accuracy_m")} || ',"lat":' || {_double("r.lat")} """
        f"""|| ',"lon":' || {_double("r.lon")} || '}}' ELSE 'null' END"""
    )
    qr = (
        "CASE WHEN r.qr_payload IS NOT NULL THEN "
        f"""'{{"issued_at":' || {_json(_iso("r.qr_issued_at"))} || ',"payload":' || {_json("r.qr_payload")} """
        f"""|| ',"sticker_code":' || {_json("r.qr_sticker_code")} || '}}' ELSE 'null' END"""
    )

    def optional(name: str) -> str:  # app.bank.records.HOUSEHOLD: the key only when the shop has a value
        return f"""CASE WHEN r.{name} IS NULL THEN '' ELSE ',"{name}":' || {_json("r." + name)} END"""

    parts = [
        f"""'{{"address":{{"house_number":' || {_json("r.house_number")}""",
        f"""',"street":' || {_json("r.street_name")}""",
        f"""',"street_id":' || {_int("r.street_id")}""",
        f"""',"unit_2020":' || {unit_2020}""",
        f"""',"unit_2025":{{"code":' || {_json("r.unit_code")} || ',"edition":"2025"}}}}'""",
        optional("business_registration_number"),
        f"""',"category":' || {_json("r.category")}""",
        f"""',"consent_id":' || {_json("r.consent_id")}""",
        optional("einvoice_method"),
        f"""',"location":' || {location}""",
        f"""',"merchant_id":' || {_json("r.id")}""",
        f"""',"name":' || {_json("r.name")}""",
        f"""',"owner_name":' || {_json("r.owner_name")}""",
        f"""',"payment_account":{{"account_name":' || {_json("r.account_name")}""",
        f"""',"account_number":' || {_json("r.account_number")}""",
        f"""',"bank_bin":' || {_json("r.bank_bin")}""",
        f"""',"kind":' || {_json("r.kind")} || '}}'""",
        f"""',"phone":' || {_json("r.phone")}""",
        f"""',"qr":' || {qr}""",
        f"""',"status":' || {_json("r.status")}""",
        optional("tax_code"),
        f"""',"version":' || {_int("r.version")} || '}}'""",
    ]
    return " || ".join(f"({p})" for p in parts)


def record_hash_sql() -> str:
    return f"encode(sha256(convert_to({canonical_json()}, 'UTF8')), 'hex')"


def _safe(x: str) -> str:
    """app.core.spreadsheet.safe_cell: text a spreadsheet would evaluate gets a leading apostrophe."""
    leads = ", ".join(_lit(c) for c in FORMULA_LEAD)
    return f"CASE WHEN left({x}, 1) IN ({leads}) THEN '''' || {x} ELSE {x} END"


def _py_float(x: str) -> str:
    """Python's repr of a float (what csv and the sheet writer print): 8.0, 10.3462."""
    integral = f"{x} = trunc({x}) AND abs({x}) <= {MAX_SAFE}"
    return f"CASE WHEN {integral} THEN trunc({x})::bigint::text || '.0' ELSE ({x})::text END"


def _hash(stmt: Select[Any]) -> str:
    """The record's hash: the stored view's (app.bank.handoff.view) when `stmt` carries it, else computed here."""
    if "stored_hash" in stmt.selected_columns:
        return f"COALESCE(r.stored_hash, {record_hash_sql()})"  # computed only where the view has no row
    return record_hash_sql()


# app.bank.handoff.exports.COLUMNS, in order: (SQL, kind) with kind "text" (formula-safe), "int" or "float"
def _cells(stmt: Select[Any], hash_sql: str | None = None) -> list[tuple[str, str]]:
    return [
        ("r.id", "text"),
        ("r.version", "int"),
        ("r.name", "text"),
        ("r.category", "text"),
        ("r.owner_name", "text"),
        ("r.phone", "text"),
        ("r.house_number", "text"),
        ("r.street_name", "text"),
        ("r.street_id", "int"),
        ("'2025:' || r.unit_code", "text"),
        ("CASE WHEN r.unit_code_2020 <> '' THEN '2020:' || r.unit_code_2020 END", "text"),
        ("r.lat", "float"),
        ("r.lon", "float"),
        ("r.accuracy_m", "float"),
        ("r.bank_bin", "text"),
        ("r.account_number", "text"),
        ("r.account_name", "text"),
        ("r.kind", "text"),
        ("r.qr_payload", "text"),
        ("r.qr_sticker_code", "text"),
        (f"CASE WHEN r.qr_payload IS NOT NULL THEN {_iso('r.qr_issued_at')} END", "text"),
        ("r.status", "text"),
        ("r.consent_id", "text"),
        (hash_sql or _hash(stmt), "hash"),
        ("r.tax_code", "text"),
        ("r.business_registration_number", "text"),
        ("r.einvoice_method", "text"),
    ]


def _compiled(stmt: Select[Any]) -> str:
    """A statement as PostgreSQL SQL text with its parameters inlined (COPY takes no parameters)."""
    # the dialect classes' __init__ carries no annotations in SQLAlchemy 2.1
    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    return str(stmt.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))


def _source(stmt: Select[Any], *, ordered: bool = True) -> str:
    # ordered inside: the sort then moves the narrow joined rows, not the formatted lines
    return _compiled(stmt.order_by(None).order_by(col(Merchant.id)) if ordered else stmt.order_by(None))


def _csv_field(x: str) -> str:
    """A value as COPY (FORMAT csv) writes it: null empty; quoted when empty or holding , " CR or LF."""
    return (
        f"""CASE WHEN {x} IS NULL THEN '' WHEN {x} = '' OR {x} ~ '[,"\\r\\n]' """
        f"""THEN '"' || replace({x}, '"', '""') || '"' ELSE {x} END"""
    )


def with_csv_line(stmt: Select[Any], source: str, hash_sql: str | None = None) -> str:
    """`SELECT c.*, <line> AS csv_line FROM (source)`: each record of `source` (the columns of
    `visible_records_query`) with its line of the bank's CSV, no line end: the bytes
    app.bank.handoff.view.csv_line writes, and COPY (FORMAT csv) of the same cells. The hash cell is `hash_sql`
    when given (a column already computed), else `_hash`."""
    cells = []
    for i, (sql, kind) in enumerate(_cells(stmt, hash_sql)):
        value = _safe(f"({sql})") if kind == "text" else _py_float(sql) if kind == "float" else f"({sql})::text"
        cells.append(f"{value} AS c{i}")
    line = " || ',' || ".join(_csv_field(f"c.c{i}") for i in range(len(cells)))
    # OFFSET 0 keeps the cells a subquery's columns: pulled up, each would be computed once per use in the line
    inner = f"SELECT r.*, {', '.join(cells)} FROM ({source}) AS r OFFSET 0"  # noqa: S608 (as in csv_select)
    return f"SELECT c.*, {line} AS csv_line FROM ({inner}) AS c"  # noqa: S608 (as in csv_select)


# COPY options for one text column whose values hold no tab: each value is one line, with \\ \b \f \n \r \t
# \v written as escapes (app.bank.handoff.exports undoes them)
LINE_COPY = {"format": "text"}


def csv_select(stmt: Select[Any]) -> str:
    """The CSV lines of the records of `stmt` (visible_records_query, narrowed, in shop order), one text column,
    for COPY with LINE_COPY: the stored view's line where `stmt` carries it (with_stored_hash), else written
    here."""
    lined = with_csv_line(stmt, _source(stmt))
    line = "COALESCE(l.stored_line, l.csv_line)" if "stored_line" in stmt.selected_columns else "l.csv_line"
    # every value is SQL the code above wrote or a literal SQLAlchemy rendered from checked parameters
    return f"SELECT {line} FROM ({lined}) AS l"  # noqa: S608


def lines_select(stmt: Select[Any]) -> str:
    """A query of stored lines (repository.stored_lines_query) as SQL text for COPY with LINE_COPY."""
    return _compiled(stmt)


def _xml_text(x: str) -> str:
    # & < > as saxutils.escape; tab, CR and LF as character references (the same text to a reader) so that a row
    # is one line of COPY's output
    escaped = f"replace(replace(replace({x}, '&', '&amp;'), '<', '&lt;'), '>', '&gt;')"
    escaped = f"replace(replace(replace({escaped}, E'\\t', '&#9;'), E'\\r', '&#13;'), E'\\n', '&#10;')"
    return f"""'<c t="inlineStr"><is><t xml:space="preserve">' || {escaped} || '</t></is></c>'"""


# COPY options for `xlsx_select`: CSV with a quote and a delimiter that never occur (control characters are
# excluded by `exotic_query`, CR and LF are character references), so each line is one row's XML, unescaped
XLSX_COPY = {"format": "csv", "quote": "\x01", "delimiter": "\x02"}


def xlsx_select(stmt: Select[Any]) -> str:
    """One sheet `<row>` per record of `stmt` (xlsx_stream.row_xml's cells), for COPY with XLSX_COPY."""
    cells = []
    for sql, kind in _cells(stmt):
        if kind in ("text", "hash"):
            value = _safe(f"({sql})") if kind == "text" else sql
            cells.append(f"CASE WHEN ({sql}) IS NULL THEN '<c/>' ELSE {_xml_text(value)} END")
        else:
            shown = _py_float(sql) if kind == "float" else f"({sql})::text"
            cells.append(f"CASE WHEN ({sql}) IS NULL THEN '<c/>' ELSE '<c><v>' || {shown} || '</v></c>' END")
    row = "'<row>' || " + " || ".join(f"({c})" for c in cells) + " || '</row>'"
    return f"SELECT {row} FROM ({_source(stmt)}) AS r"  # noqa: S608 (as in csv_select)


def _odd_double(c: Any) -> Any:
    """A double RFC 8785 writes otherwise than `_double` (or Python's repr otherwise than `_py_float`)."""
    special = c.in_([literal_column(f"'{v}'::float8") for v in ("NaN", "Infinity", "-Infinity")])
    negative_zero = (c == 0) & (cast(c, Text) == "-0")
    huge = func.abs(c) > MAX_SAFE
    tiny_or_wide = (c != func.trunc(c)) & ((func.abs(c) < 1e-4) | (func.abs(c) >= 1e15))
    return special | negative_zero | huge | tiny_or_wide


def exotic_condition() -> Any:
    """A record `csv_select`/`xlsx_select` would not write exactly as the Python path (`repository.exotic_query`)."""
    texts = [
        col(Merchant.name),
        col(Merchant.owner_name),
        col(Merchant.house_number),
        col(Merchant.phone),
        col(Merchant.business_registration_number),
        col(Street.name),
        col(PaymentAccount.account_name),
        col(PaymentAccount.account_number),
        col(QRCode.payload),
        col(QRCode.sticker_code),
    ]
    return or_(
        *(_odd_double(c) for c in (col(Merchant.lat), col(Merchant.lon), col(Merchant.accuracy_m))),
        *(t.regexp_match(CONTROL) for t in texts),
    )


def digests_select(stmt: Select[Any], group: str) -> str:
    """Per unit or street: the count and the XOR of the record_hashes, as four 64-bit slices (bit_xor)."""
    key = "'2025:' || r.unit_code" if group == "unit" else "COALESCE(r.street_id::text, 'none')"
    slices = ", ".join(f"bit_xor(('x' || substr(h, {1 + 16 * i}, 16))::bit(64)::bigint)" for i in range(4))
    return (
        f"SELECT key, count(*), {slices} FROM "  # noqa: S608 (as in csv_select)
        f"(SELECT {key} AS key, {record_hash_sql()} AS h FROM ({_source(stmt, ordered=False)}) AS r) AS t GROUP BY key"
    )


def _slices(h: str) -> list[str]:
    """The four signed 64-bit slices of a hex SHA-256 (app.bank.handoff.view.slices)."""
    return [f"('x' || substr({h}, {1 + 16 * i}, 16))::bit(64)::bigint" for i in range(4)]


def view_rebuild_insert(stmt: Select[Any]) -> str:
    """INSERT the stored view's rows of the records of `stmt` (visible_records_query), hashed and lined here."""
    columns = "merchant_id, bank_bin, record_hash, h0, h1, h2, h3, unit_code, street_id, csv_line"
    hashed = f"SELECT r.*, {record_hash_sql()} AS h FROM ({_source(stmt, ordered=False)}) AS r"  # noqa: S608
    source = with_csv_line(stmt, hashed, "r.h")  # the hash computed once
    values = f"id, bank_bin, h, {', '.join(_slices('h'))}, unit_code, street_id, csv_line"
    return f"INSERT INTO bank_view ({columns}) SELECT {values} FROM ({source}) AS t"  # noqa: S608
