"""The one "similar enterprise" rule (registry.similarity), without a database: each problem the review found, and
precision and recall of the top candidate on a small seeded labelled set."""

from __future__ import annotations

import math

import pytest

from sanluanwu.core import geo
from sanluanwu.registry.similarity import (
    POSSIBLY_KNOWN,
    PROBABLY_KNOWN,
    PROBABLY_NEW,
    Find,
    Known,
    Match,
    place_bits,
)
from sanluanwu.registry.similarity_index import KnownIndex
from sanluanwu.registry.similarity_names import Places, parse, phone_keys
from sanluanwu.registry.tests import similarity_cases

HUTANG, NIUTANG = 10, 20
LON, LAT = 119.9600, 31.7200


def _at(metres_east: float, metres_north: float = 0.0) -> tuple[float, float]:
    return (LON + metres_east / (111_320 * math.cos(math.radians(LAT))), LAT + metres_north / 111_320)


def _index(*known: Known) -> KnownIndex:
    return KnownIndex(known, ["湖塘镇", "牛塘镇"])


def _top(index: KnownIndex, find: Find) -> tuple[int | None, Match]:
    match = index.match(find)
    return (match.candidates[0].enterprise_id if match.candidates else None), match


XINDA = Known("常州市武进区湖塘鑫达塑料制品有限公司", HUTANG, "王建国", "13800000001", "91320412MA1XYW1238", *_at(0),
              "新华村", id=1)  # fmt: skip
ZHANG = Known("张三塑料造粒作坊", HUTANG, "张三", "13800000002", "", *_at(400), "新华村", id=2)
WANG = Known("王建国塑料造粒作坊", HUTANG, "王建国", "13800000003", "", *_at(0, 800), "东方村", id=3)
ELSEWHERE = Known("张三塑料造粒作坊", NIUTANG, "张三", "", "", 119.9000, 31.7350, id=4)
INDEX = _index(XINDA, ZHANG, WANG, ELSEWHERE)


def test_legal_form_place_words_and_prefixes_do_not_make_names_different():
    places = Places(["湖塘镇"], ["新华村"])
    assert parse(Find("常州市武进区湖塘鑫达塑料制品有限公司"), places).core == "鑫达塑料制品"
    assert parse(Find("湖塘镇新华村鑫达塑料制品厂"), places).core == "鑫达塑料制品"
    assert parse(Find("李四木材加工点"), places).core == parse(Find("李四木材作坊"), places).core == "李四木材"
    found, match = _top(INDEX, Find("湖塘鑫达塑料制品厂", HUTANG))
    assert found == XINDA.id and match.candidates[0].reasons[0].startswith("名称相近（去掉")


def test_a_workshop_written_as_a_processing_point_is_the_same_one():
    found, match = _top(INDEX, Find("张三塑料造粒加工点", HUTANG, lon=ZHANG.lon, lat=ZHANG.lat))
    assert found == ZHANG.id and match.verdict == PROBABLY_KNOWN
    assert match.candidates[0].reasons[:2] == ["名称相近（去掉“加工点”“作坊”后相同）", "负责人相同（名称中的“张三”）"]


