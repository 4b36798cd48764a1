"""The demo's reporting history, written through the reporting services at the moments it would have happened: work
plans in the mobilisation phase, each past period's reports (most on time, some late, one returned and resubmitted,
one missing), the office's reviews, a moved due date, briefs; and work waiting today (a report to review, a reopening
to decide, a returned report to correct)."""

from __future__ import annotations

import datetime as dt
import io
import random
from typing import Any

from django.utils import timezone

from sanluanwu.accounts.choices import OrgUnitKind, Role
from sanluanwu.accounts.models import Membership, OrgUnit, User
from sanluanwu.campaigns.choices import PhaseKind
from sanluanwu.campaigns.models import Campaign
from sanluanwu.core import clock
from sanluanwu.reporting import services
from sanluanwu.reporting.choices import SlotState
from sanluanwu.reporting.models import Period, Slot


def _at(day: dt.date, hour: int, minute: int = 0) -> Any:
    return clock.at(timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute))))


def _reporter(unit: OrgUnit, users: dict[str, Any]) -> User:
    """The town's manager: a demo account where there is one, else a reporting clerk who cannot log in."""
    if unit.code in users:
        return users[unit.code]  # type: ignore[no-any-return]
    user = User.objects.filter(username=f"report_{unit.code}").first()
    if user is None:
        user = User(username=f"report_{unit.code}", full_name=f"{unit.short_name or unit.name}报送员")
        user.set_unusable_password()
        user.save()
        Membership.objects.create(user=user, org_unit=unit, role=Role.TOWN_MANAGER)
    return user


def _docx(title: str, unit: str) -> bytes:
    from docx import Document

    doc = Document()
    doc.add_heading(title, 1)
    doc.add_paragraph(f"为贯彻落实区“散乱污”企业（作坊）整治“回头看”百日专项行动实施方案，{unit}结合实际制定本方案。")
    for part in ("一、工作目标", "二、组织领导", "三、实施步骤", "四、工作要求"):
        doc.add_paragraph(part)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _read_old_notices(today: dt.date) -> None:
    """The history's notices (the remediation work's too) were read when they came; those of the last two days wait on
    the bell, so a visitor's bell shows what is new rather than two months of messages."""
    from sanluanwu.notices.models import Notice
    from sanluanwu.notices.services import mark_read

    old = Notice.objects.filter(read_at__isnull=True,
                                created_at__lt=timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=2),
                                                                                       dt.time.min)))  # fmt: skip
    by_user: dict[int, list[int]] = {}
    for pk, user_id in old.values_list("pk", "recipient_id"):
        by_user.setdefault(user_id, []).append(pk)
    for user in User.objects.filter(pk__in=list(by_user)):
        mark_read(actor=user, notice_ids=by_user[user.pk])


