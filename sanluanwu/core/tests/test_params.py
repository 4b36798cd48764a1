from __future__ import annotations

import pytest

from sanluanwu.core import params
from sanluanwu.core.errors import ValidationFailed


@pytest.mark.parametrize("value", [None, "", "abc", "nan", "NaN", "inf", "-inf", "1e999", "1e308", float("nan"),
                                   float("inf"), True, [], "1" * 60])  # fmt: skip
def test_a_longitude_that_is_no_finite_number_in_china_is_none(value):
    assert params.longitude(value) is None


def test_finite_numbers_in_range_pass_and_minus_zero_is_plain_zero():
    assert params.longitude(" 119.96 ") == 119.96 and params.latitude(31.7) == 31.7
    zero = params.finite_float("-0", lo=-1, hi=1)
    assert zero == 0.0 and str(zero) == "0.0"


@pytest.mark.parametrize("value", [None, "", "0", "-1", "1.0", "1e3", "²", "１", "9223372036854775808",
                                   "99999999999999999999", 0, -3, 2**63, True])  # fmt: skip
def test_an_id_outside_1_to_2_63_minus_1_is_none(value):
    assert params.pk(value) is None


def test_ids_in_range_pass():
    assert params.pk("9223372036854775807") == 2**63 - 1 and params.pk(" 42 ") == 42 and params.pk(7) == 7


@pytest.mark.parametrize(("value", "expected"), [(None, 50), ("", 50), (" 20 ", 20), ("1", 1), ("200", 200)])
def test_a_page_size_is_read_or_defaulted(value, expected):
    from sanluanwu.core.pagination import page_size

    assert page_size(value, default=50) == expected


@pytest.mark.parametrize("value", ["-1", "0", "201", "999999", "²", "99999999999999999999", "1e3", "abc"])
def test_a_page_size_that_is_none_is_refused_naming_it_not_clipped(value):
    # Was clipped or defaulted (bounded_int, removed): a page of another size than asked for, unsaid.
    from sanluanwu.core.errors import ValidationFailed
    from sanluanwu.core.pagination import page_size

    with pytest.raises(ValidationFailed) as refused:
        page_size(value, default=50)
    assert list(refused.value.errors) == ["page_size"] and "1 至 200" in refused.value.text


@pytest.mark.parametrize("value", ["-1", "+1", "-0", "1 2", "1.0", "1e3", "0x10", "١٢", "１", "²", "", "abc",
                                   "2147483648", "99999999999999999999", pytest.param("9" * 5000, id="5000 digits"),
                                   2**31, -1, pytest.param(10**400, id="10**400"), True, 1.0, float("nan"), None, [],
                                   {}])  # fmt: skip
def test_a_non_negative_integer_refuses_signs_non_digits_and_huge_values_with_a_chinese_message(value):
    with pytest.raises(ValidationFailed) as refused:
        params.non_negative_int(value, field="version", label="版本号")
    assert refused.value.status_code == 400
    [message] = refused.value.errors["version"]
    assert message.startswith("版本号“") and "0 至 2147483647 的整数" in message and len(message) < 100


def test_a_non_negative_integer_in_range_passes():
    assert params.non_negative_int(" 42 ", field="n", label="n") == 42
    assert (
        params.non_negative_int("0", field="n", label="n") == 0
        and params.non_negative_int(7, field="n", label="n") == 7
    )
    assert params.non_negative_int("2147483647", field="n", label="n") == 2**31 - 1
    assert params.non_negative_int("100", field="n", label="n", hi=100) == 100
