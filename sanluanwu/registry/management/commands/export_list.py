"""`python manage.py export_list --unit 湖塘镇|湖塘镇,牛塘镇|all [--as-of DATE] -o FILE`: 附件2 as .xlsx."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sanluanwu.accounts.choices import OrgUnitKind
from sanluanwu.accounts.models import OrgUnit
from sanluanwu.registry.exports import attachment2_rows, write_attachment2
from sanluanwu.registry.models import Case


class Command(BaseCommand):
    help = "导出附件2（武进区“散乱污”企业（作坊）动态管理整治企业清单）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--unit", required=True, help="镇（街道）名称，多个用逗号分隔，或 all 表示全区")
        parser.add_argument("--as-of", help="截至日期 YYYY-MM-DD，默认今天")
        parser.add_argument("-o", "--output", required=True, help="输出文件（.xlsx）")

    def handle(self, *args: Any, **options: Any) -> None:
        from sanluanwu.core import clock

        try:
            as_of = dt.date.fromisoformat(options["as_of"]) if options["as_of"] else clock.today()
        except ValueError:
            raise CommandError("--as-of 应为 YYYY-MM-DD") from None
        # The command runs on the server as the operator: district-wide, like the office.
        cases = Case.objects.all()
        if options["unit"] == "all":
            label = "全区"
        else:
            names = [n.strip() for n in options["unit"].replace("，", ",").split(",") if n.strip()]
            towns = list(OrgUnit.objects.filter(kind=OrgUnitKind.TOWN, name__in=names))
            missing = set(names) - {t.name for t in towns}
            if missing:
                raise CommandError(f"找不到镇（街道）：{'、'.join(sorted(missing))}")
            cases = cases.filter(town__in=towns)
            label = "、".join(names)
        n = write_attachment2(attachment2_rows(cases, as_of=as_of), options["output"], unit_label=label, as_of=as_of)
        self.stdout.write(f"已导出 {n} 条到 {options['output']}")
