"""Personal data (个人信息保护法): phone and ID numbers masked in every output, revealed only by an audited action,
exported in clear only with the permission and a reason, original sheets only for those who may see them, and no
credit-code existence oracle between towns."""

from __future__ import annotations

import hashlib
import io
import zipfile
from typing import Any

import openpyxl
import pytest
from django.test import Client
from rest_framework.test import APIClient

from conftest import make_case, walk_case
from sanluanwu.audit.models import AuditEvent
from sanluanwu.core.errors import PermissionDenied, ValidationFailed
from sanluanwu.core.masking import mask_id_number, mask_phone, mask_text
from sanluanwu.registry import services
from sanluanwu.registry.models import CreditCodeClash, Enterprise

PHONE, MASKED = "13812345678", "138****5678"
ID_NUMBER = "320411199001011234"
CODE = "91320412MA1MA2N71K"  # a valid GB 32100 code


def _login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _body(response: Any) -> str:
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    return raw.decode("utf-8", "replace")


def _xlsx_text(content: bytes) -> str:
    wb = openpyxl.load_workbook(io.BytesIO(content))
    return "\n".join(str(c.value) for ws in wb for row in ws.iter_rows() for c in row if c.value is not None)


# The masks.


def test_a_mobile_a_landline_and_an_id_number_are_masked_keeping_only_a_recognisable_part():
    assert mask_phone(PHONE) == MASKED
    assert mask_phone("0519-86310000") == "0519-****0000"  # a landline keeps its area code: the city, not the line
    assert mask_phone("010-12345678") == mask_text("01012345678").replace("010", "010-", 1) == "010-****5678"
    assert mask_phone("0510-8123456") == "0510-****456"  # a 7-digit number: still four digits hidden
    assert mask_phone("86310000") == "****0000"
    assert mask_id_number(ID_NUMBER) == "3204**********1234"
    assert mask_id_number("32041119900101123X") == "3204**********123X"


def test_numbers_in_free_text_are_masked_and_dates_amounts_and_credit_codes_are_not():
    text = f"负责人张三（身份证{ID_NUMBER}），电话 138 1234 5678，2020年7月15日罚款5000元，信用代码{CODE}"
    masked = mask_text(text)
    assert ID_NUMBER not in masked and "3204**********1234" in masked
    assert "138 **** 5678" in masked
    assert "2020年7月15日" in masked and "5000元" in masked and CODE in masked


def test_numbers_typed_full_width_in_groups_or_glued_to_letters_are_masked_too():
    assert mask_text("１３８１２３４５６７８") == "１３８****５６７８"  # an input method's full-width digits
    assert mask_text("电话１３８ １２３４ ５６７８。") == "电话１３８ **** ５６７８。"
    assert mask_text("A13812345678A") == "A138****5678A"
    assert mask_text("1\u200b3812345678") == "1\u200b38****5678"  # a zero-width space inside
    assert mask_text("1 3 8 1 2 3 4 5 6 7 8") == "1 3 8 * * * * 5 6 7 8"
    assert mask_text("320412 19900101 1234") == "3204** ******** 1234"
    assert mask_text("320412-19900101-123X") == "3204**-********-123X"
    assert mask_text("手机138.1234.5678，１３８．１２３４．５６７８") == "手机138.****.5678，１３８．****．５６７８"
    # Decimals stay: an area, an amount, a place's coordinates.
    assert (
        mask_text("面积13.5平方米，罚款1.5万元，119.9512345,31.7812345")
        == "面积13.5平方米，罚款1.5万元，119.9512345,31.7812345"
    )
    # A credit code's digit runs and ordinary numbers stay.
    assert mask_text(f"{CODE}，2020年7月15日罚款5000元，第3号") == f"{CODE}，2020年7月15日罚款5000元，第3号"


