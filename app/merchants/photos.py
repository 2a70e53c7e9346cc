"""Shop photos: the type is read from the bytes, not the name; the same bytes twice are one photo."""

from __future__ import annotations

import asyncio
import hashlib
import io
import sys
import uuid
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit
from app.auth import Principal
from app.core.config import Settings
from app.core.errors import NotFound, PayloadTooLarge, UnsupportedMediaType
from app.merchants.access import load_merchant
from app.merchants.models import Photo
from app.merchants.repository import MerchantRepository
from app.merchants.schemas import PhotoOut

SIGNATURES = ((b"\xff\xd8\xff", "image/jpeg", "jpg"), (b"\x89PNG\r\n\x1a\n", "image/png", "png"))


def sniff(data: bytes) -> tuple[str, str] | None:
    for magic, mime, ext in SIGNATURES:
        if data.startswith(magic):
            return mime, ext
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp", "webp"
    return None


def _pixels(data: bytes) -> int | None:
    """Width × height from the header alone (Image.open decodes nothing), or None when there is no header."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as img:
            width, height = img.size
    except Image.DecompressionBombError:  # Pillow's own ceiling (about 179 megapixels) is past ours anyway
        return sys.maxsize
    except Exception:  # not an image Pillow can even open
        return None
    return width * height


def _decodes(data: bytes) -> bool:
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as img:
            img.verify()
        return True
    except Exception:  # any decoder complaint means "not really an image"
        return False


def _store(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def to_out(photo: Photo) -> PhotoOut:
    return PhotoOut(
        id=photo.id,
        merchant_id=photo.merchant_id,
        content_type=photo.content_type,
        size_bytes=photo.size_bytes,
        sha256=photo.sha256,
        url=f"/api/v1/merchants/{photo.merchant_id}/photos/{photo.id}",
        created_at=photo.created_at,
    )


async def add_photo(
    session: AsyncSession, principal: Principal, settings: Settings, merchant_id: str, data: bytes
) -> tuple[int, PhotoOut]:
    merchant = await load_merchant(session, principal, merchant_id, write=True)
    if len(data) > settings.photo_max_bytes:
        raise PayloadTooLarge(
            f"Ảnh lớn hơn {settings.photo_max_bytes // (1024 * 1024)} MB",
            f"Photo larger than {settings.photo_max_bytes // (1024 * 1024)} MB",
        )
    kind = sniff(data)
    if kind is None:
        raise UnsupportedMediaType("Chỉ nhận ảnh JPEG, PNG hoặc WebP", "Only JPEG, PNG or WebP images", errors=[])
    pixels = _pixels(data)
    if pixels is not None and pixels > settings.photo_max_pixels:
        limit = settings.photo_max_pixels // 1_000_000
        raise PayloadTooLarge(
            f"Ảnh quá nhiều điểm ảnh (tối đa {limit} megapixel)",
            f"Image has too many pixels (at most {limit} megapixels)",
            code="image_too_large",
        )
    if pixels is None or not _decodes(data):
        raise UnsupportedMediaType("Chỉ nhận ảnh JPEG, PNG hoặc WebP", "Only JPEG, PNG or WebP images", errors=[])
    digest = hashlib.sha256(data).hexdigest()
    repo = MerchantRepository(session)
    existing = await repo.photo_by_hash(merchant.id, digest)
    if existing is not None:
        return 200, to_out(existing)
    photo_id = str(uuid.uuid4())
    path = Path(settings.media_dir) / merchant.id / f"{photo_id}.{kind[1]}"
    await asyncio.to_thread(_store, path, data)
    photo = Photo(
        id=photo_id,
        merchant_id=merchant.id,
        content_type=kind[0],
        size_bytes=len(data),
        sha256=digest,
        storage_path=str(path),
        uploaded_by=principal.id,
    )
    session.add(photo)
    await session.flush()
    await audit.record(
        session,
        principal,
        "merchant.photo",
        "merchant",
        merchant.id,
        after={"photo_id": photo_id, "sha256": digest, "size_bytes": len(data)},
    )
    return 201, to_out(photo)


async def get_photo(session: AsyncSession, principal: Principal, merchant_id: str, photo_id: str) -> Photo:
    await load_merchant(session, principal, merchant_id)
    photo = await MerchantRepository(session).photo(merchant_id, photo_id)
    if photo is None or not await asyncio.to_thread(Path(photo.storage_path).is_file):
        raise NotFound("Không tìm thấy ảnh", "Photo not found", code="photo_not_found")
    return photo
