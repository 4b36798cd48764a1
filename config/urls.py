from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from sanluanwu.accounts import security_views
from sanluanwu.accounts.login import AdminLoginForm, LoginForm, lockouts
from sanluanwu.accounts.views import password_change
from sanluanwu.core.views import favicon, health, not_found
from sanluanwu.registry.views import home

handler400 = "sanluanwu.core.views.bad_request"

admin.site.site_header = "武进区散乱污动态管理系统 · 基础数据管理"
admin.site.site_title = "基础数据管理"
admin.site.login_form = AdminLoginForm  # the same answer for every failed login (accounts/security.py)

urlpatterns = [
    path("", home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="login.html", authentication_form=LoginForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", security_views.log_out, name="logout"),
    path("account/password/", password_change, name="account_password"),
    path("security/lockouts/", lockouts, name="security_lockouts"),
    path("account/tokens/", security_views.api_tokens, name="account_tokens"),
    path("account/2fa/", security_views.two_factor, name="account_2fa"),
    path("account/sessions/", security_views.log_out_everywhere, name="account_sessions"),
    path("login/code/", security_views.login_code, name="login_code"),
    path("audit/log/", security_views.audit_log, name="audit_log"),
    path("security/events/", security_views.security_events, name="security_events"),
    path("security/two-factor/", security_views.reset_two_factor, name="security_2fa"),
    path("healthz/", health, name="health"),
    path("favicon.ico", favicon, name="favicon"),
    path("", include("sanluanwu.registry.urls")),
    path("", include("sanluanwu.imports.urls")),
    path("", include("sanluanwu.lookback.urls")),
    path("", include("sanluanwu.remediation.urls")),
    path("", include("sanluanwu.notices.urls")),
    path("", include("sanluanwu.reporting.urls")),
    path("", include("sanluanwu.campaigns.urls")),
    path("api/v1/", include("config.api")),
    # One's own password is changed on 账号安全 only (the profile, the history, the audit, ending other sessions and
    # tokens): the admin's own password-change pages lead there.
    path("admin/password_change/", RedirectView.as_view(pattern_name="account_password")),
    path("admin/password_change/done/", RedirectView.as_view(pattern_name="account_password")),
    # Django's "view on site" shortcut answered for any model and id whether such a record exists (helper-46): no
    # model here has a page of its own on the site to go to.
    path("admin/r/<path:rest>", not_found),
    path("admin/", admin.site.urls),
]

# Chinese error pages in the site's layout; under /api/ the same errors answer JSON.
handler403 = "sanluanwu.core.views.permission_denied"
handler404 = "sanluanwu.core.views.page_not_found"
handler500 = "sanluanwu.core.views.server_error"