@pytest.mark.parametrize("typed, masked", [
    ("负责人139\u00ad1234\u00ad5678", "负责人139\u00ad****\u00ad5678"),  # soft hyphens: invisible in a browser
    ("139 - 8765 - 4321", "139 - **** - 4321"), ("139_1234_5678", "139_****_5678"), ("139,1234,5678", "139,****,5678"),
    ("139~1234~5678", "139~****~5678"), ("139*1234*5678", "139******5678"), ("139、1234、5678", "139、****、5678"),
    ("139·1234·5678", "139·****·5678"), ("139•1234•5678", "139•****•5678"), ("(0519)86381906", "(0519)****1906"),
    ("（0519）86381906", "（0519）****1906"), ("身份证320483-1990-0101-1237", "身份证3204**-****-****-1237"),
    ("3204 8319 9001 0112 37", "3204 **** **** **12 37"), ("138，1234，5678", "138，****，5678"),
    ("138：1234；5678", "138：****；5678"), ("138。1234。5678", "138。****。5678"), ("138−1234−5678", "138−****−5678"),
    ("138ー1234ー5678", "138ー****ー5678"), ("138・1234・5678", "138・****・5678"), ("138|1234|5678", "138|****|5678"),
    ("【138】1234 5678", "【138】**** 5678"), ("138--1234--5678", "138--****--5678"),
    ("138   1234   5678", "138   ****   5678"), ("138\u28001234\u28005678", "138\u2800****\u28005678"),
    ("320412，19800101，1234", "3204**，********，1234"),
    # helper-41: direction marks, combining marks, a keycap, an emoji, four and more separators, other digits, and
    # landlines laid out otherwise (8631-0000 without its area code, 0519-8631-00-00, +86 519 …).
    ("138\u200e1234\u200f5678", "138\u200e****\u200f5678"), ("1\u03353\u03358\u03351\u03352\u03353\u03354\u0335"
     "5\u03356\u03357\u03358\u0335", "1\u03353\u03358\u0335*\u0335*\u0335*\u0335*\u03355\u03356\u03357\u03358\u0335"),
    ("".join(f"{d}\ufe0f\u20e3" for d in "13812345678"), "".join(f"{d}\ufe0f\u20e3" for d in "138****5678")),
    ("138📞1234📞5678", "138📞****📞5678"), ("138----1234----5678", "138----****----5678"),
    ("138\n\n\n\n1234\n\n\n\n5678", "138\n\n\n\n****\n\n\n\n5678"), ("①③⑧①②③④⑤⑥⑦⑧", "①③⑧****⑤⑥⑦⑧"),
    ("¹³⁸¹²³⁴⁵⁶⁷⁸", "¹³⁸****⁵⁶⁷⁸"), ("၁၃၈၁၂၃၄၅၆၇၈", "၁၃၈****၅၆၇၈"), ("门卫8631-0000", "门卫****-0000"),
    ("8631 0000", "**** 0000"), ("0519-8631-00-00", "0519-****-00-00"), ("0519-863-10000", "0519-***-*0000"),
    ("+86 519 8631 0000", "+86 519 **** 0000"), ("王五13812345678", "王五138****5678"),
    # helper-42: two local numbers in a row, 0086, +86 (0)…, a family emoji or seven combining marks between digits.
    ("门卫8631-0000、8631-0001", "门卫****-0000、****-0001"), ("电话8631-0000/8631-0001", "电话****-0000/****-0001"),
    ("0086 0519 8631 0000", "0086 0519 **** 0000"), ("0086 138 1234 5678", "0086 138 **** 5678"),
    ("+86 (0)519 8631 0003", "+86 (0)519 **** 0003"), ("8631-0000 号码", "****-0000 号码"),
    ("138👨\u200d👩\u200d👧\u200d👦1234👨\u200d👩\u200d👧\u200d👦5678", "138👨\u200d👩\u200d👧\u200d👦****👨\u200d👩\u200d👧\u200d👦5678"),
    ("1" + "\u0336" * 7 + "3812345678", "1" + "\u0336" * 7 + "38****5678"), ("Tel 8631-0000", "Tel ****-0000"),
    # helper-43: an ID number's X typed otherwise, a name or word after a local number, two numbers after a space,
    # a Latin word after one, labels that name no other number.
    ("身份证32041219800118017Ｘ", "身份证3204**********017Ｘ"), ("身份证32041219800118017×", "身份证3204**********017×"),
    ("电话8631-0000（张三）", "电话****-0000（张三）"), ("86310000 万师傅", "****0000 万师傅"),
    ("86310000（人事部）", "****0000（人事部）"), ("8631-0000 分机801", "****-0000 分机801"),
    ("电话86310000多次无人接听", "电话****0000多次无人接听"), ("86310000/人事", "****0000/人事"),
    ("电话8631-0000 8631-0001", "电话****-0000 ****-0001"), ("电话：86310000 8631 0001", "电话：****0000 **** 0001"),
    ("Tel：86310000 Fax：86310001", "Tel：****0000 Fax：****0001"), ("86310000 ext.801", "****0000 ext.801"),
    ("预约：86310000", "预约：****0000"), ("HR：8631-0000", "HR：****-0000"),
    # Left by session 40: a word glued after a number with its area code, an extension after a hyphen, a second local
    # number after one with its area code.
    ("电话：0519-86310000Fax：0519-86310001", "电话：0519-****0000Fax：0519-****0001"),
    ("051986310000tel", "0519****0000tel"), ("+86 519 8631 0000Fax", "+86 519 **** 0000Fax"),
    ("电话8631-0000-801", "电话****-0000-801"), ("8631 0000 801", "**** 0000 801"),
    ("0519-8631 0000 8631 0001", "0519-**** 0000 **** 0001"),
    # helper-44: a mobile after a time or a room, a local number after a date, list markers, a full stop after a
    # number with its area code, an ID number after a time, an area-code number after another number.
    ("上班时间8:00-17:00，138-1234-5678", "上班时间8:00-17:00，138-****-5678"),
    ("复查约在15:30，138 1234 5678（张工）", "复查约在15:30，138 **** 5678（张工）"),
    ("1602，138 1234 5678", "1602，138 **** 5678"), ("7.15 8631 0000 无人接听", "7.15 **** 0000 无人接听"),
    ("2020-07-15 8631 0000 无人接听", "2020-07-15 **** 0000 无人接听"), ("7.15 86310000 2次未接", "7.15 ****0000 2次未接"),
    ("联系人：①138 1234 5678 ②139 8765 4321", "联系人：①138 **** 5678 ②139 **** 4321"),
    ("房东①13812345678", "房东①138****5678"), ("身份证①320483197512030510", "身份证①3204**********0510"),
    ("1.门卫电话0519-86310000.2.负责人已约谈", "1.门卫电话0519-****0000.2.负责人已约谈"),
    # helper-45: a number and a count or a date after it, two numbers before a mobile; the mobile's own digits hidden.
    ("7月15日拨打 8631 0000 3次，无人接听", "7月15日拨打 **** 0000 3次，无人接听"), ("电话 8631 0000 7月15日回访", "电话 **** 0000 7月15日回访"),
    ("门卫 8631 0000 5000元押金", "门卫 **** 0000 5000元押金"), ("值班电话 8631 0000 24h", "值班电话 **** 0000 24h"),
    ("1502、1602，138 1234 5678（王工）", "1502、1602，138 **** 5678（王工）"),
    ("3幢1502 1602 138-1234-5678", "3幢1502 1602 138-****-5678"), ("联系人 186 1391 2345，302室", "联系人 186 **** 2345，302室"),
])  # fmt: skip
def test_numbers_with_any_separator_people_type_are_masked_and_refused_where_no_number_belongs(typed, masked):
    from sanluanwu.core.masking import holds_personal_number

    assert mask_text(typed) == masked
    assert holds_personal_number(typed)


