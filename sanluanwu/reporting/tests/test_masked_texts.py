"""The reasons and comments of the report's cycle, and the 联系电话 the form offers again, are shown masked: anyone
who may open a period or a report reads them, and people write a mobile into them."""

from __future__ import annotations

import datetime as dt

from django.test import Client

from conftest import make_user, page_as
from sanluanwu.core.masking import mask_phone
from sanluanwu.reporting import services
from sanluanwu.reporting.tests.steps import fresh, slot_of, submit

D = dt.date
MOBILE, ID_NUMBER = "13812349876", "320483199001011234"
SAID = f"联系人{MOBILE} 身份证{ID_NUMBER}"


def test_a_due_date_reason_a_return_comment_and_a_reopening_are_shown_masked(summer, district, alice, ada, office,
                                                                            leo, travel):  # fmt: skip
    slot = slot_of(summer, D(2020, 7, 1), district["hutang"])
    services.move_due_date(actor=office, period=slot.period, due_on=D(2020, 7, 17), reason=f"系统维护，{SAID}")
    travel(D(2020, 7, 10))
    submit(alice, slot)
    services.return_report(actor=office, slot=slot, comment=f"数据有误，请联系{MOBILE}")
    submit(alice, slot, remark="已更正")
    services.accept_report(actor=office, slot=slot, comment="同意")
    services.request_reopen(actor=alice, slot=slot, reason=f"一户填错，经办人{MOBILE}")
    services.decide_reopen(actor=office, slot=slot, granted=False, comment=f"不予重开，问{MOBILE}")
    pages = [f"/reporting/slots/{slot.pk}/", f"/reporting/periods/{slot.period_id}/", "/reporting/"]
    niutang = make_user("niu_manager", "town_manager", district["niutang"])
    town = [pages[0], pages[2]]
    for user, urls in ((leo, pages), (ada, town), (alice, town), (office, pages), (niutang, ["/reporting/"])):
        for url in urls:
            html = page_as(user, url)
            assert MOBILE not in html and ID_NUMBER not in html, (user.username, url)
    html = page_as(office, f"/reporting/slots/{slot.pk}/")
    assert mask_phone(MOBILE) in html  # shown, masked


def test_the_last_phone_is_offered_masked_and_sent_back_as_shown_it_is_kept(summer, district, alice, travel):
    slot = slot_of(summer, D(2020, 7, 1), district["hutang"])
    travel(D(2020, 7, 10))
    submit(alice, slot, phone=MOBILE)
    next_slot = slot_of(summer, D(2020, 7, 16), district["hutang"])
    travel(D(2020, 7, 20))
    html = page_as(alice, f"/reporting/slots/{next_slot.pk}/")
    assert MOBILE not in html and f'value="{mask_phone(MOBILE)}"' in html
    client = Client()
    client.force_login(alice)
    response = client.post(f"/reporting/slots/{next_slot.pk}/", {
        "action": "submit", "version": fresh(next_slot).version, "filler": "张填表", "reviewer": "李审核",
        "phone": mask_phone(MOBILE), "remark": ""})  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    assert fresh(next_slot).reports.get().phone == MOBILE
    # A masked number the unit never gave is no number: refused, not stored with its asterisks.
    other = slot_of(summer, D(2020, 8, 1), district["hutang"])
    travel(D(2020, 8, 5))
    client.force_login(alice)  # (weeks later: a new session)
    response = client.post(f"/reporting/slots/{other.pk}/", {
        "action": "submit", "version": fresh(other).version, "filler": "张填表", "reviewer": "李审核",
        "phone": "139****0000", "remark": ""})  # fmt: skip
    assert response.status_code == 400 and "不像电话号码" in response.content.decode()
    assert not fresh(other).reports.exists()
