from __future__ import annotations

from decimal import Decimal

import pytest

from sanluanwu.core import geo

EXPECTED = (Decimal("119.956700"), Decimal("31.712300"))
DMS = (Decimal("119.956667"), Decimal("31.712222"))  # 119°57′24″E, 31°42′44″N


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("119.9567, 31.7123", EXPECTED),
        ("31.7123, 119.9567", EXPECTED),
        ("31.7123,119.9567", EXPECTED),
        ("119.9567 31.7123", EXPECTED),
        ("１１９．９５６７，３１．７１２３", EXPECTED),
        ("119.9567；31.7123", EXPECTED),
        ("E119.9567 N31.7123", EXPECTED),
        ("31.7123N, 119.9567E", EXPECTED),
        ("119°57′24″E, 31°42′44″N", DMS),
        ("31°42′44″N 119°57′24″E", DMS),
        ("119°57'24\"E,31°42'44\"N", DMS),
        ("东经119°57′24″ 北纬31°42′44″", DMS),
        ("119度57分24秒, 31度42分44秒", DMS),
    ],
)
def test_every_coordinate_form_lands_on_the_same_spot(text: str, expected: tuple[Decimal, Decimal]) -> None:
    point = geo.to_point(text)
    assert (point.lon, point.lat) == expected


@pytest.mark.parametrize("text", ["", "abc", "119.9", "1, 2", "119.9567, 119.9567", "31.7, 31.8", "119.9W, 31.7N"])
def test_unreadable_coordinates_are_refused_with_a_chinese_message(text: str) -> None:
    with pytest.raises(geo.CoordinateError) as exc:
        geo.to_point(text)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in str(exc.value))


def test_gcj02_forward_transform_matches_the_published_reference_point() -> None:
    # Reference vector of the public eviltransform test suite (Shanghai).
    lon, lat = geo.wgs84_to_gcj02(121.5272106, 31.1774276)
    assert lon == pytest.approx(121.531541859215, abs=1e-9)
    assert lat == pytest.approx(31.17530398364597, abs=1e-9)


def test_gcj02_input_is_converted_back_to_wgs84_within_a_centimetre() -> None:
    lon, lat = geo.gcj02_to_wgs84(121.531541859215, 31.17530398364597)
    assert geo.distance_m(lon, lat, 121.5272106, 31.1774276) < 0.01


def test_gcj02_offset_in_wujin_is_hundreds_of_metres_and_removed_on_input() -> None:
    wgs = (119.9567, 31.7123)
    gcj = geo.wgs84_to_gcj02(*wgs)
    assert 300 < geo.distance_m(*wgs, *gcj) < 800
    point = geo.to_point(f"{gcj[0]:.7f}, {gcj[1]:.7f}", geo.DATUM_GCJ02)
    assert geo.distance_m(*point.as_floats(), *wgs) < 0.2


def test_polygon_and_bbox_containment() -> None:
    square = {"type": "Polygon", "coordinates": [[[0, 0], [2, 0], [2, 2], [0, 2], [0, 0]]]}
    assert geo.boundary_contains(square, 1, 1) is True
    assert geo.boundary_contains(square, 3, 1) is False
    assert geo.boundary_contains({"bbox": [0, 0, 1, 1]}, 0.5, 0.5) is True
    assert geo.boundary_contains(None, 0.5, 0.5) is None