def test_amounts_dates_coordinates_and_codes_with_those_separators_stay():
    for text in ("金额1,234,567元", "100,000元", "2019年12月31日", "坐标 119.943300, 31.727000", "31.727000,119.943300",
                 f"{CODE}", "第1、2、3、4、5、6、7项", "投资13,500,000,000元", "2020-07-15 13:45:30，2020-07-16检查",
                 "3204 1219 8001 0112 34",  # grouped oddly and its check character wrong
                 "2018-2019年集中整治", "2018-2019", "3000-5000元", "8000-9000 元", "6000-6500平方米", "二〇二〇年七月十五日",
                 "一三八一二三四五六七八",  # numbers written in words are words (李四, 王五)
                 # helper-42: amounts, dates, meter readings and numbers, ranges with their units or labels, standards,
                 # an all-digit credit code
                 "投资5000000元", "罚款 2000000元", "产值 30000000 元", "面积 2000000平方米", "发文日期20200715",
                 "止码 20200715", "表号0519003456", "5000-6000亩", "5000-6000公斤", "7500-9000千瓦", "5000-6000立方米",
                 "5000-6000m2", "5000-6000（元）", "5000-6000/年", "5000-6000㎡", "面积5000-6000", "功率 7500-9000",
                 "批次 7001-7002", "GB 8978-1996", "GB/T 8978-1996", "ISO 9001-2015", "ISO 9001:2015",
                 "913204127382561234",
                 # helper-43: lists of numbers (eleven digits, no mobile's grouping), codes after their labels, a
                 # provincial standard, a dimension
                 "COD：135、128、142、96 mg/L", "监测值1.35、2.46、3.57、4.6", "1、3、5、7、9、11、13、15号楼",
                 "13:30、14:00、9:30", "172.16.100.101", "发票号码86310000", "合同号86310000", "执行DB32/939-2020标准",
                 "5000000万", "5863×1234",
                 # a room, a building; a code grouped in fours or in a six (not an extension)
                 "花园568-1002室", "568-1002号", "5863-1234-5678-9012", "8631-0000-123456",
                 # helper-44: meter readings, amounts and measures after their labels, a measure with its unit
                 "起度2345678 止度2346789", "当前表码 3456789", "本次抄表 2345678", "行度 2345678", "表底 2345678",
                 "没收违法所得 3000000", "罚款¥5000000", "补偿款 3000000", "注册资本：5000000", "货值 3000000",
                 "年产值约 3000000", "RMB 5000000", "尺寸5860*1240*900mm", "直径 5860*1240", "发票号 86310000",
                 # helper-45: a number and a date, date-times in a list, a standard and an amount
                 "序号 135 2020-07-15 已整改", "检查结果：165，2020-07-15复查", "走访时间：2024-07-10 10:00、2024-08-22 14:30",
                 "计划停电时间：2024-07-10 09:00-2024-07-10 18:30，请做好准备", "执行GB 8978-1996，1381234吨"):  # fmt: skip
        assert mask_text(text) == text, text


def test_the_shortest_number_a_mask_hides_is_seven_digits_however_they_are_typed():
    # A text with fewer digits is returned as it is without looking further (most cells hold no number at all).
    assert mask_text("电话8631000，第2号") == "电话****000，第2号"  # a landline without its area code: 7 digits
    assert mask_text("电话８６３１０００") == "电话****０００"  # the same typed full-width
    assert mask_text("编号863100，共2²³件") == "编号863100，共2²³件"  # six digits, and superscripts are no digits


# Pages, API, exports and the timeline.


def test_the_case_and_enterprise_pages_show_the_phone_masked(alice, hutang_case):
    client = _login(alice)
    for url in (f"/cases/{hutang_case.pk}/", f"/enterprises/{hutang_case.enterprise_id}/", "/cases/?cols=phone"):
        body = _body(client.get(url))
        assert PHONE not in body, url
    assert MASKED in _body(client.get(f"/cases/{hutang_case.pk}/"))


def test_an_id_number_typed_into_a_problem_or_a_name_is_masked_on_the_page(alice, campaign, district):
    case = make_case(alice, district["hutang"], case={"responsible_person": f"李四{ID_NUMBER}",
                                                      "env_problems": f"负责人手机{PHONE}"})  # fmt: skip
    body = _body(_login(alice).get(f"/cases/{case.pk}/"))
    assert ID_NUMBER not in body and PHONE not in body
    assert "3204**********1234" in body


def test_the_api_answers_the_phone_masked(alice, hutang_case):
    api = _api(alice)
    case = api.get(f"/api/v1/cases/{hutang_case.pk}/").json()
    assert case["enterprise"]["phone"] == MASKED
    assert api.get(f"/api/v1/enterprises/{hutang_case.enterprise_id}/").json()["phone"] == MASKED
    assert PHONE not in api.get("/api/v1/cases/").content.decode()


def test_sending_the_masked_phone_back_keeps_the_number(alice, hutang_case):
    api = _api(alice)
    e = api.get(f"/api/v1/enterprises/{hutang_case.enterprise_id}/").json()
    response = api.patch(f"/api/v1/enterprises/{e['id']}/", {"version": e["version"], "phone": e["phone"],
                                                               "address": "湖塘镇新华村人民路2号"}, format="json")  # fmt: skip
    assert response.status_code == 200, response.content
    assert Enterprise.objects.get(pk=e["id"]).phone == PHONE


def test_the_attachment2_export_is_masked_and_audited_with_its_sha256(alice, campaign, district):
    # 附件2 has no phone column: the numbers people type into its person and problem columns are masked.
    make_case(alice, district["hutang"], case={"env_problems": f"负责人手机{PHONE}"})
    response = _login(alice).get("/cases/export/")
    content = b"".join(response.streaming_content)
    text = _xlsx_text(content)
    assert PHONE not in text and MASKED in text
    event = AuditEvent.objects.get(action="registry.export.created")
    assert event.changes["sha256"][1] == hashlib.sha256(content).hexdigest()
    assert event.changes["rows"][1] == 1 and event.changes["unmasked"][1] is False
    assert event.actor_username == "alice"


