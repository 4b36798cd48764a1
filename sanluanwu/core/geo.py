"""Coordinates: parsing what officials type, datum conversion, distances, containment.

Stored coordinates are WGS-84 / CGCS2000 decimal degrees (the two differ by centimetres, below what
a phone or a map gives). GCJ-02 input (Gaode/Tencent maps) is converted on input; the text as typed
is kept beside the stored point.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sanluanwu.core.text import to_halfwidth

DATUM_WGS84 = "wgs84"
DATUM_GCJ02 = "gcj02"
DATUM_CHOICES = [
    (DATUM_WGS84, "WGS-84 / CGCS2000（GPS、天地图、国家标准）"),
    (DATUM_GCJ02, "GCJ-02（高德、腾讯地图）"),
]

# Longitude and latitude ranges of China; a value in one range and not the other tells the order.
_LON_RANGE = (73.0, 136.0)
_LAT_RANGE = (3.0, 54.0)
# China's extent, for bounding coordinates that come from outside (core.params).
LON_RANGE, LAT_RANGE = _LON_RANGE, _LAT_RANGE
# GCJ-02 is defined on the Krasovsky 1940 ellipsoid radius.
_EARTH_R = 6378245.0
_EE = 0.00669342162296594323

_NUMBER = r"[-+]?\d+(?:\.\d+)?"
_DMS = re.compile(
    r"(?P<hemi1>[NSEW东西南北]|东经|北纬)?\s*"
    r"(?P<deg>\d+(?:\.\d+)?)\s*(?:°|度|d|:)\s*"
    r"(?:(?P<min>\d+(?:\.\d+)?)\s*(?:'|分|m|:)\s*)?"
    r"(?:(?P<sec>\d+(?:\.\d+)?)\s*(?:\"|秒|s)?\s*)?"
    r"(?P<hemi2>[NSEW东西南北])?",
    re.IGNORECASE,
)


class CoordinateError(ValueError):
    """The text is not a coordinate pair we can read; the message is for the user (Chinese)."""


@dataclass(frozen=True)
class Point:
    lon: Decimal
    lat: Decimal

    def as_floats(self) -> tuple[float, float]:
        return float(self.lon), float(self.lat)


def _quantize(value: float) -> Decimal:
    # Six decimals are about 0.1 m: more than any phone or map gives.
    return Decimal(str(value)).quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)


def _normalise(text: str) -> str:
    text = to_halfwidth(text).strip()
    # NFKC turns ′ ″ into ' and '' ; unify separators.
    text = text.replace("，", ",").replace("；", ";").replace("、", ",")
    # NFKC writes ″ as two primes; unify every minute/second mark to ' and ".
    for mark, ascii_mark in (("′′", '"'), ("″", '"'), ("′", "'"), ("’’", '"'), ("”", '"'), ("“", '"'), ("’", "'")):
        text = text.replace(mark, ascii_mark)
    text = text.replace("''", '"')
    return text


def _parse_component(part: str) -> tuple[float, str | None]:
    """One coordinate: decimal or degrees-minutes-seconds, with an optional hemisphere letter."""
    part = part.strip()
    m = re.fullmatch(r"([NSEW]|东经|北纬)?\s*(" + _NUMBER + r")\s*°?\s*([NSEW])?", part, re.IGNORECASE)
    if m:
        hemi = (m.group(1) or m.group(3) or "").upper() or None
        value = float(m.group(2))
        return value, _hemisphere(hemi)
    m = _DMS.fullmatch(part)
    if m and (m.group("min") or m.group("sec") or "°" in part or "度" in part):
        value = float(m.group("deg")) + float(m.group("min") or 0) / 60 + float(m.group("sec") or 0) / 3600
        hemi = m.group("hemi1") or m.group("hemi2")
        return value, _hemisphere(hemi.upper() if hemi else None)
    raise CoordinateError(f"无法识别“{part}”：请填写十进制度（如 119.9567）或度分秒（如 119°57′24″E）")


def _hemisphere(letter: str | None) -> str | None:
    if not letter:
        return None
    return {
        "E": "E",
        "东": "E",
        "东经": "E",
        "W": "W",
        "西": "W",
        "N": "N",
        "北": "N",
        "北纬": "N",
        "S": "S",
        "南": "S",
    }[letter]


def _split_pair(text: str) -> list[str]:
    for sep in (",", ";", "/", "|"):
        if sep in text:
            parts = [p for p in text.split(sep) if p.strip()]
            if len(parts) == 2:
                return parts
    # "119°57′24″E 31°42′44″N" or "119.9567 31.7123": split after a hemisphere letter or on spaces.
    m = re.fullmatch(r"(.+?[NSEW])\s*(.+)", text, re.IGNORECASE)
    if m and re.search(r"\d", m.group(2)):
        return [m.group(1), m.group(2)]
    m = re.fullmatch(r"((?:东经|北纬).+?)\s*((?:东经|北纬).+)", text)
    if m:
        return [m.group(1), m.group(2)]
    parts = text.split()
    if len(parts) == 2:
        return parts
    raise CoordinateError("请填写经度和纬度两个数值，用逗号分隔，如“119.9567, 31.7123”")


_PLAIN_DECIMAL_PAIR = re.compile(r"\s*(\d+(?:\.\d+)?)\s*,\s*(\d+(?:\.\d+)?)\s*", re.ASCII)


def parse_coordinates(text: str) -> tuple[float, float]:
    """Read "lon, lat" in any order, decimal or DMS; return (lon, lat) in the input's datum."""
    plain = _PLAIN_DECIMAL_PAIR.fullmatch(text)
    if plain:  # the common "119.9567, 31.7123" (either order): no normalising or splitting needed
        return _assign([(float(plain[1]), None), (float(plain[2]), None)])
    text = _normalise(text)
    if not text:
        raise CoordinateError("经纬度为空")
    first, second = (_parse_component(p) for p in _split_pair(text))
    return _assign([first, second])


