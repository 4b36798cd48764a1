"""`python manage.py export_list --unit 湖塘镇|湖塘镇,牛塘镇|all [--as-of DATE] [--actor USER] [--unmasked --reason
TEXT] -o FILE`: 附件2 as .xlsx, audited like a page's export (one event: rows, masked or not, the file's SHA-256).

Who exports: `--actor` names an account, whose scope (cases_visible_to) and permissions (case.export, and
export.unmasked for --unmasked) apply, and the event is filed under it. Without it the server operator exports
(accounts.scope.OperatorActor: district-wide, like the office admin), audited as "命令行:export_list/<OS user>" —
the shell account that ran the command is who is accountable for a file written on the server.
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import os
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sanluanwu.accounts import permissions
from sanluanwu.accounts.choices import OrgUnitKind
from sanluanwu.accounts.models import OrgUnit, User
from sanluanwu.accounts.queries import district, towns_visible_to
from sanluanwu.accounts.scope import OperatorActor, scope_for
from sanluanwu.core import files
from sanluanwu.core.errors import DomainError
from sanluanwu.registry.exports import attachment2_rows, write_attachment2
from sanluanwu.registry.queries import cases_visible_to
from sanluanwu.registry.services import check_export, record_export


def _operator() -> OperatorActor:
    try:
        who = getpass.getuser()
    except (KeyError, OSError):  # no name for the process's uid (a bare container)
        who = "unknown"
    return OperatorActor(f"export_list/{who}")


class Command(BaseCommand):
    help = "导出附件2（武进区“散乱污”企业（作坊）动态管理整治企业清单）；每次导出记入审计日志"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--unit", required=True, help="镇（街道）名称，多个用逗号分隔，或 all 表示全区")
        parser.add_argument("--as-of", help="截至日期 YYYY-MM-DD，默认今天")
        parser.add_argument("-o", "--output", required=True, help="输出文件（.xlsx）")
        parser.add_argument(
            "--actor", help="以该用户名的身份和权限导出（审计记在该用户名下）；不填则为服务器命令行操作员"
        )
        parser.add_argument("--unmasked", action="store_true", help="导出完整的联系电话、身份证号（须 --reason）")
        parser.add_argument("--reason", default="", help="导出完整个人信息的原因（留痕）")

    def handle(self, *args: Any, **options: Any) -> None:
        from sanluanwu.core import clock

        try:
            as_of = dt.date.fromisoformat(options["as_of"]) if options["as_of"] else clock.today()
        except ValueError:
            raise CommandError("--as-of 应为 YYYY-MM-DD") from None
        actor: Any = _operator()
        if options["actor"]:
            actor = User.objects.filter(username=options["actor"], is_active=True).first()
            if actor is None:
                raise CommandError(f"找不到有效的用户：{options['actor']}")
        scope = scope_for(actor)
        if reason := permissions.denial(scope, "case.export"):
            raise CommandError(reason)
        cases = cases_visible_to(scope)
        towns: list[OrgUnit] = []
        if options["unit"] == "all":
            label = "全区"
        else:
            names = [n.strip() for n in options["unit"].replace("，", ",").split(",") if n.strip()]
            towns = list(OrgUnit.objects.filter(kind=OrgUnitKind.TOWN, name__in=names))
            missing = set(names) - {t.name for t in towns}
            if missing:
                raise CommandError(f"找不到镇（街道）：{'、'.join(sorted(missing))}")
            # A town the actor may not see is as unknown to it as in the list's filter (registry.filters: 404), not
            # an empty file headed with that town's name (helper-47).
            hidden = {t.name for t in towns} - set(
                towns_visible_to(scope).filter(pk__in=[t.pk for t in towns]).values_list("name", flat=True)
            )
            if hidden and getattr(actor, "pk", None):
                raise CommandError(f"找不到镇（街道）：{'、'.join(sorted(hidden))}（不在 {actor.username} 的范围内）")
            cases = cases.filter(town__in=towns)
            label = "、".join(names)
        about = None if getattr(actor, "pk", None) else (towns[0] if len(towns) == 1 else district())
        if about is None and not getattr(actor, "pk", None):
            raise CommandError("尚未建立组织机构（区），无法导出")
        unmasked, why = options["unmasked"], options["reason"]
        try:
            check_export(actor=actor, unmasked=unmasked, reason=why)
        except DomainError as exc:
            raise CommandError(exc.text) from None
        output = Path(options["output"])
        # The file holds names (and phones when unmasked): the service user's only, before anything is written.
        os.close(os.open(output, os.O_WRONLY | os.O_CREAT, files.FILE_MODE))
        output.chmod(files.FILE_MODE)
        n = write_attachment2(attachment2_rows(cases, as_of=as_of, unmasked=unmasked), str(output), unit_label=label,
                              as_of=as_of)  # fmt: skip
        digest = hashlib.sha256(output.read_bytes()).hexdigest()
        record_export(actor=actor, kind="附件2（命令行导出）", filename=str(output.resolve()), sha256=digest, rows=n,
                      unmasked=unmasked, reason=why, about=about)  # fmt: skip
        self.stdout.write(f"已导出 {n} 条到 {options['output']}（SHA-256 {digest}，已记入审计日志）")