@pytest.mark.parametrize("memo", [4096, 1], ids=["masks-remembered", "memo-full"])
def test_a_number_repeated_down_a_column_is_masked_on_every_row(alice, campaign, district, memo, monkeypatch):
    # An export masks each distinct text of a column once and remembers it (up to a limit): every row of the same
    # problem text is masked, and texts past the limit are masked all the same.
    from sanluanwu.registry import exports
    from sanluanwu.registry.models import Case

    monkeypatch.setattr(exports, "_MASKED_MEMO", memo)
    other = "13912345678"
    for i, person in enumerate(["张一", "张二", "张三"]):
        make_case(alice, district["hutang"], name=f"{person}塑料造粒作坊", legal_person=person, address=f"新华村{i + 1}号",
                  case={"env_problems": f"负责人手机{PHONE}", "safety_problems": f"看门人{other}" if i else ""})  # fmt: skip
    rows = list(exports.attachment2_rows(Case.objects.all()))
    problems = [c for row in rows for c in row.cells if isinstance(c, str) and "负责人手机" in c]
    assert problems == [f"负责人手机{MASKED}"] * 3
    watchers = [c for row in rows for c in row.cells if isinstance(c, str) and "看门人" in c]
    assert watchers == [f"看门人{mask_phone(other)}"] * 2
    unmasked = list(exports.attachment2_rows(Case.objects.all(), unmasked=True))
    assert sum(1 for row in unmasked for c in row.cells if c == f"负责人手机{PHONE}") == 3


def test_an_unmasked_export_needs_the_permission_and_a_reason_and_is_audited(alice, ada, campaign, district):
    make_case(alice, district["hutang"], case={"env_problems": f"负责人手机{PHONE}"})
    refused = _login(ada).post("/cases/export/", {"unmasked": "1", "reason": "核对"})
    assert refused.status_code == 403
    # The page reads the flag as the API does: "true" asks for the same unmasked file, refused the same way.
    assert _login(ada).post("/cases/export/", {"unmasked": "true", "reason": "核对"}).status_code == 403
    assert (
        _api(ada).post("/api/v1/cases/export/", {"unmasked": True, "reason": "核对"}, format="json").status_code == 403
    )
    no_reason = _api(alice).post("/api/v1/cases/export/", {"unmasked": True}, format="json")
    assert no_reason.status_code == 400
    # No file was made; each refusal for want of the permission is a security event of its own (a missing reason is
    # a form error, not recorded).
    events = AuditEvent.objects.filter(action__startswith="registry.export")
    assert [(e.action, e.actor_username, e.result) for e in events.order_by("id")] == [
        ("registry.export.refused", "ada", "failure")] * 3  # fmt: skip
    assert "拒绝导出完整个人信息" in events.first().note

    response = _api(alice).post(
        "/api/v1/cases/export/", {"unmasked": True, "reason": "逐户电话通知停产"}, format="json"
    )
    content = b"".join(response.streaming_content)
    assert PHONE in _xlsx_text(content)
    event = AuditEvent.objects.get(action="registry.export.unmasked")
    assert event.changes["sha256"][1] == hashlib.sha256(content).hexdigest()
    assert event.note == "逐户电话通知停产"


def test_an_unmasked_export_is_never_asked_in_a_url_so_its_reason_stays_out_of_history_and_logs(alice, campaign,
                                                                                                district):  # fmt: skip
    make_case(alice, district["hutang"], case={"env_problems": f"负责人手机{PHONE}"})
    page = _login(alice)
    link = page.get(f"/cases/export/?town={district['hutang'].pk}&unmasked=1&reason=逐户通知")
    assert link.status_code == 302 and link.url == f"/cases/?town={district['hutang'].pk}"
    assert "不脱敏导出须在名单页面勾选" in _body(page.get(link.url))
    api = _api(alice).get("/api/v1/cases/export/?unmasked=1&reason=逐户通知")
    assert api.status_code == 400 and "请用 POST 提交" in api.json()["non_field_errors"][0]
    assert not AuditEvent.objects.filter(action__startswith="registry.export").exists()  # nothing was made
    # The list's export form posts, its filters in hidden fields; a masked GET (a saved link) still works.
    form = _body(page.get(f"/cases/?town={district['hutang'].pk}"))
    assert 'method="post" action="/cases/export/"' in form and 'name="csrfmiddlewaretoken"' in form
    posted = page.post("/cases/export/", {"town": district["hutang"].pk, "unmasked": "1", "reason": "逐户通知"})
    assert posted.status_code == 200 and PHONE in _xlsx_text(b"".join(posted.streaming_content))
    masked = page.get(f"/cases/export/?town={district['hutang'].pk}")
    assert masked.status_code == 200 and PHONE not in _xlsx_text(b"".join(masked.streaming_content))
    assert list(AuditEvent.objects.filter(action__startswith="registry.export").values_list("action", flat=True)
                .order_by("id")) == ["registry.export.unmasked", "registry.export.created"]  # fmt: skip
    # The posted body takes only the file's options: a typo is named, not ignored.
    typo = _api(alice).post("/api/v1/cases/export/", {"unmasked": True, "reasn": "x"}, format="json")
    assert typo.status_code == 400 and "reasn" in typo.json()


def test_the_timeline_shows_a_changed_phone_masked(alice, hutang_case):
    from sanluanwu.registry.tests.test_api import _payload  # noqa: F401 - the API's shape is tested there

    api = _api(alice)
    e = api.get(f"/api/v1/enterprises/{hutang_case.enterprise_id}/").json()
    api.patch(f"/api/v1/enterprises/{e['id']}/", {"version": e["version"], "phone": "13900002222"}, format="json")
    body = _body(_login(alice).get(f"/enterprises/{e['id']}/"))
    assert PHONE not in body and "13900002222" not in body
    assert MASKED in body and "139****2222" in body


def test_a_utility_never_receives_a_phone_number(uma, hutang_case):
    walk_case(hutang_case, "confirmed")
    tasks = _api(uma).get("/api/v1/remediation/tasks/")
    assert tasks.status_code == 200 and tasks.json()["results"], "uma has a cut-off task"
    bodies = [tasks.content.decode(), _body(_login(uma).get("/remediation/tasks/"))]
    for t in tasks.json()["results"]:
        bodies += [_body(_login(uma).get(f"/remediation/tasks/{t['id']}/")),
                   _api(uma).get(f"/api/v1/remediation/tasks/{t['id']}/").content.decode()]  # fmt: skip
    for body in bodies:
        assert PHONE not in body and MASKED not in body and "5678" not in body


