"""Photos: EXIF read, originals kept unchanged, previews re-encoded; hostile uploads refused; scoped access."""

from __future__ import annotations

import hashlib
import io
import struct

import pytest
from PIL import Image

from sanluanwu.core.errors import ValidationFailed
from sanluanwu.lookback import services


@pytest.fixture(autouse=True)
def _photo_root(settings, tmp_path):
    settings.PHOTO_ROOT = tmp_path / "photos"


def jpeg_with_exif(lon: float = 119.9651, lat: float = 31.7252, size=(800, 600)) -> bytes:
    img = Image.new("RGB", size, (180, 120, 60))
    exif = Image.Exif()
    exif[0x8769] = {36867: "2020:07:15 09:30:00"}
    gps = {1: "N", 2: _dms(lat), 3: "E", 4: _dms(lon)}
    exif[0x8825] = gps
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif)
    return out.getvalue()


def _dms(value: float) -> tuple[float, float, float]:
    d = int(value)
    m = int((value - d) * 60)
    s = round(((value - d) * 60 - m) * 60, 4)
    return (float(d), float(m), float(s))


def _inspection(actor, target):
    return services.start_inspection(actor=actor, target=target)


def test_exif_time_and_position_are_read_and_the_original_kept_byte_for_byte(ada, shut_target):
    from sanluanwu.core.photos import extension_for, original_path

    data = jpeg_with_exif()
    photo = services.add_photo(actor=ada, inspection=_inspection(ada, shut_target), data=data, filename="IMG_0001.JPG",
                               item="producing")  # fmt: skip
    assert photo.sha256 == hashlib.sha256(data).hexdigest()
    assert photo.taken_at.strftime("%Y-%m-%d %H:%M") == "2020-07-15 09:30"
    assert float(photo.longitude) == pytest.approx(119.9651, abs=1e-5) and float(photo.latitude) == pytest.approx(
        31.7252, abs=1e-5
    )
    assert original_path(photo.stored_name, extension_for(photo.content_type)).read_bytes() == data


def test_png_and_heic_from_phones_are_accepted(ada, shut_target):
    inspection = _inspection(ada, shut_target)
    for fmt, name in (("PNG", "a.png"), ("HEIF", "b.heic")):
        out = io.BytesIO()
        Image.new("RGB", (320, 240), "blue").save(out, fmt)
        photo = services.add_photo(actor=ada, inspection=inspection, data=out.getvalue(), filename=name)
        assert photo.width == 320 and photo.content_type in ("image/png", "image/heic")


def test_a_renamed_text_file_is_refused(ada, shut_target):
    with pytest.raises(ValidationFailed) as exc:
        services.add_photo(actor=ada, inspection=_inspection(ada, shut_target), data=b"hello world" * 100,
                           filename="photo.jpg")  # fmt: skip
    assert "不是 JPEG、PNG 或 HEIC" in exc.value.errors["photo"][0]


def test_a_huge_file_is_refused(ada, shut_target, settings):
    settings.PHOTO_MAX_BYTES = 1024 * 1024
    with pytest.raises(ValidationFailed) as exc:
        services.add_photo(actor=ada, inspection=_inspection(ada, shut_target), data=b"\xff\xd8\xff" + b"0" * 2_000_000,
                           filename="big.jpg")  # fmt: skip
    assert "照片过大" in exc.value.errors["photo"][0]


def test_an_image_bomb_is_refused_without_decoding_it(ada, shut_target):
    # A PNG header claiming 30000 × 30000 pixels (900 MP) with almost no data behind it.
    def chunk(kind: bytes, body: bytes) -> bytes:
        import zlib

        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    bomb = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 30000, 30000, 8, 2, 0, 0, 0))
        + chunk(b"IEND", b"")
    )
    with pytest.raises(ValidationFailed) as exc:
        services.add_photo(actor=ada, inspection=_inspection(ada, shut_target), data=bomb, filename="bomb.png")
    assert "像素" in exc.value.errors["photo"][0] or "无法作为照片读取" in exc.value.errors["photo"][0]


def test_a_truncated_jpeg_is_refused(ada, shut_target):
    data = jpeg_with_exif()[:400]
    with pytest.raises(ValidationFailed):
        services.add_photo(actor=ada, inspection=_inspection(ada, shut_target), data=data, filename="cut.jpg")


def test_another_towns_user_gets_404_for_a_photo(client, ada, bob, shut_target):
    photo = services.add_photo(actor=ada, inspection=_inspection(ada, shut_target), data=jpeg_with_exif(),
                               filename="a.jpg")  # fmt: skip
    client.force_login(bob)
    assert client.get(f"/lookback/photos/{photo.pk}/").status_code == 404
    assert client.get(f"/lookback/photos/{photo.pk}/original/").status_code == 404
    client.force_login(ada)
    response = client.get(f"/lookback/photos/{photo.pk}/")
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content)[:3] == b"\xff\xd8\xff"
