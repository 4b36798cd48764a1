"""The 2018-2019 baseline comes in each town's own columns; unknown headers are mapped by the user."""

from __future__ import annotations

import csv
import io

from sanluanwu.imports.choices import BatchStatus
from sanluanwu.imports.services import confirm_import, preview_import, upload_import
from sanluanwu.registry.models import BaselineRecord, Enterprise


def _csv(header: list[str], rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["湖塘镇2018-2019年散乱污整治完成情况汇总"])
    w.writerow(header)
    w.writerows(rows)
    return out.getvalue().encode("gbk")


HEADER = ["编号", "单位名称", "所在镇", "地址", "法人代表", "所属行业", "整治方式", "完成日期", "坐标"]
ROWS = [
    ["1", "张三塑料造粒作坊", "湖塘", "湖塘镇新华村1号", "张三", "塑料造粒", "取缔", "2018.10.12", "119.965,31.725"],
    ["2", "常州市武进区鑫达印务有限公司", "湖塘镇", "湖塘镇新华村2号", "李四", "印刷", "整治提升", "2019/5/8", ""],
    ["3", "王五铸造作坊", "湖塘镇", "湖塘镇新华村3号", "王五", "铸造", "整合搬迁", "2019年12月1日", ""],
    ["4", "赵六石材加工作坊", "湖塘镇", "湖塘镇新华村4号", "赵六", "石材加工", "拆除复垦", "", ""],
]


def test_a_baseline_sheet_with_its_own_headers_is_imported_keeping_the_method_as_written(alice, campaign, district):
    batch = upload_import(actor=alice, data=_csv(HEADER, ROWS), filename="底册.csv", kind="baseline",
                          unit=district["hutang"])  # fmt: skip
    batch = preview_import(actor=alice, batch=batch)
    assert batch.status == BatchStatus.PREVIEWED, batch.message
    assert batch.counts["new"] == 4, batch.preview["errors"]
    batch = confirm_import(actor=alice, batch=batch)
    records = {r.enterprise.name: r for r in BaselineRecord.objects.select_related("enterprise")}
    assert records["张三塑料造粒作坊"].method == "shutdown" and records["张三塑料造粒作坊"].method_text == "取缔"
    assert records["常州市武进区鑫达印务有限公司"].method == "rectification"
    assert records["王五铸造作坊"].method == "relocation"
    assert records["赵六石材加工作坊"].method == "other" and records["赵六石材加工作坊"].method_text == "拆除复垦"
    assert str(records["张三塑料造粒作坊"].completed_on) == "2018-10-12"
    again = preview_import(actor=alice, batch=upload_import(actor=alice, data=_csv(HEADER, ROWS), filename="底册.csv",
                                                            kind="baseline", unit=district["hutang"]))  # fmt: skip
    assert again.counts["unchanged"] == 4


def test_an_unknown_header_is_mapped_by_the_user_in_the_preview(alice, campaign, district):
    header = [h if h != "法人代表" else "户主姓名" for h in HEADER]
    batch = upload_import(actor=alice, data=_csv(header, ROWS[:1]), filename="b.csv", kind="baseline",
                          unit=district["hutang"])  # fmt: skip
    batch = preview_import(actor=alice, batch=batch)
    sheet = batch.preview["sheets"]["CSV"]
    assert "户主姓名" in sheet["unknown"].values()
    assert batch.counts["error"] == 1  # no responsible person yet
    column = next(c for c, h in sheet["unknown"].items() if h == "户主姓名")
    batch = preview_import(actor=alice, batch=batch, column_mapping={"CSV": {column: "legal_person"}})
    assert batch.counts == {"new": 1, "changed": 0, "unchanged": 0, "error": 0, "skipped": 0}
    confirm_import(actor=alice, batch=batch)
    assert Enterprise.objects.get().legal_person == "张三"


def test_a_baseline_method_left_empty_is_an_error_naming_the_row(alice, campaign, district):
    rows = [["1", "张三塑料造粒作坊", "湖塘镇", "湖塘镇1号", "张三", "塑料造粒", "", "", ""]]
    batch = preview_import(actor=alice, batch=upload_import(actor=alice, data=_csv(HEADER, rows), filename="b.csv",
                                                            kind="baseline", unit=district["hutang"]))  # fmt: skip
    assert batch.preview["errors"] == [{"sheet": "CSV", "row": 3, "name": "张三塑料造粒作坊", "column": "整治方式",
                                        "message": "请填写2018-2019年整治方式"}]  # fmt: skip