# The reveal.


def test_the_town_manager_reveals_a_phone_with_a_reason_and_it_is_audited(alice, hutang_case):
    client = _login(alice)
    assert "显示完整号码" in _body(client.get(f"/cases/{hutang_case.pk}/"))
    response = client.post(f"/enterprises/{hutang_case.enterprise_id}/reveal/", {"reason": "通知负责人到场"})
    assert response.status_code == 200 and PHONE in _body(response)
    assert response["Cache-Control"].startswith("no-store") or "no-store" in response["Cache-Control"]
    event = AuditEvent.objects.get(action="registry.enterprise.revealed")
    assert (event.actor_username, event.object_id, event.note) == ("alice", str(hutang_case.enterprise_id),
                                                                    "通知负责人到场")  # fmt: skip


def test_a_reveal_without_a_reason_shows_nothing_and_records_nothing(alice, hutang_case):
    response = _login(alice).post(f"/enterprises/{hutang_case.enterprise_id}/reveal/", {"reason": " "})
    assert response.status_code == 302
    with pytest.raises(ValidationFailed):
        services.reveal_enterprise_phone(actor=alice, enterprise=hutang_case.enterprise, reason="")
    for no_reason in (".", "a", "1234", "。。。"):  # one character, or no word at all, says nothing to a later reader
        with pytest.raises(ValidationFailed, match="原因至少2个字"):
            services.reveal_enterprise_phone(actor=alice, enterprise=hutang_case.enterprise, reason=no_reason)
    assert not AuditEvent.objects.filter(action="registry.enterprise.revealed").exists()
    assert services.reveal_enterprise_phone(actor=alice, enterprise=hutang_case.enterprise, reason="核实") == PHONE


@pytest.mark.parametrize("persona", ["ada", "leo", "bob", "dora", "uma", "sysadmin"])
def test_only_the_office_and_the_own_town_manager_may_reveal(request, persona, hutang_case):
    user = request.getfixturevalue(persona)
    response = _login(user).post(f"/enterprises/{hutang_case.enterprise_id}/reveal/", {"reason": "看看"})
    assert response.status_code in (403, 404)
    assert PHONE not in _body(response)
    api = _api(user).post(f"/api/v1/enterprises/{hutang_case.enterprise_id}/reveal/", {"reason": "看看"})
    assert api.status_code in (403, 404) and PHONE not in api.content.decode()
    assert not AuditEvent.objects.filter(action="registry.enterprise.revealed").exists()
    # A refusal by the permission table is a security event (helper-47: a refused export was one, a reveal not); a
    # record of another town is not found (404) before any permission is asked, and says nothing.
    refused = AuditEvent.objects.filter(action="accounts.person.revealed", actor_username=user.username)
    expected = 2 if (response.status_code, api.status_code) == (403, 403) else 0
    assert refused.count() == expected
    assert all(e.result == "failure" and "/reveal/" in e.note for e in refused)


def test_the_office_reveals_through_the_api(office, hutang_case):
    response = _api(office).post(f"/api/v1/enterprises/{hutang_case.enterprise_id}/reveal/", {"reason": "核实"})
    assert response.json()["phone"] == PHONE
    assert AuditEvent.objects.filter(action="registry.enterprise.revealed", actor_username=office.username).exists()


# The original sheets.


def test_an_original_sheet_is_downloaded_only_by_those_who_may_see_phones_and_each_download_is_audited(
    alice, ada, leo, campaign, district
):
    from sanluanwu.imports.services import upload_import

    data = f"企业名称,行业类别,联系电话\n张三塑料造粒作坊,塑料造粒,{PHONE}\n".encode()
    batch = upload_import(actor=alice, data=data, filename="湖塘镇.csv", kind="list", unit=district["hutang"])
    for user in (ada, leo):
        assert _login(user).get(f"/imports/{batch.pk}/file/").status_code == 403
    assert not AuditEvent.objects.filter(action="imports.batch.downloaded").exists()
    refused = AuditEvent.objects.filter(action="accounts.original.downloaded", result="failure")
    assert sorted(refused.values_list("actor_username", flat=True)) == sorted([ada.username, leo.username])
    response = _login(alice).get(f"/imports/{batch.pk}/file/")
    assert response.content == data
    event = AuditEvent.objects.get(action="imports.batch.downloaded")
    assert event.changes["sha256"][1] == hashlib.sha256(data).hexdigest() and event.actor_username == "alice"


# No existence oracle.


def test_bob_registering_a_credit_code_held_in_alices_town_learns_nothing_and_the_office_sees_the_clash(
    alice, bob, office, campaign, district
):
    from sanluanwu.registry.tests.test_scoping import _town_records  # noqa: F401 - the outsider walk lives there

    held = make_case(alice, district["hutang"], credit_code=CODE, licence_status="licensed", name="湖塘塑料有限公司")
    mine = make_case(bob, district["niutang"], credit_code=CODE, licence_status="licensed", name="牛塘塑料有限公司",
                     acknowledge=False)  # fmt: skip
    assert mine.enterprise.credit_code == CODE  # accepted as typed, no warning about the other town
    page = _body(_login(bob).get(f"/enterprises/{mine.enterprise_id}/"))
    assert "湖塘" not in page and "重复" not in page
    clash = CreditCodeClash.objects.get()
    assert (clash.enterprise_id, clash.holder_id) == (mine.enterprise_id, held.enterprise_id)
    assert _login(bob).get("/clashes/").status_code == 403
    office_page = _body(_login(office).get("/clashes/"))
    assert "湖塘塑料有限公司" in office_page and "牛塘塑料有限公司" in office_page
    response = _login(office).post(f"/clashes/{clash.pk}/resolve/", {"note": "牛塘镇记录的代码有误，已通知更正"})
    assert response.status_code == 302
    clash.refresh_from_db()
    assert clash.resolved_at is not None
    assert AuditEvent.objects.filter(action="registry.credit_code_clash.resolved").exists()


