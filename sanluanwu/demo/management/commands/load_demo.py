"""`python manage.py load_demo [--size full|small] [--seed N] [--if-empty]`: the demo district."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from sanluanwu.accounts.models import OrgUnit
from sanluanwu.demo import reference
from sanluanwu.demo.builder import SIZES, build_demo


class Command(BaseCommand):
    help = "生成武进区演示数据（可重复、按随机种子确定）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--size", choices=sorted(SIZES), default="full")
        parser.add_argument("--seed", type=int, default=2020)
        parser.add_argument("--if-empty", action="store_true", help="数据库已有单位数据时什么也不做")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and OrgUnit.objects.exists():
            self.stdout.write("演示数据已存在，跳过加载。")
        else:
            summary = build_demo(size=options["size"], seed=options["seed"])
            self.stdout.write(
                self.style.SUCCESS(
                    f"已生成演示数据：单位 {summary.org_units} 个，用户 {summary.users} 个，"
                    f"企业 {summary.enterprises} 家，整治对象 {summary.cases} 个。"
                )
            )
        self.stdout.write(f"演示账号（密码均为 {settings.DEMO_PASSWORD}）：")
        for username, full_name, _role, _code in reference.DEMO_ACCOUNTS:
            self.stdout.write(f"  {username:<10} {full_name}")