def _assign(components: list[tuple[float, str | None]]) -> tuple[float, float]:
    """Which of two numbers is the longitude: by hemisphere letter, else by China's ranges."""
    values: dict[str, float] = {}
    unknown: list[float] = []
    for value, hemi in components:
        if hemi in ("W", "S"):
            raise CoordinateError("经纬度应为东经、北纬（武进区位于东经约 120°、北纬约 31.7°）")
        if hemi == "E":
            values["lon"] = value
        elif hemi == "N":
            values["lat"] = value
        else:
            unknown.append(value)
    for value in unknown:
        is_lon = _LON_RANGE[0] <= value <= _LON_RANGE[1]
        is_lat = _LAT_RANGE[0] <= value <= _LAT_RANGE[1]
        if is_lon and not is_lat and "lon" not in values:
            values["lon"] = value
        elif is_lat and not is_lon and "lat" not in values:
            values["lat"] = value
        else:
            raise CoordinateError(f"数值 {value} 既不像中国境内的经度（73～136），也不像纬度（3～54）")
    if "lon" not in values or "lat" not in values:
        raise CoordinateError("没有同时识别出经度和纬度，请检查是否填了两个经度或两个纬度")
    return values["lon"], values["lat"]


def _transform(x: float, y: float) -> tuple[float, float]:
    xy = x * y
    abs_x = math.sqrt(abs(x))
    x_pi, y_pi = x * math.pi, y * math.pi
    d = 20.0 * math.sin(6.0 * x_pi) + 20.0 * math.sin(2.0 * x_pi)
    lat = d + 20.0 * math.sin(y_pi) + 40.0 * math.sin(y_pi / 3.0)
    lon = d + 20.0 * math.sin(x_pi) + 40.0 * math.sin(x_pi / 3.0)
    lat += 160.0 * math.sin(y_pi / 12.0) + 320 * math.sin(y_pi / 30.0)
    lon += 150.0 * math.sin(x_pi / 12.0) + 300.0 * math.sin(x_pi / 30.0)
    lat *= 2.0 / 3.0
    lon *= 2.0 / 3.0
    lat += -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * xy + 0.2 * abs_x
    lon += 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * xy + 0.1 * abs_x
    return lat, lon


