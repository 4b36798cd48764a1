"""Headers as town clerks write them: recognised, remembered once a town maps one, or asked for by name."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sanluanwu.audit.models import AuditEvent
from sanluanwu.imports import plans, services
from sanluanwu.imports.choices import BatchStatus
from sanluanwu.imports.layout import BASELINE_FIELDS, LIST_FIELDS, _match, _normalised
from sanluanwu.imports.models import ImportBatch, UnitColumnMapping
from sanluanwu.imports.services import confirm_import, preview_import, upload_import
from sanluanwu.imports.tests.sheets import clerk_xlsx
from sanluanwu.registry.cells import key
from sanluanwu.registry.models import Case, Enterprise

pytestmark = pytest.mark.usefixtures("in_2020")  # the sheets write 2020 dates

# How clerks head the fifteen columns of 附件2 (and the columns they add), collected from towns' sheets.
HEADERS = {
    "seq": ["序号", "序  号", "编号", "NO."],
    "name": ["企业名称", "企业（作坊）名称", "企业名称（全称）", "企业(个体户)名称", "经营户名称", "单位名称"],
    "industry": ["行业类别", "行业", "所属行业", "经营内容（行业）", "主营业务", "行业分类"],
    "address": ["详细地址", "地址", "经营地址", "地址（详细到门牌号）", "生产经营地址", "具体地址"],
    "coordinates": ["经纬度", "经纬度（东经、北纬）", "经纬度坐标", "GPS坐标", "坐标（经度,纬度）", "经度/纬度"],
    "legal_person": ["企业法人或负责人", "企业法人/负责人", "法人或负责人", "法人/负责人", "法定代表人（负责人）",
                     "负责人", "业主", "实际经营人", "法人代表"],
    "person_phone": ["联系人及电话", "负责人及联系电话", "负责人（联系电话）", "负责人/联系电话", "联系人、电话",
                     "法人代表/联系电话", "负责人姓名及电话"],
    "phone": ["联系电话", "联系方式", "手机号码"],
    "lookback_category": ["属于“回头看”四种排查类型类别", "属于回头看四种排查类型类别", "属于'回头看'四种排查类型类别",
                 "属于《回头看》四种排查类型类别", "排查类型", "四种排查类型类别（第一类至第四类）", "回头看类型"],
    "licence_status": ["营业执照办理情况", "营业执照", "营业执照（有/无）", "是否办理营业执照", "有无营业执照"],
    "env_problems": ["存在环境违法行为、环境风险问题情况", "存在环境违法行为及环境风险问题情况", "环境问题", "环保问题"],
    "safety_problems": ["存在安全隐患情况", "安全隐患", "安全问题"],
    "other_problems": ["存在其他问题情况", "其他问题", "其它问题"],
    "remediation_type": ["整治类型", "整治  类型", "整治类型（关停取缔/治理改造）", "整治方式", "整治类别"],
    "planned_completion": ["计划完成时间", "计划完成时限", "完成时限", "整改期限", "计划完成时间（年月日）", "整治期限"],
    "progress": ["整治进度", "整治进展情况", "整改情况", "整治进度（截至7月15日）", "目前进度"],
    "responsible_person": ["责任人", "整治责任人", "整改责任人", "包保责任人", "整治责任人（镇/村）",
                           "镇级责任人及联系电话"],
    "town": ["所属镇（街道）", "镇（街道）", "所在镇（街道、园区）", "所在镇（街道）", "所属镇（街道、开发区）", "所在镇",
             "镇（街道、园区）", "所属乡镇", "所属板块"],
    "ignore": ["备注", "备  注", "备注（整改措施）", "说明"],
}  # fmt: skip


@pytest.mark.parametrize(("field", "header"), [(f, h) for f, hs in HEADERS.items() for h in hs])
def test_a_header_as_clerks_write_it_names_its_column(field, header):
    assert _match(key(header), _normalised(LIST_FIELDS)) == field


def test_the_baseline_reads_the_same_enterprise_headers():
    table = _normalised(BASELINE_FIELDS)
    assert _match(key("企业法人/负责人"), table) == "legal_person"
    assert _match(key("2018-2019年整治方式"), table) == "method"
    assert _match(key("备注"), table) == "ignore"


VARIANT_HEADER = ["序号", "企业（作坊）名称", "行业", "地址", "经纬度（东经、北纬）", "企业法人/负责人",
                  "属于回头看四种排查类型类别", "营业执照（有/无）", "环境问题", "安全隐患", "其他问题", "整治  类型",
                  "计划完成时限", "整治进度", "整治责任人", "联系人及电话", "备注"]  # fmt: skip


def _row(n, name, person, **kw):
    values = {"seq": n, "name": name, "industry": "塑料造粒", "address": f"湖塘镇新华村{n}号",
              "coords": "119.965, 31.725", "person": person, "category": "第一类", "licence": "无", "env": "废气直排",
              "safety": "", "other": "", "rtype": "关停", "planned": "12月底", "progress": "", "resp": "陈科长",
              "contact": f"{person} 1381234567{n}", "remark": "村里反映"}  # fmt: skip
    values.update(kw)
    return list(values.values())


def test_a_sheet_headed_in_a_towns_own_words_imports_without_retyping(alice, campaign, district):
    data = clerk_xlsx([_row(1, "张三塑料造粒作坊", "张三"), _row(2, "李四塑料造粒作坊", "李四")], header=VARIANT_HEADER)
    batch = preview_import(actor=alice, batch=upload_import(actor=alice, data=data, filename="湖塘镇.xlsx", kind="list",
                                                            unit=district["hutang"]))  # fmt: skip
    assert batch.counts["new"] == 2 and batch.counts["error"] == 0, batch.preview["errors"]
    sheet = batch.preview["sheets"]["湖塘镇"]
    assert sheet["unknown"] == {} and sheet["missing_usual"] == []
    assert sheet["ignored"] == {"备注": "备注类列，不导入"}
    assert sheet["columns"]["联系人及电话"] == "负责人及联系电话（同一格）"
    confirm_import(actor=alice, batch=batch)
    zhang = Enterprise.objects.get(name="张三塑料造粒作坊")
    assert (zhang.legal_person, zhang.phone) == ("张三", "13812345671")


def test_a_second_column_for_the_same_field_is_shown_as_not_imported(alice, campaign, district):
    header = [*VARIANT_HEADER[:15], "村级责任人"]
    data = clerk_xlsx([[*_row(1, "张三塑料造粒作坊", "张三")[:15], "王村长"]], header=header)
    batch = preview_import(actor=alice, batch=upload_import(actor=alice, data=data, filename="a.xlsx", kind="list",
                                                            unit=district["hutang"]))  # fmt: skip
    assert batch.preview["sheets"]["湖塘镇"]["ignored"] == {"村级责任人": "与前面的“责任人”列重复，不导入"}
    assert batch.counts["new"] == 1


# A town's own headers that no synonym knows: 户名 for 企业名称, 老板 for 负责人, 干啥的 for 行业类别.
OWN_HEADER = ["序号", "户名", "干啥的", "详细地址", "经纬度", "老板", "排查类型", "营业执照", "环境问题", "安全隐患",
              "其他问题", "整治类型", "计划完成时间", "整治进度", "责任人"]  # fmt: skip


def _own_sheet(*names: str, header: list[str] = OWN_HEADER) -> bytes:
    rows = [_row(i, name, name[:2])[:15] for i, name in enumerate(names, start=1)]
    if header is not OWN_HEADER:  # the same columns in another order
        rows = [[row[OWN_HEADER.index(h)] for h in header] for row in rows]
    return clerk_xlsx(
        rows, header=header, above=[["武进区“散乱污”企业（作坊）动态管理整治企业清单"], ["填报日期：2020年7月15日"]]
    )


def test_a_header_without_the_name_column_names_what_it_found_and_asks(client, alice, campaign, district):
    client.force_login(alice)
    client.post("/imports/", {"kind": "list", "unit": district["hutang"].pk, "coord_datum": "wgs84",
                              "file": SimpleUploadedFile("湖塘镇.xlsx", _own_sheet("张三塑料造粒作坊"))})  # fmt: skip
    batch = ImportBatch.objects.get()
    assert batch.status == BatchStatus.PREVIEWED and batch.counts == {
        "new": 0, "changed": 0, "unchanged": 0, "error": 0, "skipped": 0}  # fmt: skip
    sheet = batch.preview["sheets"]["湖塘镇"]
    assert sheet["incomplete"] and sheet["missing_required"] == ["企业名称"]
    assert set(sheet["unknown"].values()) == {"户名", "干啥的", "老板"}
    assert (
        "工作表“湖塘镇”的表头里没有找到必需的列：企业名称（已识别：序号、详细地址、经纬度、排查类型类别"
        in batch.message
    )
    page = client.get(f"/imports/{batch.pk}/").content.decode()
    assert "缺少必需的列：企业名称" in page and 'name="map:湖塘镇:1"' in page
    assert 'id="confirm" disabled' in page and "表头未能完整识别，请先在下方指定各列的含义" in page


def test_a_header_with_one_or_two_known_columns_names_them_and_the_usual_ones_missing(alice, campaign, district):
    data = "企业名称,老板,门牌\n张三塑料造粒作坊,张三,新华村1号\n".encode("gbk")
    batch = preview_import(actor=alice, batch=upload_import(actor=alice, data=data, filename="名单.csv", kind="list",
                                                            unit=district["hutang"]))  # fmt: skip
    assert batch.status == BatchStatus.PREVIEWED and batch.preview["sheets"]["CSV"]["incomplete"]
    assert "工作表“CSV”的表头只识别出：企业名称；缺少：行业类别、详细地址、经纬度、企业法人或负责人" in batch.message
    assert [m[1] for m in batch.preview["sheets"]["CSV"]["mappable"]] == ["老板", "门牌"]


def test_a_mapping_made_in_the_preview_is_remembered_for_the_towns_next_uploads(client, alice, bob, campaign,
                                                                                 district):  # fmt: skip
    client.force_login(alice)
    client.post("/imports/", {"kind": "list", "unit": district["hutang"].pk, "coord_datum": "wgs84",
                              "file": SimpleUploadedFile("湖塘镇.xlsx", _own_sheet("张三塑料造粒作坊"))})  # fmt: skip
    batch = ImportBatch.objects.get()
    client.post(f"/imports/{batch.pk}/mapping/", {"map:湖塘镇:1": "name", "map:湖塘镇:2": "industry",
                                                  "map:湖塘镇:5": "legal_person"})  # fmt: skip
    batch.refresh_from_db()
    assert batch.counts["new"] == 1, batch.preview
    assert AuditEvent.objects.get(action="imports.batch.mapped").changes["remembered"][1] == {
        "户名": "name", "干啥的": "industry", "老板": "legal_person"}  # fmt: skip
    assert UnitColumnMapping.objects.filter(unit=district["hutang"], kind="list").count() == 3

    # Next time the town sends its sheet (columns moved), the headers are known; the preview says why.
    moved = ["序号", "老板", "户名", "干啥的", *OWN_HEADER[3:5], *OWN_HEADER[6:]]
    again = preview_import(actor=alice, batch=upload_import(
        actor=alice, data=_own_sheet("李四塑料造粒作坊", header=moved), filename="湖塘镇2.xlsx", kind="list",
        unit=district["hutang"]))  # fmt: skip
    assert again.counts["new"] == 1, again.preview
    assert again.preview["sheets"]["湖塘镇"]["remembered"] == {"老板": "企业法人或负责人", "户名": "企业名称",
                                                               "干啥的": "行业类别"}  # fmt: skip
    page = client.get(f"/imports/{again.pk}/").content.decode()
    assert "按本单位上次指定的对应" in page and '<option value="name" selected>' in page

    # Another town, or another kind of sheet, is not affected.
    other = preview_import(actor=bob, batch=upload_import(actor=bob, data=_own_sheet("王五塑料造粒作坊"),
                                                          filename="牛塘镇.xlsx", kind="list", unit=district["niutang"]))  # fmt: skip
    assert other.preview["sheets"]["湖塘镇"]["incomplete"]


def test_a_town_clears_its_remembered_mappings_on_the_import_page_and_it_is_audited(client, alice, bob, campaign,
                                                                                     district):  # fmt: skip
    batch = preview_import(actor=alice, batch=upload_import(actor=alice, data=_own_sheet("张三塑料造粒作坊"),
                                                            filename="a.xlsx", kind="list", unit=district["hutang"]))  # fmt: skip
    services.map_columns(actor=alice, batch=batch, choices={"湖塘镇": {"1": "name", "5": "legal_person"}})
    batch = preview_import(actor=alice, batch=batch)
    before = plans.fingerprint(batch, alice, services.synonyms())

    bob_client = client.__class__()
    bob_client.force_login(bob)
    assert bob_client.post("/imports/column-mappings/clear/", {"unit": district["hutang"].pk}).status_code == 404
    client.force_login(alice)
    page = client.get("/imports/").content.decode()
    assert "记住的列对应" in page and "“户名” → 企业名称" in page
    response = client.post("/imports/column-mappings/clear/", {"unit": district["hutang"].pk}, follow=True)
    assert "已清除湖塘镇记住的 2 条列对应" in response.content.decode()
    assert not UnitColumnMapping.objects.exists()
    event = AuditEvent.objects.get(action="imports.column_mappings.cleared")
    assert event.object_id == str(district["hutang"].pk) and event.changes["column_mappings"][0] == {
        "动态管理整治名单（附件2）：户名": "name", "动态管理整治名单（附件2）：老板": "legal_person"}  # fmt: skip
    # A stored plan made with the remembered mapping is no longer applied as it was.
    assert plans.fingerprint(batch, alice, services.synonyms()) != before


def test_a_district_import_has_no_unit_to_remember_for(office, campaign, district):
    header = [*OWN_HEADER, "所属镇（街道）"]
    data = clerk_xlsx([[*_row(1, "张三塑料造粒作坊", "张三")[:15], "湖塘镇"]], header=header)
    batch = preview_import(actor=office, batch=upload_import(actor=office, data=data, filename="全区.xlsx",
                                                             kind="list", unit=None))  # fmt: skip
    services.map_columns(
        actor=office, batch=batch, choices={"湖塘镇": {"1": "name", "2": "industry", "5": "legal_person"}}
    )
    assert preview_import(actor=office, batch=batch).counts["new"] == 1, batch.preview
    assert not UnitColumnMapping.objects.exists()


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("list", "没有一行像附件2（动态管理整治企业清单）的表头"),
        ("baseline", "没有一行像2018-2019年集中整治名单的表头"),
    ],
)
def test_a_file_with_no_header_at_all_says_which_list_it_is_not(alice, campaign, district, kind, message):
    data = "周报\n本周完成排查 12 家，发现问题 3 处\n".encode()
    batch = preview_import(actor=alice, batch=upload_import(actor=alice, data=data, filename="周报.csv", kind=kind,
                                                            unit=district["hutang"]))  # fmt: skip
    assert batch.status == BatchStatus.REJECTED and message in batch.message


def test_the_command_says_a_sheet_it_could_not_read_with_exit_code_2(alice, campaign, district, tmp_path, capsys):
    from django.core.management import call_command

    path = tmp_path / "湖塘镇.xlsx"
    path.write_bytes(_own_sheet("张三塑料造粒作坊"))
    with pytest.raises(SystemExit) as exit_:
        call_command("import_list", str(path), "--unit", "湖塘镇")
    assert exit_.value.code == 2 and "没有找到必需的列：企业名称" in capsys.readouterr().out
    assert not Case.objects.exists()
