"""Django admin for reference data only: org units, users and memberships. Business data is not here.

Every save goes through accounts.services, so each change leaves an audit event (who may see what is itself a
record). Org units and users are deactivated (启用 / 有效), never deleted: cases and events keep pointing at them.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm, SetUnusablePasswordMixin
from django.contrib.auth.models import Group
from django.db import transaction
from django.forms import BaseInlineFormSet, ModelForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tasks_db.models import DBTaskResult

from sanluanwu.accounts import rolechanges, services
from sanluanwu.accounts.models import Membership, OrgUnit, RoleChangeRequest, User
from sanluanwu.core import params
from sanluanwu.core.adminforms import CleanTextAdminMixin
from sanluanwu.core.errors import DomainError


@admin.register(OrgUnit)
class OrgUnitAdmin(CleanTextAdminMixin, admin.ModelAdmin[OrgUnit]):
    list_display = ["name", "kind", "town_type", "parent", "managed_by", "sort_order", "is_active"]
    list_filter = ["kind", "town_type", "is_active"]
    search_fields = ["name", "short_name", "code"]

    def has_delete_permission(self, request: HttpRequest, obj: OrgUnit | None = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: OrgUnit, form: Any, change: bool) -> None:
        services.save_org_unit(actor=request.user, org_unit=obj)


class MembershipInline(admin.TabularInline[Membership, User]):
    model = Membership
    extra = 1


def save_memberships(request: HttpRequest, formset: BaseInlineFormSet[Any, Any, Any]) -> None:
    """Each given or taken role becomes a request a different admin approves (三员分立, accounts.rolechanges):
    nothing changes yet. A changed row is a different role: the old one taken away and the new one given."""
    formset.save(commit=False)
    filed = 0
    for membership in formset.deleted_objects:
        rolechanges.request_membership_removal(actor=request.user, membership=_stored_membership(membership))
        filed += 1
    for membership, _fields in formset.changed_objects:
        rolechanges.request_membership_removal(actor=request.user, membership=_stored_membership(membership))
        rolechanges.request_membership(actor=request.user, user=membership.user, org_unit=membership.org_unit,
                                       role=membership.role)  # fmt: skip
        filed += 2
    for membership in formset.new_objects:
        rolechanges.request_membership(actor=request.user, user=membership.user, org_unit=membership.org_unit,
                                       role=membership.role)  # fmt: skip
        filed += 1
    if filed:
        messages.info(request, f"已提交 {filed} 项角色变更申请，须由另一名管理员在“角色变更申请”中批准后生效。")


def _stored_membership(membership: Membership) -> Membership:
    return Membership.objects.get(pk=membership.pk)


class PasswordRequestForm(AdminPasswordChangeForm):
    """Django's form for someone else's password, its warning (English in Django, not translatable) in Chinese and
    saying what happens here: the change is a request a second admin approves."""

    usable_password_help_text = SetUnusablePasswordMixin.usable_password_help_text + (
        '<ul id="id_unusable_warning" class="messagelist"><li class="warning">'
        "停用后该用户不能再用密码登录，现有密码作废；与重置密码一样，须由另一名管理员批准后生效。</li></ul>"
    )


@admin.register(User)
class UserAdmin(CleanTextAdminMixin, BaseUserAdmin):
    """What a user may see and do comes from their 任职 (unit + role) and the permission table, not from Django's
    groups and per-model permissions: those are not offered here, so nobody is misled into setting them."""

    inlines = [MembershipInline]
    list_display = ["username", "full_name", "units", "is_active", "demo_account", "must_change_password", "last_login"]
    list_filter = [
        "is_active",
        "demo_account",
        "must_change_password",
        "memberships__role",
        "memberships__org_unit__kind",
    ]
    search_fields = ["username", "full_name", "memberships__org_unit__name"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("单位信息", {"fields": ("full_name", "phone")}),
        ("状态", {"fields": ("is_active", "is_staff"),
                  "description": "“职员状态”用于登录本管理后台（系统管理员）；单位和角色在下方“任职”中设置。"}),
        ("账号安全（等保）", {"fields": ("must_change_password", "password_changed_at", "demo_account"),
                      "description": "新建用户或重置密码后，“须修改密码”自动勾选：用户登录后须先修改密码。"
                                     "“演示账号”由演示数据加载程序设置（不可修改）：免于首次登录强制改密和强制绑定双因素，"
                                     "密码有效期等其余规则照常适用。"}),
        ("时间", {"fields": ("last_login", "date_joined")}),
    )  # fmt: skip
    # Set by the system alone: a new or reset password sets 须修改密码 and its owner's change clears it (an admin who
    # could untick it kept a password he chose working); the dates are the records' (helper-46).
    readonly_fields = ["demo_account", "must_change_password", "password_changed_at", "last_login", "date_joined"]

    @admin.display(description="单位与角色")
    def units(self, obj: User) -> str:
        return "；".join(f"{m.org_unit.display_name} · {m.get_role_display()}" for m in obj.memberships.all())

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).prefetch_related("memberships__org_unit")

    def has_delete_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        """The staff flag is not changed here: a change of it is a request for a second admin. The superuser flag is
        not offered (rolechanges.NO_SUPERUSER) and stays as stored."""
        stored = User.objects.filter(pk=obj.pk).first() if change else None
        before: dict[str, bool] = {flag: bool(getattr(stored, flag, False)) for flag in ("is_staff", "is_superuser")}
        wanted_staff = obj.is_staff
        obj.is_staff, obj.is_superuser = before["is_staff"], before["is_superuser"]
        services.save_user(actor=request.user, user=obj)
        if wanted_staff != before["is_staff"]:
            rolechanges.request_flags(actor=request.user, user=obj, is_staff=wanted_staff, is_superuser=None)
            messages.info(request, "职员状态的变更已提交申请，须由另一名管理员批准后生效。")

    def save_related(self, request: HttpRequest, form: ModelForm[User], formsets: Any, change: bool) -> None:
        data = form.cleaned_data
        services.set_user_permissions(actor=request.user, user=form.instance, groups=data.get("groups"),
                                      permissions=data.get("user_permissions"))  # fmt: skip
        super().save_related(request, form, formsets, change)  # form.save_m2m() sets the same again: no change

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is Membership:
            save_memberships(request, formset)
        else:
            super().save_formset(request, form, formset, change)

    change_password_form = PasswordRequestForm

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> HttpResponse:
        """A new password for someone else is a reset request that a second admin approves (accounts.rolechanges):
        the form is checked as Django checks it, and only the password's hash is kept with the request. One's own
        password is changed on the 账号安全 page. Disabling someone's password login (no password anyone knows) is
        the same request: one admin alone could otherwise lock the security or audit admin out."""
        pk = unquote(id)
        target = self.get_object(request, pk)
        if target is not None and request.method == "POST" and self.has_change_permission(request, target):
            if target.pk == request.user.pk:
                messages.error(request, "不能在这里修改自己的密码：请在“账号安全”页面修改")
                return redirect("account_password")
            form = self.change_password_form(target, request.POST)
            if form.is_valid():
                usable = form.cleaned_data["set_usable_password"]
                try:
                    change = rolechanges.request_password_reset(
                        actor=request.user, user=target, password=form.cleaned_data["password1"] if usable else None
                    )
                except DomainError as exc:
                    messages.error(request, exc.text)
                    return HttpResponseRedirect(request.get_full_path())
                what = "重置密码" if usable else "停用密码登录"
                messages.success(request, f"已提交{what}申请（{change.describe()}），须由另一名管理员批准后生效")
                return redirect("admin:accounts_user_change", target.pk)
        with transaction.atomic():
            rows = User.objects.filter(pk=user_id) if (user_id := params.pk(pk)) else User.objects.none()
            before = rows.values_list("password", flat=True).first()
            response = super().user_change_password(request, id, form_url)
            user = rows.first()
            if user is not None and before is not None and user.password != before:
                own = request.session.session_key if user.pk == request.user.pk else None  # the admin's own goes on
                services.record_password_change(actor=request.user, user=user, keep_session=own)
        return response


@admin.register(RoleChangeRequest)
class RoleChangeRequestAdmin(CleanTextAdminMixin, admin.ModelAdmin[RoleChangeRequest]):
    """Read-only requests; a different admin approves or rejects the selected ones (accounts.rolechanges)."""

    list_display = ["user", "describe", "account", "status", "requested_by", "requested_at", "decided_by",
                    "decided_at"]  # fmt: skip
    list_filter = ["status", "kind"]
    actions = ["approve_selected", "reject_selected"]

    @admin.display(description="变更内容")
    def describe(self, obj: RoleChangeRequest) -> str:
        return obj.describe()

    @admin.display(description="账号情况（批准前请核实）")
    def account(self, obj: RoleChangeRequest) -> str:
        """What the approver should know of the account: a password an admin set (the requester may know it) that
        its owner has not yet changed, or an account never used by anyone."""
        if obj.status != RoleChangeRequest.Status.PENDING:
            return ""
        return rolechanges.account_caution(obj.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: RoleChangeRequest | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: RoleChangeRequest | None = None) -> bool:
        return False

    def has_approve_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm(rolechanges.APPROVE))

    def _decide(self, request: HttpRequest, queryset: Any, decide: Any, done: str) -> None:
        for change in queryset:
            try:
                decide(actor=request.user, change_id=change.pk)
                messages.success(request, f"{done}：{change}")
            except DomainError as exc:
                messages.error(request, f"{change}：{exc.text}")

    @admin.action(description="批准所选申请", permissions=["approve"])
    def approve_selected(self, request: HttpRequest, queryset: Any) -> None:
        self._decide(request, queryset, rolechanges.approve, "已批准")

    @admin.action(description="驳回所选申请", permissions=["approve"])
    def reject_selected(self, request: HttpRequest, queryset: Any) -> None:
        self._decide(request, queryset, rolechanges.reject, "已驳回")


# Django's groups are not how this system grants anything (see UserAdmin), and the job queue's results are shown on
# the import batches they belong to: neither is offered in the admin. API tokens (accounts.ApiToken, never registered)
# and TOTP devices hold each user's own secret: an admin who could read them could act as anyone, recorded as that
# person (三员分立); their owner manages them on the account pages.
admin.site.unregister(Group)
for _model in (DBTaskResult, TOTPDevice):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