def test_the_api_gives_bob_the_same_answer_with_or_without_another_towns_holder(alice, bob, campaign, district):
    from sanluanwu.registry.tests.test_api import _payload

    make_case(alice, district["hutang"], credit_code=CODE, licence_status="licensed", name="湖塘塑料有限公司")
    payload = {**_payload(district), "town": district["niutang"].pk, "credit_code": CODE, "licence_status": "licensed",
               "name": "牛塘塑料有限公司", "coordinates": "119.93, 31.70", "address": "牛塘镇青云路1号",
               "acknowledge_warnings": True}  # fmt: skip
    response = _api(bob).post("/api/v1/cases/", payload, format="json")
    assert response.status_code == 201, response.content
    assert "湖塘" not in response.content.decode() and CreditCodeClash.objects.count() == 1


def test_a_holder_in_the_own_town_is_still_refused(alice, campaign, district):
    make_case(alice, district["hutang"], credit_code=CODE, licence_status="licensed", name="湖塘塑料有限公司")
    with pytest.raises(ValidationFailed) as exc:
        make_case(alice, district["hutang"], credit_code=CODE, licence_status="licensed", name="湖塘另一家有限公司")
    assert "credit_code" in exc.value.errors


def test_an_import_in_bobs_town_accepts_a_code_held_in_alices_town_and_flags_it(alice, bob, campaign, district):
    from sanluanwu.imports.services import confirm_import, preview_import, upload_import

    make_case(alice, district["hutang"], credit_code=CODE, licence_status="licensed", name="湖塘塑料有限公司")
    data = (
        "企业名称,行业类别,详细地址,经纬度,企业法人或负责人,统一社会信用代码,属于“回头看”四种排查类型类别,责任人,"
        "存在环境违法行为、环境风险问题情况\n"
        f'牛塘塑料有限公司,塑料造粒,牛塘镇青云路1号,"119.93, 31.70",王五,{CODE},第四类,王五,废气直排\n'
    ).encode()
    batch = preview_import(actor=bob, batch=upload_import(actor=bob, data=data, filename="牛塘镇.csv", kind="list",
                                                          unit=district["niutang"]))  # fmt: skip
    assert CODE not in str(batch.errors if hasattr(batch, "errors") else "")
    confirm_import(actor=bob, batch=batch)
    created = Enterprise.objects.get(name="牛塘塑料有限公司")
    assert CreditCodeClash.objects.filter(enterprise=created).exists()


def test_similar_enterprise_warnings_never_name_another_towns_record(alice, bob, campaign, district):
    make_case(alice, district["hutang"], name="张三塑料造粒作坊", phone="13855556666")
    with pytest.raises(PermissionDenied):
        services.reveal_enterprise_phone(actor=bob, enterprise=Enterprise.objects.get(), reason="看看")
    try:
        make_case(bob, district["niutang"], name="张三塑料造粒作坊", phone="13855556666", acknowledge=False)
    except ValidationFailed as exc:  # warnings would be raised as WarningsNotAcknowledged (a ValidationFailed)
        assert "湖塘" not in str(getattr(exc, "warnings", "")) and "湖塘" not in exc.text


def test_the_progress_words_show_the_note_masked_wherever_the_note_is_shown(alice, leo, campaign, district):
    # 整治进度 is the status in words followed by the progress note: the note's numbers are masked in it too.
    case = make_case(alice, district["hutang"], case={"progress_note": f"已约谈，负责人手机{PHONE}，身份证{ID_NUMBER}"})
    masked_id = "3204**********1234"
    for user in (alice, leo):
        api = _api(user)
        detail = api.get(f"/api/v1/cases/{case.pk}/").json()
        assert MASKED in detail["progress_text"] and masked_id in detail["progress_text"], detail["progress_text"]
        for url in (f"/api/v1/cases/{case.pk}/", "/api/v1/cases/", f"/api/v1/remediation/cases/{case.pk}/"):
            body = api.get(url).content.decode()
            assert PHONE not in body and ID_NUMBER not in body, url
        client = _login(user)
        for url in (f"/cases/{case.pk}/", "/cases/", f"/remediation/cases/{case.pk}/ledger/"):
            body = _body(client.get(url))
            assert PHONE not in body and ID_NUMBER not in body, url
    text = _xlsx_text(b"".join(_login(alice).get("/cases/export/").streaming_content))
    assert PHONE not in text and ID_NUMBER not in text and MASKED in text


def test_the_ledger_page_and_docx_are_masked_and_the_download_is_audited(alice, campaign, district):
    case = make_case(alice, district["hutang"], case={"env_problems": f"负责人手机{PHONE}"})
    client = _login(alice)
    page = _body(client.get(f"/remediation/cases/{case.pk}/ledger/"))
    assert PHONE not in page and MASKED in page
    response = client.get(f"/remediation/cases/{case.pk}/ledger.docx")
    content = response.content
    with zipfile.ZipFile(io.BytesIO(content)) as zf:
        xml = "".join(zf.read(n).decode("utf-8", "replace") for n in zf.namelist())
    assert PHONE not in xml and MASKED in xml
    event = AuditEvent.objects.get(action="registry.export.created")
    assert event.changes["sha256"][1] == hashlib.sha256(content).hexdigest()


def test_a_search_for_a_numbers_hidden_digits_finds_nothing_for_anyone(alice, office, leo, campaign, district):
    # The list shows 139****4321: searching 13987654321 (or 1398765) must not say whether those are the hidden digits,
    # or ~40 queries would recover the number. The visible words and digits still find the case.
    case = make_case(alice, district["hutang"], address="湖塘镇东路8号（门卫李四13987654321）",
                     case={"responsible_person": f"王五 {ID_NUMBER}"})  # fmt: skip
    for user in (alice, office, leo):
        api = APIClient()
        api.force_authenticate(user)
        found = {q: api.get("/api/v1/cases/", {"q": q}).json()["count"] for q in
                 ("13987654321", "1398765", ID_NUMBER, ID_NUMBER[6:14], "李四", "4321", "王五")}  # fmt: skip
        assert found == {"13987654321": 0, "1398765": 0, ID_NUMBER: 0, ID_NUMBER[6:14]: 0, "李四": 1, "4321": 1,
                         "王五": 1}, user  # fmt: skip
        assert api.get("/api/v1/enterprises/", {"q": "1398765"}).json()["count"] == 0
    # After the enterprise is edited (its cases' search text rewritten) the same holds.
    editor = APIClient()
    editor.force_authenticate(alice)
    url = f"/api/v1/enterprises/{case.enterprise_id}/"
    edited = editor.patch(url, {"address": "湖塘镇新路1号", "version": editor.get(url).json()["version"]},
                          format="json")  # fmt: skip
    assert edited.status_code == 200, edited.content.decode()
    api = APIClient()
    api.force_authenticate(office)
    assert api.get("/api/v1/cases/", {"q": "1398765"}).json()["count"] == 0
    assert api.get("/api/v1/cases/", {"q": "新路"}).json()["count"] == 1


