"""The tables the OpenAPI document is built from (`app.core.openapi`): what each error status means, the codes
every operation with a status can answer, the codes particular operations add, request examples and the media
types of binary responses. Data, not logic: a new code or example is a line here.
"""

from __future__ import annotations

from typing import Any

STATUS_TEXT = {
    400: "Bad request",
    401: "Not authenticated: missing, expired or invalid bearer token",
    403: "The caller's role may not do this",
    404: "Not found, or outside the caller's scope (never 403, so scope does not leak existence)",
    409: "Conflict with the current state",
    412: "`If-Match` is stale: re-read and retry",
    413: "Request body too large",
    410: "Gone: deleted after its retention period",
    415: "Unsupported media type",
    422: "Invalid input: `errors` names each failing field",
    428: "`If-Match` is required",
    429: "Too many requests: wait `Retry-After` seconds",
    502: "The bank refused the request",
    503: "Temporarily unavailable (database or bank): retry after `Retry-After` seconds",
}
# codes every operation with that status can answer
BASE_CODES: dict[int, tuple[str, ...]] = {
    401: ("not_authenticated", "invalid_token"),
    403: ("forbidden",),
    404: ("not_found",),
    409: ("idempotency_key_reused", "idempotency_in_progress"),
    412: ("version_conflict",),
    413: ("payload_too_large",),
    415: ("unsupported_media_type",),
    422: ("validation_error",),
    428: ("if_match_required",),
    429: ("too_many_requests",),
    503: ("database_unavailable", "database_busy"),
}
# what a route can answer beyond its dependencies, by operation id: {status: codes}
# every code qr.QRFormatError carries
_QR_PAYLOAD = (
    "qr_invalid_crc",
    "qr_invalid_field",
    "qr_malformed",
    "qr_missing_field",
    "qr_truncated",
    "qr_unsupported",
)
EXTRA: dict[str, dict[int, tuple[str, ...]]] = {
    "auth_token": {401: ("invalid_credentials",), 429: ("too_many_requests",)},
    "auth_refresh": {401: ("invalid_token", "refresh_token_reused")},
    "merchants_create": {409: ("duplicate_account", "duplicate_phone", "duplicate_id")},
    "merchants_patch": {409: ("duplicate_account", "duplicate_phone")},
    "merchants_review": {403: ("self_review",), 409: ("invalid_state",)},
    "merchants_close": {409: ("invalid_state",)},
    "merchants_upload_photo": {415: ("unsupported_media_type",), 413: ("image_too_large",)},
    "qr_issue": {409: ("invalid_state", "qr_account_mismatch"), 502: ("bank_rejected",), 503: ("bank_unavailable",)},
    "qr_register_existing": {
        409: ("duplicate_account", "qr_account_mismatch", "invalid_state"),
        422: (*_QR_PAYLOAD, "qr_dynamic_amount"),
    },
    "qr_decode": {422: _QR_PAYLOAD},
    "qr_decode_image": {422: (*_QR_PAYLOAD, "qr_not_in_image"), 415: ("unsupported_media_type",)},
    "qr_verify": {422: _QR_PAYLOAD, 429: ("too_many_requests",)},
    "qr_revoke": {409: ("invalid_state",)},
    "sync_submit": {503: ("sync_busy",)},
    "streets_create": {409: ("duplicate_street",)},
    "units_get": {404: ("unit_not_found",)},
    "history_coverage": {404: ("street_not_found", "unit_not_found")},
    "history_coverage_forecast": {404: ("street_not_found", "unit_not_found")},
    "reports_coverage_xlsx": {404: ("snapshot_not_found",)},
    "reports_coverage_csv": {404: ("snapshot_not_found",)},
    "bank_handoff_give_consent": {409: ("merchant_closed", "conflict")},
    "bank_handoff_create_webhook": {409: ("too_many_webhooks",), 422: ("webhook_url_not_allowed",)},
    "bank_handoff_redeliver_delivery": {409: ("invalid_state", "consent_withdrawn")},
    # the bank's view: role checked in the handler (a bank, or city_admin/auditor naming ?bin=)
    "bank_handoff_merchants": {403: ("forbidden",)},
    "bank_handoff_merchants_csv": {403: ("forbidden",)},
    "bank_handoff_merchants_xlsx": {403: ("forbidden",)},
    "bank_handoff_reconciliation_digests": {403: ("forbidden",)},
    "bank_handoff_reconciliation_compare": {403: ("forbidden",)},
    "streets_patch": {409: ("duplicate_street",)},
    "users_create": {403: ("role_not_grantable", "units_not_grantable"), 409: ("username_taken",)},
    "users_bulk_create": {403: ("units_not_grantable",)},
    "users_patch": {403: ("own_account", "role_not_grantable", "units_not_grantable")},
    "users_deactivate": {403: ("own_account",)},
    "users_reset_password": {403: ("own_account",)},
    "users_change_my_password": {422: ("wrong_password",), 429: ("too_many_requests",)},
    # a spreadsheet of shops: every way a file can be wrong is a 422 naming it
    "imports_create": {
        403: ("forbidden",),
        413: ("payload_too_large",),
        422: (
            "import_file_unreadable",
            "import_file_encrypted",
            "import_file_formulas",
            "import_header_merged",
            "import_header_missing",
            "import_sheet_missing",
            "import_too_many_rows",
        ),
        428: ("idempotency_key_required",),
    },
    "imports_get": {404: ("import_not_found",)},
    "imports_errors_xlsx": {404: ("import_not_found",), 410: ("import_file_pruned",)},
}
_SHOP = {
    "id": "0b6f3c1e-2a4d-4f8e-9c7b-5d1a2e3f4a5b",
    "name": "Tạp hóa Hương",
    "category": "grocery",
    "owner_name": "Nguyễn Thị Hương",
    "phone": "0901 234 567",
    "house_number": "12",
    "street_id": 7,
    "location": {"lat": 10.3461, "lon": 107.0843, "accuracy_m": 8},
    "payment_account": {"bank_bin": "970436", "account_number": "0011001234567", "account_name": "NGUYEN THI HUONG"},
}
# examples generators and docs show for the requests integrators write most (schema name -> examples)
SCHEMA_EXAMPLES: dict[str, list[Any]] = {
    "MerchantCreate": [_SHOP],
    "SyncIn": [
        {
            "device_id": "phone-42",
            "operations": [
                {"op_id": "op-0001", "type": "upsert_merchant", "payload": _SHOP},
                {"op_id": "op-0002", "type": "issue_qr", "payload": {"merchant_id": _SHOP["id"], "scheme": "vietqr"}},
            ],
        }
    ],
    "ReceiptsIn": [
        {
            "receipts": [
                {
                    "merchant_id": _SHOP["id"],
                    "version": 3,
                    "result": "accepted",
                    "bank_merchant_id": "VCB-MID-000123",
                    "bank_terminal_id": "VCB-TID-01",
                },
                {
                    "merchant_id": "7d2c9a10-5e4f-4b3a-9c8d-1e2f3a4b5c6d",
                    "version": 1,
                    "result": "rejected",
                    "reason_code": "name_mismatch",
                    "reason": "Tên chủ tài khoản không khớp với tên chủ cửa hàng",
                },
            ]
        }
    ],
}
BINARY_SUFFIXES = {
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".pdf": "application/pdf",
    ".csv": "text/csv",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