def _village(n: int = 12) -> list[Known]:
    """Workshops of a village around the point 800 m north: the place where relatives work next door."""
    trades = ["木材加工", "五金加工", "废品回收", "注塑", "喷涂", "印刷"]
    people = ["陈刚", "刘芳", "杨勇", "黄磊", "赵丽", "吴斌", "周涛", "徐静", "孙杰", "马超", "朱红", "胡亮"]
    return [Known(f"{people[i]}{trades[i % 6]}作坊", HUTANG, people[i], "", "", *_at(60 * (i % 4) - 90, 800 + 50 * (i // 4) - 50),
                  id=100 + i) for i in range(n)]  # fmt: skip


def test_one_different_character_in_a_persons_name_is_another_person():
    """王建平's workshop next door to 王建国's, in the same trade: a relative, not the same workshop."""
    index = _index(XINDA, ZHANG, WANG, ELSEWHERE, *_village())
    relative = Find("王建平塑料造粒作坊", HUTANG, "王建平", lon=WANG.lon, lat=(WANG.lat or 0) + 0.0004)
    assert index.match(relative).verdict == PROBABLY_NEW
    without_person = Find("王建平塑料造粒加工点", HUTANG, lon=WANG.lon, lat=(WANG.lat or 0) + 0.0004)
    assert index.match(without_person).verdict == PROBABLY_NEW
    assert "负责人不同（王建平／王建国）" in index.explain(without_person, WANG.id).against
    assert index.match(Find("王建国塑料造粒加工点", HUTANG, lon=WANG.lon, lat=WANG.lat)).verdict == PROBABLY_KNOWN


def test_two_sites_of_a_chain_are_not_one_enterprise():
    xinhua = Known("常州鑫源塑料制品有限公司（新华村）", HUTANG, "周明", "13800000010", "", *_at(0), id=11)
    dongfang = Known("常州鑫源塑料制品有限公司（东方村）", HUTANG, "周明", "13800000010", "", *_at(3000), id=12)
    index = _index(xinhua, dongfang)
    found, match = _top(index, Find("常州鑫源塑料制品有限公司（东方村）", HUTANG, "周明", "13800000010", lon=_at(10)[0],
                                    lat=LAT))  # fmt: skip
    assert found == dongfang.id and [c.enterprise_id for c in match.candidates] == [dongfang.id]
    new_site = Find("常州鑫源塑料制品有限公司（南庄村）", HUTANG, "周明", "13800000010", lon=_at(1500)[0], lat=LAT)
    match = index.match(new_site)
    assert match.verdict == PROBABLY_NEW


def test_a_person_written_by_ear_still_counts():
    known = Known("王建平塑料造粒作坊", HUTANG, "王建平", "", "", *_at(0), id=21)
    found, match = _top(_index(known), Find("王建萍塑料造粒加工点", HUTANG, "王建萍", lon=_at(30)[0], lat=LAT))
    assert found == known.id and "负责人姓名同音（王建萍／王建平）" in match.candidates[0].reasons


def test_a_phone_counts_when_written_differently_or_one_digit_off():
    known = Known("常州宏盛机械有限公司", HUTANG, "陈红", "0519-86312345", "", *_at(0), id=31)
    index = _index(known)
    renamed = Find("常州万利五金有限公司", HUTANG, "", "86312345", lon=_at(20)[0], lat=LAT)
    assert _top(index, renamed)[0] == known.id
    assert phone_keys("0519-86312345转801") == phone_keys("86312345") == ("86312345",)
    assert phone_keys("+86 138 1234 5678") == ("13812345678",)
    mobile = Known("李四木材加工作坊", HUTANG, "李四", "13812345678", "", *_at(0), id=32)
    slip = Find("李四木业加工点", HUTANG, "", "13812345687", lon=_at(40)[0], lat=LAT)  # two digits swapped
    found, match = _top(_index(mobile), slip)
    assert found == mobile.id and "联系电话仅差一位（疑似笔误）" in match.candidates[0].reasons


def test_a_gps_fix_130_metres_off_still_finds_the_enterprise():
    found, match = _top(INDEX, Find("张三塑料造粒厂", HUTANG, lon=_at(400 + 130)[0], lat=LAT))
    assert found == ZHANG.id and "相距 130 米" in match.candidates[0].reasons


def test_being_near_is_not_enough_on_its_own():
    neighbour = Find("李四木材加工作坊", HUTANG, "李四", "13900000000", lon=_at(20)[0], lat=LAT)
    assert INDEX.match(neighbour).verdict == PROBABLY_NEW


def test_being_near_counts_less_in_a_crowded_village():
    assert place_bits(20, others=0) > place_bits(20, others=30) + 3
    assert place_bits(130, others=0) > 0 and place_bits(260, others=0) < 0.5
    assert place_bits(2000, others=0) < 0  # far apart counts against


def test_two_different_villages_count_against():
    in_xinhua = INDEX.explain(Find("鑫达塑料制品厂", HUTANG, village="新华村"), XINDA.id)
    in_dongfang = INDEX.explain(Find("鑫达塑料制品厂", HUTANG, village="东方"), XINDA.id)
    assert in_xinhua.score - in_dongfang.score == 3.0
    assert "所在村（社区）不同（东方／新华村）" in in_dongfang.against
    prefixed = INDEX.explain(Find("东方村鑫达塑料制品厂", HUTANG), XINDA.id)  # a village written before the name
    assert prefixed.score == in_dongfang.score


def test_the_same_surname_alone_is_no_agreement():
    surname_only = Find("王明塑料造粒作坊", HUTANG, "王明", lon=WANG.lon, lat=(WANG.lat or 0) + 0.002)
    assert INDEX.match(surname_only).verdict == PROBABLY_NEW


def test_a_different_credit_code_is_strong_evidence_against():
    same = Find("鑫达塑料制品有限公司", HUTANG, credit_code="91320412MA1XYW1238")
    other = Find("鑫达塑料制品有限公司", HUTANG, credit_code="91320412MA1XYW1300")
    assert INDEX.match(same).verdict == PROBABLY_KNOWN and INDEX.match(other).verdict == PROBABLY_NEW
    assert INDEX.explain(same, XINDA.id).score > INDEX.explain(other, XINDA.id).score + 20
    assert "统一社会信用代码不同" in INDEX.explain(other, XINDA.id).against


def test_a_rare_shop_name_counts_more_than_a_common_trade_word():
    knowns = [
        Known(f"{p}塑料造粒作坊", HUTANG, p, "", "", None, None, id=i) for i, p in enumerate("赵钱孙李周吴郑王冯陈", 1)
    ]
    index = _index(*knowns, Known("常州市瑞祥塑料制品有限公司", HUTANG, "褚卫", id=99))
    rare = index.match(Find("瑞祥塑料", HUTANG)).candidates
    assert rare and rare[0].enterprise_id == 99
    assert index.match(Find("塑料造粒", HUTANG)).verdict == PROBABLY_NEW


def test_a_same_name_in_another_town_is_not_offered_by_name():
    assert ELSEWHERE.id not in [c.enterprise_id for c in INDEX.match(Find("张三塑料造粒作坊", HUTANG)).candidates]


def test_a_find_just_over_the_town_border_is_found_in_the_next_town():
    """The 2018-2019 list put the workshop in 牛塘; the inspector of 湖塘 finds it 40 m from where it was recorded."""
    over_there = Known("李明铸造作坊", NIUTANG, "李明", "", "", *_at(5000), id=41)
    index = _index(XINDA, ZHANG, WANG, over_there)
    found, match = _top(index, Find("李明铸造加工点", HUTANG, lon=_at(5040)[0], lat=LAT))
    assert found == over_there.id and "不在同一镇（街道）" in match.candidates[0].against
    assert index.match(Find("王五喷涂作坊", HUTANG, "王五", lon=_at(5040)[0], lat=LAT)).verdict == PROBABLY_NEW


def test_a_find_given_without_its_town_is_looked_up_in_every_town():
    match = INDEX.match(Find("张三塑料造粒加工点", lon=ZHANG.lon, lat=ZHANG.lat))
    assert [c.enterprise_id for c in match.candidates] == [ZHANG.id, ELSEWHERE.id]  # the one 6 km away second
    reasons = INDEX.match(Find("湖塘鑫达塑料制品厂")).candidates[0].reasons
    assert reasons == ["名称相近（去掉“厂”“常州市武进区湖塘”“有限公司”后相同）"]


def test_a_rename_at_the_same_place_is_found_by_the_same_person_or_phone():
    by_person = Find("张三五金加工作坊", HUTANG, "张三", lon=ZHANG.lon, lat=ZHANG.lat)
    by_phone = Find("李梅五金加工作坊", HUTANG, "李梅", "13800000002", lon=ZHANG.lon, lat=ZHANG.lat)
    assert _top(INDEX, by_person)[0] == ZHANG.id and _top(INDEX, by_phone)[0] == ZHANG.id


def test_a_sound_alike_shop_name_is_found():
    found, match = _top(INDEX, Find("新达塑料制品厂", HUTANG))
    assert found == XINDA.id and "名称相近（“新”与“鑫”同音）" in match.candidates[0].reasons


def test_the_operators_name_or_the_signboard_finds_a_licensed_company():
    assert _top(INDEX, Find("王建国塑料加工点", HUTANG, lon=XINDA.lon, lat=XINDA.lat))[0] == XINDA.id
    assert _top(INDEX, Find("鑫达塑料", HUTANG, lon=XINDA.lon, lat=(XINDA.lat or 0) + 0.0005))[0] == XINDA.id


def test_a_find_like_nothing_known_is_probably_new_with_a_chinese_label():
    match = INDEX.match(Find("赵六家具喷漆作坊", HUTANG, "赵六", lon=119.99, lat=31.70))
    assert match.as_dict() == {"verdict": PROBABLY_NEW, "verdict_label": "很可能是新发现的企业（未找到相符的已登记企业）",
                               "candidates": []}  # fmt: skip


def test_matching_many_at_once_gives_the_same_answers_as_one_by_one():
    finds = [Find("湖塘鑫达塑料制品厂", HUTANG), Find("别的名字", HUTANG, phone="13800000002"),
             Find("赵六家具喷漆作坊", NIUTANG), Find("张三塑料造粒加工点", HUTANG, lon=ZHANG.lon, lat=ZHANG.lat)]  # fmt: skip
    assert [m.as_dict() for m in INDEX.match_many(finds)] == [INDEX.match(f).as_dict() for f in finds]


@pytest.fixture(scope="module")
def labelled() -> tuple[similarity_cases.LabelledSet, list[Match]]:
    cases = similarity_cases.generate(n_known=3000, n_cases=600, seed=2021)
    index = KnownIndex(cases.known, cases.town_names)
    return cases, index.match_many([c.wgs84() for c in cases.cases])


def test_the_top_candidate_is_right_nine_times_in_ten_on_a_labelled_set(labelled):
    cases, matches = labelled
    scores = similarity_cases.evaluate(cases.cases, matches, at=POSSIBLY_KNOWN)
    assert scores["all"].precision >= 0.9 and scores["known"].recall >= 0.9
    assert scores["new"].new_rate >= 0.9


def test_every_kind_of_find_is_mostly_answered_right(labelled):
    cases, matches = labelled
    scores = similarity_cases.evaluate(cases.cases, matches)
    assert all(scores[kind].recall >= 0.8 for kind in similarity_cases.POSITIVE_KINDS), scores
    assert all(scores[kind].new_rate >= 0.8 for kind in similarity_cases.NEGATIVE_KINDS), scores


def test_gcj02_cases_are_converted_before_matching(labelled):
    cases, _ = labelled
    case = next(c for c in cases.cases if c.datum == geo.DATUM_GCJ02 and c.find.lon is not None)
    converted = case.wgs84()
    assert converted.lon is not None and case.find.lon is not None and case.find.lat is not None
    assert geo.distance_m(converted.lon, converted.lat or 0, case.find.lon, case.find.lat) > 300
