"""Photo intake: refuse what is not a JPEG/PNG/HEIC image or is too large, read EXIF time and GPS,
keep the original byte for byte (SHA-256), and serve only a re-encoded, resized copy by default.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import uuid
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pillow_heif
from django.conf import settings
from django.utils import timezone
from PIL import Image, ImageOps, UnidentifiedImageError

from sanluanwu.core import files, params

pillow_heif.register_heif_opener()  # HEIC/HEIF from phone cameras

PREVIEW_EDGE = 1600
_FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "HEIF": ("image/heic", "heic")}


class PhotoRejected(ValueError):
    """The upload is not an acceptable photo; the message is for the user."""


@dataclass
class StoredPhoto:
    stored_name: str
    sha256: str
    content_type: str
    size: int
    width: int
    height: int
    taken_at: dt.datetime | None
    longitude: Decimal | None
    latitude: Decimal | None
    dhash: str = (
        ""  # a 64-bit difference hash of the picture (16 hex digits): near-identical pictures differ in few bits
    )


def difference_hash(img: Image.Image) -> str:
    """dHash: the picture in 9×8 grey, one bit per pair of horizontal neighbours. Survives resizing, recompression
    and small edits; two photos of the same scene taken apart differ in many bits."""
    small = img.convert("L").resize((9, 8), Image.Resampling.LANCZOS)
    px = list(small.getdata())
    bits = 0
    for row in range(8):
        for col in range(8):
            bits = (bits << 1) | (px[row * 9 + col] > px[row * 9 + col + 1])
    return f"{bits:016x}"


def hamming(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def _magic_kind(head: bytes) -> str | None:
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"mif1", b"msf1", b"heim", b"heis", b"hevc"):
        return "HEIF"
    return None


def root() -> Path:
    path = Path(settings.PHOTO_ROOT)
    files.private_dir(path / "originals")  # the service user's only (core.files)
    files.private_dir(path / "previews")
    return path


def original_path(stored_name: str, ext: str) -> Path:
    return root() / "originals" / f"{stored_name}.{ext}"


def preview_path(stored_name: str) -> Path:
    return root() / "previews" / f"{stored_name}.jpg"


def _ratio(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError, ZeroDivisionError):
        return 0.0


def _exif(img: Image.Image) -> tuple[dt.datetime | None, Decimal | None, Decimal | None]:
    try:
        exif = img.getexif()
    except Exception:  # broken EXIF must not lose the photo
        return None, None, None
    taken_at = None
    raw_time = exif.get_ifd(0x8769).get(36867) or exif.get(306)
    if isinstance(raw_time, str):
        try:
            taken_at = timezone.make_aware(dt.datetime.strptime(raw_time.strip("\x00 "), "%Y:%m:%d %H:%M:%S"))
        except ValueError:
            taken_at = None
    gps = exif.get_ifd(0x8825)
    lon = lat = None
    if gps.get(2) and gps.get(4):
        lat_v = sum(_ratio(v) / 60**i for i, v in enumerate(gps[2]))
        lon_v = sum(_ratio(v) / 60**i for i, v in enumerate(gps[4]))
        if gps.get(1) == "S":
            lat_v = -lat_v
        if gps.get(3) == "W":
            lon_v = -lon_v
        # A GPS tag is data from outside: only a finite point in China is kept (no NaN from a zero denominator).
        if lat_v and lon_v and params.latitude(lat_v) is not None and params.longitude(lon_v) is not None:
            lat = Decimal(f"{lat_v:.6f}")
            lon = Decimal(f"{lon_v:.6f}")
    return taken_at, lon, lat


def size_refusal(size: int) -> str | None:
    """Why a photo of `size` bytes is refused, or None; views ask it with the upload's size before reading it."""
    if size > settings.PHOTO_MAX_BYTES:
        return f"照片过大（{size / 1024 / 1024:.1f} MB），单张不超过 {settings.PHOTO_MAX_BYTES // 1024 // 1024} MB"
    return None


def store_photo(data: bytes, original_name: str) -> StoredPhoto:
    """Check, keep and derive; raises PhotoRejected with a Chinese message."""
    if refusal := size_refusal(len(data)):
        raise PhotoRejected(refusal)
    kind = _magic_kind(data[:16])
    if kind is None:
        raise PhotoRejected(f"“{original_name}”不是 JPEG、PNG 或 HEIC 照片，无法上传")
    Image.MAX_IMAGE_PIXELS = settings.PHOTO_MAX_PIXELS
    try:
        img = Image.open(io.BytesIO(data))
        if img.format not in _FORMATS or _FORMATS[img.format][1] != _FORMATS[kind][1]:
            raise PhotoRejected(f"“{original_name}”的内容与照片格式不符，无法上传")
        width, height = img.size
        if width * height > settings.PHOTO_MAX_PIXELS:
            raise PhotoRejected(
                f"照片像素过多（{width}×{height}），单张不超过 {settings.PHOTO_MAX_PIXELS // 1_000_000} 百万像素"
            )
        taken_at, lon, lat = _exif(img)
        img.load()  # decode every pixel: a truncated or crafted file fails here, not later
        preview = ImageOps.exif_transpose(img).convert("RGB")
        preview.thumbnail((PREVIEW_EDGE, PREVIEW_EDGE))
        out = io.BytesIO()
        preview.save(out, "JPEG", quality=82)
        dhash = difference_hash(preview)
    except PhotoRejected:
        raise
    except Image.DecompressionBombError:
        limit = settings.PHOTO_MAX_PIXELS // 1_000_000
        raise PhotoRejected(f"“{original_name}”像素过多，单张不超过 {limit} 百万像素") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise PhotoRejected(f"“{original_name}”无法作为照片读取，文件可能已损坏或不是照片") from None
    content_type, ext = _FORMATS[kind]
    stored_name = uuid.uuid4().hex
    # Write once: O_EXCL refuses to overwrite, and the file is made read-only, for the service user alone.
    path = original_path(stored_name, ext)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o400)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    fd = os.open(preview_path(stored_name), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, files.FILE_MODE)
    with os.fdopen(fd, "wb") as fh:
        fh.write(out.getvalue())
    return StoredPhoto(stored_name, hashlib.sha256(data).hexdigest(), content_type, len(data), width, height,
                       taken_at, lon, lat, dhash)  # fmt: skip


def extension_for(content_type: str) -> str:
    return next(ext for ct, ext in _FORMATS.values() if ct == content_type)
