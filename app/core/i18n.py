"""User-facing messages in Vietnamese (default) and English, chosen by Accept-Language."""

from __future__ import annotations

from typing import Literal

Lang = Literal["vi", "en"]
DEFAULT_LANG: Lang = "vi"

# code -> (vi title, en title); a detail is passed by the raiser in both languages when it carries data.
TITLES: dict[str, tuple[str, str]] = {
    "validation_error": ("Dữ liệu không hợp lệ", "Invalid input"),
    "not_found": ("Không tìm thấy", "Not found"),
    "method_not_allowed": ("Phương thức không được hỗ trợ", "Method not allowed"),
    "not_authenticated": ("Chưa đăng nhập", "Not authenticated"),
    "invalid_token": ("Mã truy cập không hợp lệ hoặc đã hết hạn", "Invalid or expired token"),
    "invalid_credentials": ("Sai tên đăng nhập hoặc mật khẩu", "Wrong username or password"),
    "refresh_token_reused": ("Mã làm mới đã được dùng", "Refresh token already used"),
    "too_many_requests": ("Quá nhiều yêu cầu", "Too many requests"),
    "forbidden": ("Không có quyền", "Forbidden"),
    "unit_not_found": ("Không tìm thấy đơn vị hành chính", "Administrative unit not found"),
    "street_not_found": ("Không tìm thấy tuyến phố", "Street not found"),
    "bank_not_found": ("Không tìm thấy ngân hàng", "Bank not found"),
    "merchant_not_found": ("Không tìm thấy cửa hàng", "Merchant not found"),
    "qr_not_found": ("Không tìm thấy mã QR", "QR code not found"),
    "photo_not_found": ("Không tìm thấy ảnh", "Photo not found"),
    "duplicate_account": (
        "Tài khoản ngân hàng đã được đăng ký cho cửa hàng khác",
        "Bank account already registered",
    ),
    "duplicate_phone": ("Số điện thoại đã được đăng ký cho cửa hàng khác", "Phone already registered"),
    "duplicate_id": ("Mã cửa hàng đã tồn tại với nội dung khác", "Merchant id already used with other data"),
    "idempotency_key_reused": (
        "Idempotency-Key đã được dùng cho một yêu cầu khác",
        "Idempotency-Key reused with a different request",
    ),
    "idempotency_in_progress": ("Yêu cầu trùng đang được xử lý", "The same request is still being processed"),
    "version_conflict": ("Dữ liệu đã bị người khác thay đổi", "The resource was changed by someone else"),
    "if_match_required": ("Thiếu tiêu đề If-Match", "If-Match header required"),
    "invalid_state": ("Thao tác không hợp lệ ở trạng thái hiện tại", "Not allowed in the current state"),
    "self_review": ("Không được tự duyệt hồ sơ mình đăng ký", "You cannot review your own registration"),
    "payload_too_large": ("Tệp quá lớn", "File too large"),
    "unsupported_media_type": ("Định dạng tệp không được hỗ trợ", "Unsupported file type"),
    "database_unavailable": ("Cơ sở dữ liệu không phản hồi", "Database unavailable"),
    "database_busy": ("Hệ thống đang bận, vui lòng gửi lại", "Busy: send the same request again"),
    "sync_busy": ("Máy chủ đang xử lý nhiều lượt đồng bộ", "Busy with other sync batches"),
    "bank_unavailable": ("Ngân hàng tạm thời không phản hồi", "Bank temporarily unavailable"),
    "bank_rejected": ("Ngân hàng từ chối yêu cầu", "The bank rejected the request"),
    "qr_render_failed": ("Ảnh QR không quét lại được đúng nội dung", "Rendered QR did not scan back"),
    "qr_account_mismatch": (
        "Mã QR không khớp tài khoản đã đăng ký",
        "QR does not match the registered account",
    ),
    "webhook_not_found": ("Không tìm thấy webhook", "Webhook not found"),
    "delivery_not_found": ("Không tìm thấy lần gửi webhook", "Webhook delivery not found"),
    "webhook_url_not_allowed": ("Địa chỉ webhook không được phép", "Webhook URL not allowed"),
    "too_many_webhooks": ("Ngân hàng đã có quá nhiều webhook", "Too many webhooks for this bank"),
    "internal_error": ("Lỗi hệ thống", "Internal server error"),
    "invalid_cursor": ("Con trỏ phân trang không hợp lệ", "Invalid cursor"),
    "image_too_large": ("Ảnh quá nhiều điểm ảnh", "Image has too many pixels"),
    "import_not_found": ("Không tìm thấy lần nhập", "Import not found"),
    "import_file_unreadable": ("Không đọc được tệp", "The file cannot be read"),
    "import_file_encrypted": ("Tệp được đặt mật khẩu", "The workbook is password-protected"),
    "import_file_formulas": ("Tệp chứa công thức", "The file holds formulas"),
    "import_header_merged": ("Dòng tiêu đề có ô gộp", "The header row has merged cells"),
    "import_header_missing": ("Thiếu cột bắt buộc", "Required columns missing"),
    "import_sheet_missing": ("Thiếu trang Shops", "The Shops sheet is missing"),
    "import_too_many_rows": ("Tệp quá nhiều dòng", "Too many rows"),
    "idempotency_key_required": ("Thiếu Idempotency-Key", "Idempotency-Key required"),
}

FIELD_MESSAGES: dict[str, tuple[str, str]] = {
    "missing": ("Trường bắt buộc", "Field required"),
    "string_too_long": ("Quá dài", "Too long"),
    "string_too_short": ("Quá ngắn", "Too short"),
    "string_pattern_mismatch": ("Sai định dạng", "Wrong format"),
    "literal_error": ("Giá trị không được chấp nhận", "Value not allowed"),
    "enum": ("Giá trị không được chấp nhận", "Value not allowed"),
    "int_parsing": ("Phải là số nguyên", "Must be an integer"),
    "float_parsing": ("Phải là số", "Must be a number"),
    "uuid_parsing": ("Phải là UUID", "Must be a UUID"),
    "greater_than_equal": ("Giá trị quá nhỏ", "Value too small"),
    "less_than_equal": ("Giá trị quá lớn", "Value too large"),
    "json_invalid": ("JSON không hợp lệ", "Invalid JSON"),
    "extra_forbidden": ("Trường không được phép", "Unknown field"),
}


def pick_lang(accept_language: str | None) -> Lang:
    """Honour q-values; anything but English falls back to Vietnamese."""
    if not accept_language:
        return DEFAULT_LANG
    best: tuple[float, Lang] = (-1.0, DEFAULT_LANG)
    for part in accept_language.split(","):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in ("vi", "en") and q > best[0]:
            best = (q, primary)  # type: ignore[assignment]
    return best[1]


def title(code: str, lang: Lang) -> str:
    vi, en = TITLES.get(code, ("Yêu cầu không hợp lệ", "Bad request"))
    return vi if lang == "vi" else en


def field_message(error_type: str, fallback: str, lang: Lang) -> str:
    pair = FIELD_MESSAGES.get(error_type)
    if pair is None:
        return fallback
    return pair[0] if lang == "vi" else pair[1]