def _delta(lon: float, lat: float) -> tuple[float, float]:
    d_lat, d_lon = _transform(lon - 105.0, lat - 35.0)
    rad_lat = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(rad_lat) ** 2
    sqrt_magic = math.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_EARTH_R * (1 - _EE)) / (magic * sqrt_magic) * math.pi)
    d_lon = (d_lon * 180.0) / (_EARTH_R / sqrt_magic * math.cos(rad_lat) * math.pi)
    return d_lon, d_lat


def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    d_lon, d_lat = _delta(lon, lat)
    return lon + d_lon, lat + d_lat


def gcj02_to_wgs84(lon: float, lat: float) -> tuple[float, float]:
    """Invert the published forward transform by fixed-point iteration (error below 1e-7 degrees)."""
    w_lon, w_lat = lon, lat
    for _ in range(30):
        g_lon, g_lat = wgs84_to_gcj02(w_lon, w_lat)
        e_lon, e_lat = g_lon - lon, g_lat - lat
        w_lon, w_lat = w_lon - e_lon, w_lat - e_lat
        if abs(e_lon) < 1e-10 and abs(e_lat) < 1e-10:
            break
    return w_lon, w_lat


def to_point(text: str, datum: str = DATUM_WGS84) -> Point:
    """Parse typed text and return the stored WGS-84 point."""
    lon, lat = parse_coordinates(text)
    return point_from(lon, lat, datum)


def point_from(lon: float, lat: float, datum: str = DATUM_WGS84) -> Point:
    """The stored WGS-84 point for a lon/lat read in `datum`."""
    if datum == DATUM_GCJ02:
        lon, lat = gcj02_to_wgs84(lon, lat)
    elif datum != DATUM_WGS84:
        raise CoordinateError("坐标系只能是 WGS-84/CGCS2000 或 GCJ-02")
    return Point(_quantize(lon), _quantize(lat))


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    r = 6371008.8
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


def degrees_box(lon: float, lat: float, metres: float) -> tuple[float, float, float, float]:
    """A lon/lat box around a point that contains every point within `metres` (index pre-filter)."""
    d_lat = metres / 111_320.0
    d_lon = metres / (111_320.0 * max(math.cos(math.radians(lat)), 0.01))
    return lon - d_lon, lat - d_lat, lon + d_lon, lat + d_lat


def boundary_contains(boundary: dict[str, Any] | None, lon: float, lat: float) -> bool | None:
    """Whether a GeoJSON-like Polygon, or a bbox [min_lon, min_lat, max_lon, max_lat], holds the point.

    None when the boundary is unknown, so callers can tell "outside" from "cannot say".
    """
    if not boundary:
        return None
    if boundary.get("type") == "Polygon":
        ring = boundary["coordinates"][0]
        return _point_in_ring(lon, lat, ring)
    if "bbox" in boundary:
        x0, y0, x1, y1 = boundary["bbox"]
        return x0 <= lon <= x1 and y0 <= lat <= y1
    return None


def _point_in_ring(x: float, y: float, ring: list[list[float]]) -> bool:
    inside = False
    n = len(ring)
    j = n - 1
    for i in range(n):
        xi, yi = ring[i]
        xj, yj = ring[j]
        if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def format_point(lon: Decimal | float | None, lat: Decimal | float | None) -> str:
    """How a point is written in 附件2 and on pages: "119.956700, 31.712300" (longitude first)."""
    if lon is None or lat is None:
        return ""
    return f"{Decimal(lon):.6f}, {Decimal(lat):.6f}"