def test_a_number_typed_after_an_address_or_into_a_reason_is_masked_in_every_output(
    alice, uma, office, campaign, district
):
    # A doorkeeper's mobile typed after the address, and the utility's reason for not cutting the power naming the
    # landlord's number: free text like any other, masked wherever it is shown (a reveal is for the phone field); the
    # utility sees no number at all, not even masked.
    from sanluanwu.accounts.models import Membership, Role, User
    from sanluanwu.remediation import services as remediation
    from sanluanwu.remediation.models import Task

    case = make_case(alice, district["hutang"], address="湖塘镇东路8号（门卫13987654321）")
    walk_case(case, "confirmed")
    task = Task.objects.filter(case=case, owner_unit=uma.memberships.get().org_unit).first()
    assert task is not None, "uma's company has a cut-off task"
    remediation.block_task(actor=uma, task=task, reason="户主已更换，联系房东13612345678核实")
    auditor = User.objects.create_user(username="aud", password="x")
    Membership.objects.create(user=auditor, org_unit=district["wujin"], role=Role.AUDIT_ADMIN)
    clear, masked = ("13987654321", "13612345678"), ("139****4321", "136****5678")
    outputs = {
        "uma task page": _body(_login(uma).get(f"/remediation/tasks/{task.pk}/")),
        "uma task list": _body(_login(uma).get("/remediation/tasks/")),
        "uma task api": _api(uma).get(f"/api/v1/remediation/tasks/{task.pk}/").content.decode(),
        "case page": _body(_login(alice).get(f"/cases/{case.pk}/")),
        "case api": _api(alice).get(f"/api/v1/cases/{case.pk}/").content.decode(),
        "case work api": _api(alice).get(f"/api/v1/remediation/cases/{case.pk}/").content.decode(),
        "enterprise page": _body(_login(alice).get(f"/enterprises/{case.enterprise_id}/")),
        "enterprise list": _body(_login(alice).get("/enterprises/")),
        "audit log": _body(_login(auditor).get("/audit/log/")),
    }
    outputs["export"] = _xlsx_text(b"".join(_login(office).get("/cases/export/").streaming_content))
    for where, body in outputs.items():
        assert not any(number in body for number in clear), where
    for where in ("case page", "case work api"):
        assert masked[1] in outputs[where], where
    for where in ("case page", "case api", "enterprise page", "export"):
        assert masked[0] in outputs[where], where
    for where in ("uma task page", "uma task list", "uma task api"):
        assert not any(number in outputs[where] for number in masked), where
    for where in ("uma task page", "uma task api"):  # the list shows the tasks still to do: not this blocked one
        assert (
            "东路8号（门卫（号码不予显示））" in outputs[where] and "联系房东（号码不予显示）核实" in outputs[where]
        ), where
    assert "湖塘镇 湖塘镇" not in outputs["uma task api"]  # the town is named once


def test_an_address_or_a_problem_sent_back_masked_keeps_what_was_typed(alice, campaign, district):
    case = make_case(alice, district["hutang"], address="湖塘镇东路8号（门卫13987654321）",
                     case={"env_problems": f"负责人身份证{ID_NUMBER}，露天喷漆"})  # fmt: skip
    api = _api(alice)
    shown = api.get(f"/api/v1/cases/{case.pk}/").json()
    assert shown["enterprise"]["address"] == "湖塘镇东路8号（门卫139****4321）"
    e = api.get(f"/api/v1/enterprises/{case.enterprise_id}/").json()
    response = api.patch(f"/api/v1/enterprises/{e['id']}/", {"version": e["version"], "address": e["address"],
                                                               "legal_person": e["legal_person"]}, format="json")  # fmt: skip
    assert response.status_code == 200, response.content
    assert Enterprise.objects.get(pk=e["id"]).address == "湖塘镇东路8号（门卫13987654321）"
    # Changing the words around the number is a real edit: what is sent is kept, asterisks and all, never guessed.
    e = api.get(f"/api/v1/enterprises/{case.enterprise_id}/").json()
    edited = api.patch(f"/api/v1/enterprises/{e['id']}/", {"version": e["version"], "address": "湖塘镇东路9号"},
                       format="json")  # fmt: skip
    assert edited.status_code == 200 and Enterprise.objects.get(pk=e["id"]).address == "湖塘镇东路9号"


def test_a_masked_text_edited_around_its_numbers_keeps_the_digits_through_api_and_form(alice, campaign, district):
    case = make_case(alice, district["hutang"], address="湖塘镇东路8号（门卫13987654321）",
                     case={"env_problems": f"负责人身份证{ID_NUMBER}，露天喷漆"})  # fmt: skip
    api = _api(alice)
    e = api.get(f"/api/v1/enterprises/{case.enterprise_id}/").json()
    response = api.patch(f"/api/v1/enterprises/{e['id']}/", {"version": e["version"],
                                                               "address": e["address"] + "（东侧）"}, format="json")  # fmt: skip
    assert response.status_code == 200, response.content
    assert Enterprise.objects.get(pk=e["id"]).address == "湖塘镇东路8号（门卫13987654321）（东侧）"
    c = api.get(f"/api/v1/cases/{case.pk}/").json()
    response = api.patch(f"/api/v1/cases/{case.pk}/", {"version": c["version"],
                                                         "env_problems": c["env_problems"] + "。补充说明"}, format="json")  # fmt: skip
    assert response.status_code == 200, response.content
    case.refresh_from_db()
    assert case.env_problems == f"负责人身份证{ID_NUMBER}，露天喷漆。补充说明"
    # A masked form the record does not hold is kept as typed: nothing is guessed.
    c = api.get(f"/api/v1/cases/{case.pk}/").json()
    api.patch(f"/api/v1/cases/{case.pk}/", {"version": c["version"], "env_problems": "电话137****0000"}, format="json")
    case.refresh_from_db()
    assert case.env_problems == "电话137****0000"


