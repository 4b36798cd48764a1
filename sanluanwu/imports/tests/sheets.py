"""Build the kinds of sheets towns really send (for tests): titles, merged 2-row headers, notes, GBK CSV, .xls."""

from __future__ import annotations

import io
from typing import Any

import openpyxl

TWO_ROW_HEADER = [
    ["序号", "企业名称", "行业类别", "详细地址", "经纬度", "企业法人或负责人", "属于“回头看”四种排查类型类别",
     "营业执照办理情况", "存在问题", None, None, "整治  类型", "计划完成时间", "整治进度", "责任人"],
    [None, None, None, None, None, None, None, None, "环境违法行为、环境风险问题", "安全隐患", "其他问题",
     None, None, None, None],
]  # fmt: skip


def messy_xlsx(rows: list[list[Any]], *, title: bool = True, notes: bool = True) -> bytes:
    """A 附件2 as a town clerk fills it: title and unit rows, the header over two merged rows, blank lines, notes."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "湖塘镇"
    r = 1
    if title:
        ws.cell(1, 1, "武进区“散乱污”企业（作坊）动态管理整治企业清单")
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=15)
        ws.cell(2, 1, "填报单位（盖章）：湖塘镇人民政府        填报日期：2020年7月15日")
        r = 4
    for i, header in enumerate(TWO_ROW_HEADER):
        for c, value in enumerate(header, start=1):
            if value is not None:
                ws.cell(r + i, c, value)
    for c in (1, 2, 3, 4, 5, 6, 7, 8, 12, 13, 14, 15):
        ws.merge_cells(start_row=r, start_column=c, end_row=r + 1, end_column=c)
    ws.merge_cells(start_row=r, start_column=9, end_row=r, end_column=11)
    r += 2
    for values in rows:
        for c, value in enumerate(values, start=1):
            ws.cell(r, c, value)
        r += 1
    if notes:
        r += 1
        for text in [
            "填写说明：",
            "1、企业名称栏有营业执照的请按营业执照规范填写；无营业执照的按“负责人姓名+经营内容+作坊（或个体户）”填写。",
            "2、存在问题栏分类填写存在的主要问题，对应栏目内不存在问题的不填。",
        ]:
            ws.cell(r, 1, text)
            ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=15)
            r += 1
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def csv_bytes(rows: list[list[Any]], encoding: str = "utf-8") -> bytes:
    import csv

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["序号", "企业名称", "行业类别", "详细地址", "经纬度", "企业法人或负责人", "属于“回头看”四种排查类型类别",
                     "营业执照办理情况", "存在环境违法行为、环境风险问题情况", "存在安全隐患情况", "存在其他问题情况",
                     "整治类型", "计划完成时间", "整治进度", "责任人"])  # fmt: skip
    for r in rows:
        writer.writerow(r)
    return out.getvalue().encode(encoding)


def xls_bytes(rows: list[list[Any]]) -> bytes:
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("Sheet1")
    header = ["序号", "企业名称", "行业类别", "详细地址", "经纬度", "企业法人或负责人", "排查类型", "营业执照",
              "环境问题", "安全隐患", "其他问题", "整治类型", "计划完成时间", "整治进度", "责任人"]  # fmt: skip
    for c, h in enumerate(header):
        ws.write(0, c, h)
    for r, values in enumerate(rows, start=1):
        for c, v in enumerate(values):
            ws.write(r, c, v)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


LIST_HEADER = ["序号", "企业名称", "行业类别", "详细地址", "经纬度", "企业法人或负责人", "属于“回头看”四种排查类型类别",
               "营业执照办理情况", "存在环境违法行为、环境风险问题情况", "存在安全隐患情况", "存在其他问题情况",
               "整治类型", "计划完成时间", "整治进度", "责任人"]  # fmt: skip


def clerk_xlsx(
    rows: list[list[Any]],
    *,
    header: list[Any] | None = None,
    above: list[list[Any]] | None = None,
    below: list[list[Any]] | None = None,
    sheet: str = "湖塘镇",
) -> bytes:
    """A sheet as a town clerk makes one: rows above the header (a title, 填报日期, each one cell merged across the
    table when it has one value), one header row, the data, and rows below it (合计, 填表人, 盖章, 以下空白)."""
    header = header or LIST_HEADER
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    r = 1
    for values in above or []:
        for c, value in enumerate(values, start=1):
            if value is not None:
                ws.cell(r, c, value)
        if len([v for v in values if v is not None]) == 1 and values[0] is not None:
            ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=len(header))
        r += 1
    for c, value in enumerate(header, start=1):
        ws.cell(r, c, value)
    r += 1
    for values in [*rows, *(below or [])]:
        for c, value in enumerate(values, start=1):
            if value is not None:
                ws.cell(r, c, value)
        r += 1
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
