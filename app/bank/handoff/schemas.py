"""Shapes of the bank-facing view (API.md, "What a bank reads", "Receipts", "Reconciliation")."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, GetJsonSchemaHandler, TypeAdapter, field_validator
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

from app.core.text import UserText, nfc


class DocumentedAs:
    """Publishes `shape` in the OpenAPI document for a field that is checked or passed on as it is at run time
    (a bank record relayed byte for byte, receipts checked one by one): generated clients get typed models,
    and the JSON we send and hash stays exactly what we built."""

    def __init__(self, shape: Any) -> None:
        self._adapter: TypeAdapter[Any] = TypeAdapter(shape)

    def __get_pydantic_json_schema__(
        self, _schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return handler(self._adapter.core_schema)


class BankUnit(BaseModel):
    edition: str
    code: str


class AddressOut(BaseModel):
    house_number: str | None
    street: str | None
    street_id: int | None
    unit_2025: BankUnit
    unit_2020: BankUnit | None


class LocationOut(BaseModel):
    lat: float
    lon: float
    accuracy_m: float | None


class BankAccountOut(BaseModel):
    bank_bin: str
    account_number: str
    account_name: str | None
    kind: Literal["account", "card"]


class BankQROut(BaseModel):
    payload: str
    sticker_code: str
    issued_at: str = Field(description="UTC, YYYY-MM-DDTHH:MM:SSZ")


class BankRecord(BaseModel):
    """`record_hash`: lowercase hex SHA-256 of the RFC 8785 canonical JSON of this object without record_hash."""

    merchant_id: str
    version: int
    name: str
    category: str
    owner_name: str | None
    phone: str | None
    address: AddressOut
    location: LocationOut | None
    payment_account: BankAccountOut
    qr: BankQROut | None
    status: Literal["active", "closed"]
    consent_id: str
    # household business: each key present only when the shop has a value (never null)
    tax_code: str | None = Field(None, description="the owner's 12-digit personal id; only when set")
    business_registration_number: str | None = Field(None, description="only when set")
    einvoice_method: Literal["none", "tax_authority_code", "cash_register"] | None = Field(
        None, description="only when set"
    )
    record_hash: str


class ConsentWithdrawnData(BaseModel):
    """The `data` of a `merchant.consent_withdrawn` event: the shop leaves the bank's list, nothing else is sent."""

    merchant_id: str


class BankRecordPage(BaseModel):
    # always sent (null on the last page): required in the document, so generated clients do not type it Unset
    model_config = ConfigDict(json_schema_serialization_defaults_required=True)
    items: list[BankRecord]
    next_cursor: str | None = None
    as_of: datetime


ReasonCode = Literal[
    "account_not_found", "name_mismatch", "account_closed", "kyc_incomplete", "duplicate_merchant", "other"
]


class ReceiptIn(BaseModel):
    """One answer. Checked record by record (a bad one is answered `invalid`, the others still count)."""

    model_config = ConfigDict(extra="forbid")
    merchant_id: str = Field(max_length=36)
    version: int = Field(ge=1)
    result: Literal["accepted", "rejected"]
    reason_code: ReasonCode | None = None
    reason: UserText | None = Field(None, max_length=500)
    bank_merchant_id: UserText | None = Field(None, max_length=50)
    bank_terminal_id: UserText | None = Field(None, max_length=50)

    @field_validator("reason", "bank_merchant_id", "bank_terminal_id", mode="after")
    @classmethod
    def _text(cls, v: str | None) -> str | None:
        return (nfc(v) or None) if v is not None else None


class ReceiptsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # each item is checked on its own (a malformed one is answered `invalid`), so the list takes anything here
    receipts: Annotated[list[Any], DocumentedAs(list[ReceiptIn])] = Field(
        max_length=1000, description="up to 1,000 ReceiptIn objects"
    )


class ReceiptError(BaseModel):
    """Why one receipt is `invalid`, in the shape of a problem's `errors` item."""

    field: str = Field(examples=["receipts[0].reason_code"])
    message: str
    message_en: str


class ReceiptResult(BaseModel):
    model_config = ConfigDict(json_schema_serialization_defaults_required=True)  # errors is always sent
    merchant_id: str | None
    status: Literal["recorded", "stale_version", "unknown_merchant", "invalid"]
    errors: Annotated[list[dict[str, str]], DocumentedAs(list[ReceiptError])] = []


class ReceiptsOut(BaseModel):
    results: list[ReceiptResult]


class GroupDigest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: str = Field(max_length=40)
    count: int = Field(ge=0)
    digest: str = Field(pattern=r"^[0-9a-f]{64}$")


class ReconciliationOut(BaseModel):
    as_of: datetime
    group: Literal["unit", "street"]
    count: int
    digest: str
    groups: list[GroupDigest]


class ReconciliationIn(BaseModel):
    """The bank's own digests; `as_of` is accepted so that the shape of GET can be sent back as it is."""

    model_config = ConfigDict(extra="forbid")
    as_of: datetime | None = None
    group: Literal["unit", "street"] | None = None
    count: int = Field(ge=0)
    digest: str = Field(pattern=r"^[0-9a-f]{64}$")
    groups: list[GroupDigest] = Field(default_factory=list, max_length=100_000)


class ReconciliationResult(BaseModel):
    match: bool
    mismatched: list[str]
