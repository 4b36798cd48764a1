"""`{% load topbar %}{% topbar %}`: the header every logged-in page shows (menu, bell, who, log out) and the campaign
banner, drawn in Python.

Drawn by template tags they cost some 35 `{% url %}` / `|can` lookups on every page, the trivial page's largest
part. The menu depends only on the user's roles and staff flag: it is built once per process for each such pair
(the URLs never change while the process runs) and kept. The parts that differ per user (name, units, the bell's
count, the CSRF token, the banner's dates) are escaped here with format_html, as the template did.
"""

from __future__ import annotations

import functools
from typing import Any

from django import template
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from sanluanwu.accounts import permissions
from sanluanwu.accounts.scope import Scope, scope_for

register = template.Library()

# The menu in order: (permission, url name, label).
_MENU: tuple[tuple[str, str, str], ...] = (
    ("case.view", "registry:case_list", "动态管理整治名单"),
    ("case.view", "registry:enterprise_list", "企业（作坊）"),
    ("task.view", "remediation:worklist", "整治任务"),
    ("remediation.view", "remediation:overview", "整治工作"),
    ("lookback.view", "lookback:overview", "回头看排查"),
    ("import.view", "imports:batch_list", "表格导入"),
    ("clash.resolve", "registry:clash_list", "信用代码重复"),
)
_SECURITY: tuple[tuple[str, str, str], ...] = (
    ("audit.view", "audit_log", "审计日志"),
    ("security.events", "security_events", "安全事件"),
    ("security.unlock", "security_lockouts", "账号锁定"),
    ("security.reset_2fa", "security_2fa", "双因素重置"),
)


def _link(url_name: str, label: str) -> SafeString:
    return format_html('<a href="{}">{}</a>', reverse(url_name), label)


@functools.lru_cache(maxsize=256)
def _menu(roles: frozenset[str], is_staff: bool) -> SafeString:
    """The main menu of a user with these roles: the same links the permission table allows on the pages."""
    scope = Scope(user_id=0, roles=roles)
    links = [_link(name, label) for code, name, label in _MENU if permissions.allows(scope, code)]
    if permissions.allows(scope, "report.view"):
        links.append(_link("reporting:overview", "报送"))
    elif permissions.allows(scope, "brief.view"):
        links.append(_link("reporting:briefs", "工作简讯"))
    if links:  # a user with business pages has their API; the three admins (三员) have none to try (helper-36)
        links.append(_link("api_docs", "接口文档"))
    if is_staff and permissions.allows(scope, "reference.manage"):
        links.append(_link("admin:index", "基础数据"))
    elif is_staff and permissions.allows(scope, "security.events"):
        links.append(_link("admin:index", "角色变更审批"))
    links += [_link(name, label) for code, name, label in _SECURITY if permissions.allows(scope, code)]
    return mark_safe('<nav class="mainnav">\n    ' + "\n    ".join(links) + "\n  </nav>")


@functools.lru_cache(maxsize=1)
def _urls() -> dict[str, str]:
    return {name: reverse(name) for name in ("home", "notices:list", "account_password", "logout")}


def _md(day: Any) -> str:
    return f"{day.month}月{day.day}日"


def _banner(banner: Any, scope: Scope) -> SafeString:
    """The slim campaign banner: the campaign, its current phase (or its dates), days to the next report's due date."""
    campaign = banner["campaign"]
    phase = banner.get("phase")
    if phase:
        when = format_html("<span>当前阶段：<b>{}</b>（{}—{}）</span>", phase.get_kind_display(),
                           _md(phase.starts_on), _md(phase.ends_on))  # fmt: skip
    else:
        start, end = campaign.starts_on, campaign.ends_on
        when = format_html("<span>{}年{}—{}年{}</span>", start.year, _md(start), end.year, _md(end))
    due_html: SafeString | str = ""
    due = banner.get("due")
    if due and permissions.allows(scope, "report.view"):
        days_left = banner.get("days_left")
        if days_left == 0:
            due_html = format_html('<span class="due today">今天是{}报表截止日</span>', due.label)
        else:
            due_html = format_html('<span class="due">距{}报表截止（{}）还有 {} 天</span>', due.label,
                                   _md(due.due_on), days_left)  # fmt: skip
    return format_html('<div class="campaign-banner" role="note"><span>{}</span>\n{}\n{}\n</div>',
                       campaign.name, when, due_html)  # fmt: skip


def _csrf(context: Any) -> str:
    """The log-out form's token, as {% csrf_token %} gives it (the request's, or the context's own)."""
    request = context.get("request")
    return get_token(request) if request is not None else str(context.get("csrf_token") or "")


@register.simple_tag(takes_context=True)
def topbar(context: Any) -> SafeString:
    urls = _urls()
    brand = format_html('<a class="brand" href="{}">武进区“散乱污”企业（作坊）动态管理</a>', urls["home"])
    user = context.get("user")
    if user is None or not user.is_authenticated or context.get("hide_nav"):
        return format_html('<header class="topbar">\n  {}\n</header>', brand)
    scope: Scope = context.get("scope") or scope_for(user)
    bell: SafeString | str = ""
    if permissions.allows(scope, "notice.view"):
        unread = context.get("unread_notices")
        count = format_html('<span class="count">{}</span>', unread) if unread else ""
        bell = format_html('<a class="bell" href="{}" title="消息">消息{}</a>', urls["notices:list"], count)
    units = format_html(" · {}", "、".join(scope.unit_names)) if scope.unit_names else ""
    who = format_html(
        '<div class="who">\n    {}\n    <a href="{}" title="账号安全：修改密码、接口令牌、双因素认证、退出所有设备">{}{}</a>\n'
        '    <form method="post" action="{}" class="inline"><input type="hidden" name="csrfmiddlewaretoken" value="{}">'
        '<button type="submit" class="link">退出</button></form>\n  </div>',
        bell, urls["account_password"], user.display_name, units, urls["logout"], _csrf(context),
    )  # fmt: skip
    header = format_html('<header class="topbar">\n  {}\n  {}\n  {}\n</header>', brand,
                         _menu(frozenset(scope.roles), bool(user.is_staff)), who)  # fmt: skip
    banner = context.get("campaign_banner")
    if banner and banner.get("campaign"):
        return format_html("{}\n{}", header, _banner(banner, scope))
    return header
