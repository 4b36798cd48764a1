from __future__ import annotations

from sanluanwu.lookback.matching import Find, Known, KnownIndex, candidates_for, core_name

KNOWN = [
    Known("常州市武进区湖塘鑫达塑料制品有限公司", 10, "王建国", "13800000001", "", 119.9600, 31.7200, id=1),
    Known("张三塑料造粒作坊", 10, "张三", "13800000002", "", 119.9700, 31.7300, id=2),
    Known("李四木材加工点", 10, "李四", "", "91320412MA1XYW1238", 119.9800, 31.7400, id=3),
    Known("张三塑料造粒作坊", 20, "张三", "", "", 119.9000, 31.7350, id=4),  # another town
]
INDEX = KnownIndex(KNOWN, ["湖塘镇", "牛塘镇"])


def _reasons(find: Find) -> dict[int, list[str]]:
    return {c.enterprise_id: c.reasons for c in INDEX.candidates(find)}


def test_legal_form_and_place_words_do_not_make_names_different():
    assert core_name("常州市武进区湖塘鑫达塑料制品有限公司", ["湖塘"]) == core_name("鑫达塑料制品厂", ["湖塘"])
    assert core_name("李四木材加工点") == core_name("李四木材作坊") == "李四木材"


def test_a_similar_name_in_the_same_town_is_a_candidate_with_its_reason():
    found = _reasons(Find("湖塘鑫达塑料制品厂", 10))
    assert 1 in found and found[1][0].startswith("名称相近")


def test_the_same_person_phone_code_or_place_are_reasons_too():
    assert "负责人相同" in _reasons(Find("某某作坊", 10, legal_person="李四"))[3]
    assert "联系电话相同" in _reasons(Find("别的名字", 10, phone="13800000002"))[2]
    assert "统一社会信用代码相同" in _reasons(Find("别的名字", 30, credit_code="91320412MA1XYW1238"))[3]
    near = _reasons(Find("无关名称", 10, lon=119.9605, lat=31.7202))
    assert any(r.startswith("相距") for r in near[1])


def test_an_unrelated_find_has_no_candidates():
    assert INDEX.candidates(Find("赵六家具喷漆作坊", 10, lon=119.99, lat=31.70)) == []


def test_a_same_name_in_another_town_is_not_offered_by_name():
    assert 4 not in _reasons(Find("张三塑料造粒作坊", 10))


def test_candidates_respect_the_users_scope(bob, hutang_case, district):
    found = candidates_for(bob, Find(hutang_case.enterprise.name, district["niutang"].pk, lon=119.965, lat=31.725))
    assert found == []


def test_matching_many_at_once_gives_the_same_candidates_as_one_by_one():
    finds = [Find("湖塘鑫达塑料制品厂", 10), Find("别的名字", 10, phone="13800000002"), Find("赵六家具喷漆作坊", 20),
             Find("李四木材作坊", 10, lon=119.98, lat=31.74)]  # fmt: skip
    many = INDEX.candidates_many(finds)
    one = [INDEX.candidates(f) for f in finds]
    assert [[(c.enterprise_id, c.reasons) for c in cs] for cs in many] == [
        [(c.enterprise_id, c.reasons) for c in cs] for cs in one
    ]