def build_reporting(rng: random.Random, campaign: Campaign, users: dict[str, Any], office: Any, today: dt.date) -> None:
    towns = list(campaign.participants.filter(kind=OrgUnitKind.TOWN).order_by("sort_order"))
    mobilisation = campaign.phases.get(kind=PhaseKind.MOBILISATION)
    # Work plans: most towns uploaded theirs during the mobilisation phase; hutang's is waiting to be written.
    for i, town in enumerate(towns):
        if town.code == "hutang" or rng.random() < 0.2:
            continue
        day = min(mobilisation.starts_on + dt.timedelta(days=rng.randint(2, 9)), today - dt.timedelta(days=1))
        title = f"{town.name}“散乱污”企业（作坊）整治“回头看”专项行动工作方案"
        with _at(day, 9 + i % 8, rng.randint(0, 59)):
            services.upload_workplan(actor=_reporter(town, users), campaign=campaign, unit=town, title=title,
                                     filename=f"{town.name}工作方案.docx", content=_docx(title, town.name))  # fmt: skip

    periods = list(Period.objects.filter(campaign=campaign, due_on__lt=today).order_by("starts_on"))
    if len(periods) >= 2:  # a holiday moved the second period's due date, before it fell due
        moved = periods[1]
        with _at(moved.due_on - dt.timedelta(days=3), 10):
            services.move_due_date(actor=office, period=moved, due_on=moved.due_on + dt.timedelta(days=2),
                                   reason="因全区集中培训，报送截止日期顺延两天")  # fmt: skip
        moved.refresh_from_db()
    for n, period in enumerate(periods):
        last = n == len(periods) - 1
        for slot in Slot.objects.filter(period=period).select_related("unit").order_by("unit__sort_order"):
            actor = _reporter(slot.unit, users)
            draw = rng.random()
            if last and slot.unit.code not in ("hutang", "niutang") and draw < 0.12:
                continue  # missing: the office is told the day after
            late = draw > 0.85 and slot.unit.code not in ("hutang", "niutang")
            day = period.due_on + dt.timedelta(days=rng.randint(1, 3)) if late else period.due_on - dt.timedelta(
                days=rng.randint(0, 2))  # fmt: skip
            day = max(day, period.starts_on)
            if day >= today:
                continue
            with _at(day, 15, rng.randint(0, 59)):
                services.submit_report(actor=actor, slot=slot, filler=actor.display_name, reviewer="分管领导",
                                       phone=f"0519-86{rng.randint(100000, 999999)}")  # fmt: skip
            review_day = min(day + dt.timedelta(days=1), today - dt.timedelta(days=1))
            if last and slot.unit.code == "niutang":
                continue  # the office has it still to review today
            if last and slot.unit.code == "hutang":  # returned yesterday: hutang corrects and resubmits
                with _at(today - dt.timedelta(days=1), 9, 30):
                    services.return_report(
                        actor=office, slot=slot, comment="“整治中”的3家企业计划完成时间已过，请核实进度后重新报送"
                    )
                continue
            with _at(review_day, 10, rng.randint(0, 59)):
                if rng.random() < 0.08 or (n == 0 and slot.unit.code == "niutang"):
                    services.return_report(
                        actor=office, slot=slot, comment="第四类新发现数量与排查记录不一致，请核对后重新报送"
                    )
                    if review_day + dt.timedelta(days=1) < today:
                        with _at(review_day + dt.timedelta(days=1), 16):
                            services.submit_report(actor=actor, slot=slot, filler=actor.display_name,
                                                   reviewer="分管领导", phone="0519-86000000", remark="已核对更正")  # fmt: skip
                        with _at(min(review_day + dt.timedelta(days=2), today - dt.timedelta(days=1)), 9):
                            services.accept_report(actor=office, slot=Slot.objects.get(pk=slot.pk))
                else:
                    services.accept_report(actor=office, slot=slot)
    # Work waiting today: a town asks to reopen an accepted report; another's report was returned yesterday.
    accepted = Slot.objects.filter(period__campaign=campaign, state=SlotState.ACCEPTED).exclude(
        unit__code__in=["hutang", "niutang"]).order_by("-period__starts_on", "unit__sort_order")  # fmt: skip
    if accepted.exists():
        slot = accepted[0]
        with _at(today - dt.timedelta(days=1), 11):
            services.request_reopen(actor=_reporter(slot.unit, users), slot=slot,
                                    reason="发现两家企业的整治类型填反，已在系统中更正，申请重新报送")  # fmt: skip
    # Briefs: most towns and some departments sent one or two a month; hutang has a draft.
    months = []
    m = campaign.starts_on.replace(day=1)
    while m < today.replace(day=1):
        months.append(m)
        m = (m + dt.timedelta(days=32)).replace(day=1)
    writers = [*towns, *campaign.participants.filter(kind=OrgUnitKind.DEPARTMENT, code__in=users.keys())]
    for month in months:
        for unit in writers:
            count = rng.choice([0, 1, 1, 2]) if unit.kind == OrgUnitKind.TOWN else rng.choice([0, 1])
            for k in range(count):
                author = _reporter(unit, users) if unit.kind == OrgUnitKind.TOWN else users[unit.code]
                day = min(month.replace(day=min(10 + 10 * k + rng.randint(0, 5), 28)), today - dt.timedelta(days=1))
                day = max(day, campaign.starts_on)
                with _at(day, 16, rng.randint(0, 59)):
                    services.save_brief(actor=author, campaign=campaign, unit=unit, month=month,
                                        title=f"{unit.short_name or unit.name}扎实推进“散乱污”整治“回头看”",
                                        text=_brief_text(unit.name, rng), submit=True)  # fmt: skip
    if "hutang" in users:
        with _at(today - dt.timedelta(days=1), 17):
            services.save_brief(actor=users["hutang"], campaign=campaign, unit=users["hutang"].memberships.first().org_unit,
                                month=today.replace(day=1), title="湖塘镇“回头看”整治进展（草稿）",
                                text="本月以来，湖塘镇继续逐企开展“回头看”……（待补充）")  # fmt: skip
    _read_old_notices(today)


def _brief_text(unit: str, rng: random.Random) -> str:
    done = rng.randint(3, 20)
    return (
        f"{unit}坚持“先停后治”，对排查发现的“散乱污”企业（作坊）逐一建档、挂图作战。\n"
        f"本月联合供电、供水单位完成断水断电{done}家，清除原料、设备和产品{max(done - 2, 1)}家；"
        f"对治理改造类企业逐企制定整改方案，镇分管领导带队开展现场审核。\n"
        "下一步，将对已销号企业开展“回头看”复查，防止死灰复燃。"
    )
