from __future__ import annotations

from sanluanwu.lookback import queries, services
from sanluanwu.lookback.tests.conftest import baseline_target
from sanluanwu.registry.models import Case


def _clear(target):
    return {f"answer_{i.code}": ("yes" if i.problem_if == "no" else "no") for i in services.applicable_items(target)}


def test_progress_counts_done_to_do_and_problems_per_town_and_village(
    alice, ada, office, campaign, district, shut_target
):
    other = baseline_target(alice, campaign, district["hutang"], "rectification", name="李四木材加工作坊",
                            legal_person="李四", industry="木材加工", coordinates="119.9900, 31.7000", village="东安村")  # fmt: skip
    answers = {i.code: ("yes" if i.problem_if == "no" else "no") for i in services.applicable_items(shut_target)}
    answers["producing"] = "yes"
    services.submit_inspection(actor=ada, inspection=services.start_inspection(actor=ada, target=shut_target),
                               data=services.InspectionInput(answers=answers, inspectors="李"))  # fmt: skip
    towns = {r["name"]: r for r in queries.progress(office, campaign, by="town")}
    assert (towns["湖塘镇"]["total"], towns["湖塘镇"]["done"], towns["湖塘镇"]["problems"]) == (2, 1, 1)
    villages = {r["name"]: r for r in queries.progress(alice, campaign, by="village", town_id=district["hutang"].pk)}
    assert villages["东安村"]["to_do"] == 1 and other.village == "东安村"


def test_a_town_sees_only_its_own_progress(bob, campaign, shut_target):
    assert queries.progress(bob, campaign, by="town") == []


def test_a_new_find_that_looks_known_is_linked_instead_of_duplicated(client, ada, campaign, district, shut_target):
    client.force_login(ada)
    inspection = services.start_inspection(actor=ada, target=shut_target)
    url = f"/lookback/inspections/{inspection.pk}/"
    data = _clear(shut_target) | {"answer_new_operator": "yes", "inspectors": "李排查员", "new_name": "张三塑料造粒加工点",
                                  "new_legal_person": "张三", "new_industry": "塑料造粒", "submit": "1"}  # fmt: skip
    page = client.post(url, data)
    html = page.content.decode()
    assert page.status_code == 400 and "可能是已登记的企业" in html and "名称相近" in html
    assert not Case.objects.exists()
    response = client.post(url, data | {"link_enterprise": shut_target.enterprise_id})
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.enterprise_id == shut_target.enterprise_id and case.lookback_category == 3


def test_the_worklist_page_lists_the_inspectors_places_nearest_first(
    client, ada, alice, campaign, district, shut_target
):
    far = baseline_target(alice, campaign, district["hutang"], "shutdown", name="王五铸造作坊", legal_person="王五",
                          industry="铸造", coordinates="119.9400, 31.7000")  # fmt: skip
    client.force_login(ada)
    html = client.get("/lookback/worklist/", {"lon": 119.9401, "lat": 31.7001}).content.decode()
    assert html.index(far.name) < html.index(shut_target.name)
    assert "米" in html


def test_each_worklist_row_links_its_place_says_what_it_was_and_starts_with_a_token_the_server_accepts(
    ada, alice, campaign, district, shut_target
):
    import re

    from django.test import Client

    odd = baseline_target(alice, campaign, district["hutang"], "rectification", name="<b>赵六</b>喷漆作坊",
                          legal_person="<b>赵六</b>", industry="喷漆", village="新华村",
                          coordinates="119.9400, 31.7000")  # fmt: skip
    place = services.add_place(actor=ada, campaign=campaign, town=district["hutang"], kind="abandoned_factory",
                               name="新华村原纺织厂", address="湖塘镇新华村12号")  # fmt: skip
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(ada)
    html = browser.get("/lookback/worklist/", {"lon": 119.9401, "lat": 31.7001}).content.decode()
    rows = {pk: html[html.index(f'href="/lookback/targets/{pk}/"') :] for pk in (odd.pk, place.pk, shut_target.pk)}
    row = rows[odd.pk][: rows[odd.pk].index("</li>")]
    assert "&lt;b&gt;赵六&lt;/b&gt;喷漆作坊" in row and "<b>赵六" not in row  # escaped, never markup
    assert "2018-2019年治理改造" in row and "（新华村）" in row and "登记位置：119.940000, 31.700000" in row
    assert '<span class="tag distance">' in row and " 米</span>" in row
    other = rows[place.pk][: rows[place.pk].index("</li>")]
    assert place.get_kind_display() in other
    assert "登记位置" not in other and "tag distance" not in other  # no position: no distance either
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', rows[shut_target.pk]).group(1)
    start = re.search(rf'action="(/lookback/targets/{shut_target.pk}/start/)"', html).group(1)
    response = browser.post(start, {"csrfmiddlewaretoken": token})
    assert response.status_code == 302 and "/lookback/inspections/" in response["Location"]


def test_a_manager_assigns_a_place_to_an_inspector_of_the_town(client, alice, ada, bob, shut_target):
    client.force_login(alice)
    assert "分配给排查员" in client.get(f"/lookback/targets/{shut_target.pk}/").content.decode()
    client.post(f"/lookback/targets/{shut_target.pk}/assign/", {"inspector": ada.pk})
    shut_target.refresh_from_db()
    assert shut_target.assigned_to == ada
    client.post(f"/lookback/targets/{shut_target.pk}/assign/", {"inspector": bob.pk})  # not of this town
    shut_target.refresh_from_db()
    assert shut_target.assigned_to == ada


def test_assignment_through_the_api(alice, ada, shut_target):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(alice)
    response = api.post(f"/api/v1/lookback/targets/{shut_target.pk}/assign/", {"inspector": ada.pk}, format="json")
    assert response.status_code == 200 and response.json()["assigned_to"] == ada.pk


def test_submitting_a_find_at_a_vacant_factory_says_it_went_on_the_list_as_category_3(client, ada, campaign, district):
    place = services.add_place(actor=ada, campaign=campaign, town=district["hutang"], kind="abandoned_factory",
                               name="新华村原纺织厂", address="湖塘镇新华村12号", coordinates="119.9800, 31.7100")  # fmt: skip
    client.force_login(ada)
    inspection = services.start_inspection(actor=ada, target=place)
    form = client.get(f"/lookback/inspections/{inspection.pk}/").content.decode()
    assert "进驻该空置厂房" in form and "是否发现未纳入整治" not in form
    data = {"answer_vacant_occupied": "yes", "inspectors": "李排查员", "new_name": "孙八塑料造粒作坊",
            "new_legal_person": "孙八", "new_industry": "塑料造粒", "acknowledge_new": "on", "submit": "1"}  # fmt: skip
    response = client.post(f"/lookback/inspections/{inspection.pk}/", data, follow=True)
    html = response.content.decode()
    assert "已列入动态管理整治名单（第三类）" in html and ">第三类</span>" in html
    assert Case.objects.get().lookback_category == 3