def test_a_notice_quoting_a_utilitys_reason_and_a_similar_enterprise_warning_are_masked(alice, uma, campaign, district):
    from sanluanwu.remediation import services as remediation
    from sanluanwu.remediation.models import Task

    case = make_case(alice, district["hutang"])
    walk_case(case, "confirmed")
    task = Task.objects.filter(case=case, owner_unit=uma.memberships.get().org_unit).first()
    remediation.block_task(actor=uma, task=task, reason="户主已更换，联系房东13612345678")
    page = _body(_login(alice).get("/notices/"))
    api = _api(alice).get("/api/v1/remediation/notices/").content.decode()
    for body in (page, api):
        assert "13612345678" not in body and "136****5678" in body
    # A warning quotes the record on file (its 负责人, village, name): whoever builds one, its numbers are masked.
    from sanluanwu.registry.rules import Warning

    warning = Warning("same_person", "legal_person", "负责人不同（李四／李139-7101-5678）")
    assert warning.message == "负责人不同（李四／李139-****-5678）" and "7101" not in str(warning.as_dict())


def test_numbers_in_the_shapes_people_type_them_are_masked():
    for typed, shown in (("ID32041119850101001X", "ID3204**********001X"), ("0519 8631 0000", "0519 **** 0000"),
                         ("0519-8631-0000", "0519-****-0000"), ("139/7001/5678", "139/****/5678"),
                         ("139  7001  5678", "139  ****  5678"), ("139—7001—5678", "139—****—5678"),
                         ("١٣٩٧٠٠١٥٦٧٨", "١٣٩****٥٦٧٨")):  # fmt: skip
        assert mask_text(typed) == shown, typed
    for kept in ("2019/12/13 10:30", "2019-10-12", "面积13.5平方米", CODE):
        assert mask_text(kept) == kept


def test_the_edit_form_shows_numbers_masked_and_saving_it_keeps_them(alice, campaign, district):
    case = make_case(alice, district["hutang"], address="湖塘镇东路8号（门卫13987654321）",
                     case={"env_problems": f"负责人身份证{ID_NUMBER}，露天喷漆"})  # fmt: skip
    client = _login(alice)
    form = _body(client.get(f"/cases/{case.pk}/edit/"))
    assert "13987654321" not in form and ID_NUMBER not in form and "139****4321" in form
    from sanluanwu.registry.forms import CaseForm

    data = {k: ("" if v is None else v) for k, v in CaseForm.initial_from_case(case).items()}
    data["town"] = case.enterprise.town_id
    data["env_problems"] += "；另有异味"
    data["acknowledge_warnings"] = "on"
    response = client.post(f"/cases/{case.pk}/edit/", data)
    assert response.status_code == 302, _body(response)[:3000]
    case.refresh_from_db()
    case.enterprise.refresh_from_db()
    assert case.enterprise.address == "湖塘镇东路8号（门卫13987654321）"
    assert case.env_problems == f"负责人身份证{ID_NUMBER}，露天喷漆；另有异味"


def test_a_landline_masked_the_way_an_earlier_release_wrote_it_still_keeps_the_stored_number():
    """Exports written before landlines kept their whole area code read 051*-****0000: importing one back (or sending
    the old form from a page left open) keeps the stored number, never writes the asterisks."""
    from sanluanwu.core.masking import is_masked_form, restore_masked

    assert is_masked_form("051*-****0000", "0519-86310000") and is_masked_form("0519-****0000", "0519-86310000")
    assert not is_masked_form("051*-****0001", "0519-86310000")
    assert restore_masked("门卫 051*-****0000（东侧）", "门卫 0519-86310000", "text") == "门卫 0519-86310000（东侧）"


def test_a_masked_number_standing_for_two_stored_numbers_is_never_guessed():
    """甲 and 乙 have numbers masked alike (138****5678). Sent back with both, each keeps its own; with one of them
    deleted, which one stays cannot be told: refused with the rule, never the wrong person's number."""
    from sanluanwu.core.masking import AmbiguousMask, restore_masked

    stored = "甲：13812345678；乙：13899995678。"
    assert restore_masked("甲：138****5678；乙：138****5678。已核实", stored) == stored + "已核实"
    with pytest.raises(AmbiguousMask) as exc:
        restore_masked("乙：138****5678。", stored)
    assert "138****5678" in exc.value.message and "完整填写" in exc.value.message
    assert restore_masked("乙：13899995678。", stored) == "乙：13899995678。"  # typed in full: taken as typed


def test_a_brief_edited_to_drop_one_of_two_alike_numbers_is_refused_naming_the_field(alice, campaign, district):
    from sanluanwu.core.errors import ValidationFailed
    from sanluanwu.reporting import services as reporting

    brief = reporting.save_brief(actor=alice, campaign=campaign, unit=district["hutang"], month=campaign.starts_on,
                                 title="简讯", text="甲：13812345678；乙：13899995678。")  # fmt: skip
    with pytest.raises(ValidationFailed) as exc:
        reporting.save_brief(actor=alice, campaign=campaign, unit=district["hutang"], month=campaign.starts_on,
                             title="简讯", text="乙：138****5678。", brief=brief)  # fmt: skip
    assert "text" in exc.value.errors and "138****5678" in exc.value.errors["text"][0]
    brief.refresh_from_db()
    assert brief.text == "甲：13812345678；乙：13899995678。"
