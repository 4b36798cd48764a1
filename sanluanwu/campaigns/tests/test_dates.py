"""A campaign's dates are read by every table and every period: a date out of the system's range or a document issued
after the campaign ended is refused with the field named (helper-41: 1900-01-01 and 9999-12-31 were saved)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from sanluanwu.campaigns.models import Campaign

D = dt.date


@pytest.mark.parametrize("field, day, message", [
    ("issued_on", D(1900, 1, 1), "印发日期（1900-01-01）不在合理范围内（2000-01-01 至 2099-12-31），请检查年份"),
    ("issued_on", D(9999, 12, 31), "印发日期（9999-12-31）不在合理范围内（2000-01-01 至 2099-12-31），请检查年份"),
    ("starts_on", D(1999, 12, 31), "开始日期（1999-12-31）不在合理范围内（2000-01-01 至 2099-12-31），请检查年份"),
    ("ends_on", D(2100, 1, 1), "结束日期（2100-01-01）不在合理范围内（2000-01-01 至 2099-12-31），请检查年份"),
    ("issued_on", D(2020, 12, 1), "印发日期不能晚于专项行动的结束日期"),
])  # fmt: skip
def test_a_campaign_date_out_of_range_or_a_document_issued_after_the_end_is_refused_naming_the_field(field, day,
                                                                                                   message):  # fmt: skip
    campaign = Campaign(name="日期检查", issued_on=D(2020, 6, 20), starts_on=D(2020, 7, 1), ends_on=D(2020, 10, 8))
    setattr(campaign, field, day)
    with pytest.raises(ValidationError) as refused:
        campaign.clean()
    assert refused.value.message_dict[field] == [message]


def test_a_document_issued_before_or_during_the_campaign_is_taken():
    for issued in (D(2020, 6, 20), D(2020, 7, 15), D(2020, 10, 8)):
        Campaign(name="日期检查", issued_on=issued, starts_on=D(2020, 7, 1), ends_on=D(2020, 10, 8)).clean()
