"""Every problem code of the API, declared once: its HTTP status and its Vietnamese and English titles.

A raise site names its entry (`problem("duplicate_phone").error(detail_vi, detail_en, errors=...)`, or an
`AppError` subclass with `code="duplicate_phone"`); `app.core.i18n.TITLES` (the title a problem+json carries) is
derived from here, and the OpenAPI document's error responses (`app.core.http.openapi`) list the codes with the status
declared here. `tests/app/core/test_problems.py` fails when a code raised anywhere in app/, or documented in the
OpenAPI document, has no entry, or is raised with another status than its entry's.

Adding a code: one line in `DECLARED`, `"code": (status, "Tiêu đề tiếng Việt", "English title"),`. A code a
branch still adds to the old `TITLES` shape, `"code": ("vi", "en"),`, becomes that line with its status inserted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.core.errors import AppError

# code -> (HTTP status, Vietnamese title, English title)
DECLARED: dict[str, tuple[int, str, str]] = {
    "validation_error": (422, "Dữ liệu không hợp lệ", "Invalid input"),
    "not_found": (404, "Không tìm thấy", "Not found"),
    "method_not_allowed": (405, "Phương thức không được hỗ trợ", "Method not allowed"),
    "not_authenticated": (401, "Chưa đăng nhập", "Not authenticated"),
    "invalid_token": (401, "Mã truy cập không hợp lệ hoặc đã hết hạn", "Invalid or expired token"),
    "invalid_credentials": (401, "Sai tên đăng nhập hoặc mật khẩu", "Wrong username or password"),
    "refresh_token_reused": (401, "Mã làm mới đã được dùng", "Refresh token already used"),
    "too_many_requests": (429, "Quá nhiều yêu cầu", "Too many requests"),
    "forbidden": (403, "Không có quyền", "Forbidden"),
    "unit_not_found": (404, "Không tìm thấy đơn vị hành chính", "Administrative unit not found"),
    "street_not_found": (404, "Không tìm thấy tuyến phố", "Street not found"),
    "bank_not_found": (404, "Không tìm thấy ngân hàng", "Bank not found"),
    "merchant_not_found": (404, "Không tìm thấy cửa hàng", "Merchant not found"),
    "qr_not_found": (404, "Không tìm thấy mã QR", "QR code not found"),
    "photo_not_found": (404, "Không tìm thấy ảnh", "Photo not found"),
    "duplicate_account": (
        409,
        "Tài khoản ngân hàng đã được đăng ký cho cửa hàng khác",
        "Bank account already registered",
    ),
    "duplicate_phone": (409, "Số điện thoại đã được đăng ký cho cửa hàng khác", "Phone already registered"),
    "duplicate_id": (409, "Mã cửa hàng đã tồn tại với nội dung khác", "Merchant id already used with other data"),
    "idempotency_key_reused": (
        409,
        "Idempotency-Key đã được dùng cho một yêu cầu khác",
        "Idempotency-Key reused with a different request",
    ),
    "idempotency_in_progress": (409, "Yêu cầu trùng đang được xử lý", "The same request is still being processed"),
    "version_conflict": (412, "Dữ liệu đã bị người khác thay đổi", "The resource was changed by someone else"),
    "if_match_required": (428, "Thiếu tiêu đề If-Match", "If-Match header required"),
    "invalid_state": (409, "Thao tác không hợp lệ ở trạng thái hiện tại", "Not allowed in the current state"),
    "self_review": (403, "Không được tự duyệt hồ sơ mình đăng ký", "You cannot review your own registration"),
    "payload_too_large": (413, "Tệp quá lớn", "File too large"),
    "unsupported_media_type": (415, "Định dạng tệp không được hỗ trợ", "Unsupported file type"),
    "database_unavailable": (503, "Cơ sở dữ liệu không phản hồi", "Database unavailable"),
    "database_busy": (503, "Hệ thống đang bận, vui lòng gửi lại", "Busy: send the same request again"),
    "sync_busy": (503, "Máy chủ đang xử lý nhiều lượt đồng bộ", "Busy with other sync batches"),
    "bank_unavailable": (503, "Ngân hàng tạm thời không phản hồi", "Bank temporarily unavailable"),
    "bank_rejected": (502, "Ngân hàng từ chối yêu cầu", "The bank rejected the request"),
    "qr_render_failed": (500, "Ảnh QR không quét lại được đúng nội dung", "Rendered QR did not scan back"),
    "qr_account_mismatch": (409, "Mã QR không khớp tài khoản đã đăng ký", "QR does not match the registered account"),
    "webhook_not_found": (404, "Không tìm thấy webhook", "Webhook not found"),
    "delivery_not_found": (404, "Không tìm thấy lần gửi webhook", "Webhook delivery not found"),
    "webhook_url_not_allowed": (422, "Địa chỉ webhook không được phép", "Webhook URL not allowed"),
    "too_many_webhooks": (409, "Ngân hàng đã có quá nhiều webhook", "Too many webhooks for this bank"),
    "internal_error": (500, "Lỗi hệ thống", "Internal server error"),
    "invalid_cursor": (422, "Con trỏ phân trang không hợp lệ", "Invalid cursor"),
    "image_too_large": (413, "Ảnh quá nhiều điểm ảnh", "Image has too many pixels"),
    # codes raised before the registry without a title of their own (they fell back to a generic one)
    "bad_request": (400, "Yêu cầu không hợp lệ", "Bad request"),
    "conflict": (409, "Xung đột với dữ liệu hiện tại", "Conflict with the current state"),
    "consent_not_found": (404, "Không tìm thấy sự đồng ý", "Consent not found"),
    "duplicate_street": (409, "Tuyến phố đã có", "Street already exists"),
    "merchant_closed": (409, "Cửa hàng đã đóng", "The shop is closed"),
    "qr_changed_concurrently": (409, "Mã QR hoặc tài khoản vừa được thay đổi", "QR or account changed concurrently"),
    "qr_dynamic_amount": (422, "Mã QR dán tại quầy không được có sẵn số tiền", "A sticker QR must not carry an amount"),
    "qr_invalid_crc": (422, "Mã kiểm tra CRC của QR sai", "QR CRC check failed"),
    "qr_invalid_field": (422, "Trường trong mã QR không hợp lệ", "Invalid field in the QR payload"),
    "qr_malformed": (422, "Mã QR sai cấu trúc", "Malformed QR payload"),
    "qr_missing_field": (422, "Mã QR thiếu trường bắt buộc", "QR payload misses a required field"),
    "qr_truncated": (422, "Mã QR bị cắt cụt", "Truncated QR payload"),
    "qr_unsupported": (422, "Loại mã QR không được hỗ trợ", "Unsupported QR payload"),
    "snapshot_future_day": (422, "Chưa thể chụp số liệu cho ngày này", "Cannot snapshot a future day"),
    "snapshot_past_day": (422, "Không thể ghi số liệu cho ngày đã qua", "Cannot record a past day"),
    "snapshot_not_found": (404, "Không có số liệu của ngày này", "No snapshot for that day"),
    "consent_withdrawn": (
        409,
        "Chủ cửa hàng đã rút lại sự đồng ý: dữ liệu không được gửi lại",
        "The owner withdrew consent: the data is not sent again",
    ),
    "qr_not_in_image": (422, "Không tìm thấy mã QR trong ảnh", "No QR code found in the photo"),
    # spreadsheet import (app/imports)
    "import_not_found": (404, "Không tìm thấy lần nhập", "Import not found"),
    "import_file_unreadable": (422, "Không đọc được tệp", "The file cannot be read"),
    "import_file_encrypted": (422, "Tệp được đặt mật khẩu", "The workbook is password-protected"),
    "import_file_formulas": (422, "Tệp chứa công thức", "The file holds formulas"),
    "import_header_merged": (422, "Dòng tiêu đề có ô gộp", "The header row has merged cells"),
    "import_header_missing": (422, "Thiếu cột bắt buộc", "Required columns missing"),
    "import_sheet_missing": (422, "Thiếu trang Shops", "The Shops sheet is missing"),
    "import_too_many_rows": (422, "Tệp quá nhiều dòng", "Too many rows"),
    "import_file_pruned": (410, "Tệp đã bị xóa theo thời hạn lưu giữ", "The file was deleted after its retention"),
    "idempotency_key_required": (428, "Thiếu Idempotency-Key", "Idempotency-Key required"),
    # accounts (app/users)
    "user_not_found": (404, "Không tìm thấy tài khoản", "User not found"),
    "username_taken": (409, "Tên đăng nhập đã có", "Username taken"),
    "own_account": (403, "Không được tự thay đổi quyền của mình", "You may not change your own rights"),
    "role_not_grantable": (403, "Không được cấp vai trò này", "Role not grantable"),
    "units_not_grantable": (403, "Không được cấp các đơn vị này", "Units not grantable"),
    "wrong_password": (422, "Mật khẩu hiện tại không đúng", "Wrong current password"),
}
# a code also answered with another status than its entry's, and why
ALSO: dict[str, tuple[int, ...]] = {
    "qr_account_mismatch": (502,),  # the bank answered for another account than the shop's (app.qrcodes.issuing)
}


@dataclass(frozen=True, slots=True)
class ProblemCode:
    code: str
    status: int
    vi: str
    en: str

    @property
    def statuses(self) -> tuple[int, ...]:
        return (self.status, *ALSO.get(self.code, ()))

    def error(self, detail_vi: str | None = None, detail_en: str | None = None, **kw: Any) -> AppError:
        """The exception a raise site raises: the `AppError` subclass of this status, with this code."""
        from app.core import errors  # errors renders titles through i18n, which reads this registry

        by_status: dict[int, type[errors.AppError]] = {
            c.status: c
            for c in (
                errors.Forbidden,
                errors.NotFound,
                errors.Conflict,
                errors.PreconditionFailed,
                errors.PreconditionRequired,
                errors.PayloadTooLarge,
                errors.UnsupportedMediaType,
                errors.BadGateway,
                errors.ServiceUnavailable,
            )
        }
        cls = by_status.get(self.status, errors.AppError)
        exc = cls(detail_vi or self.vi, detail_en or self.en, code=self.code, **kw)
        exc.status = self.status  # AppError itself for a status without a subclass of its own
        return exc


PROBLEMS: dict[str, ProblemCode] = {code: ProblemCode(code, *entry) for code, entry in DECLARED.items()}


def problem(code: str) -> ProblemCode:
    """The registry entry of `code`; a KeyError (at import, where raise sites name it) for an undeclared one."""
    return PROBLEMS[code]


def titles() -> dict[str, tuple[str, str]]:
    """code -> (vi, en): the shape `app.core.i18n.TITLES` always had."""
    return {p.code: (p.vi, p.en) for p in PROBLEMS.values()}
