"""403, 404 and 500 in Chinese in the site's layout; under /api/ the same errors answer JSON."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory
from rest_framework.test import APIClient

from sanluanwu.core.views import server_error

LAYOUT = (
    '<html lang="zh-Hans">',
    'class="topbar"',
    "武进区“散乱污”企业（作坊）动态管理",
    'class="foot"',
    "css/app.css",
)


def _in_layout(html: str) -> None:
    for part in LAYOUT:
        assert part in html, part
    assert "Not Found" not in html and "Forbidden" not in html and "Traceback" not in html


def test_a_missing_page_is_a_chinese_404_in_the_layout(client, alice):
    client.force_login(alice)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    _in_layout(html)
    assert "页面不存在" in html and "返回首页" in html and "/no-such-page/" in html
    assert "动态管理整治名单" in html  # the user's menu is there: the page has the request context


def test_a_404_for_a_record_out_of_scope_says_so_and_hides_djangos_english(client, bob, hutang_case):
    client.force_login(bob)
    html = client.get(f"/cases/{hutang_case.pk}/").content.decode()
    _in_layout(html)
    assert "页面不存在" in html and "matches the given query" not in html


def test_a_403_shows_its_reason_in_the_layout(client, dora, campaign):
    client.force_login(dora)
    response = client.get("/cases/new/")
    assert response.status_code == 403
    html = response.content.decode()
    _in_layout(html)
    assert "无权访问" in html and "您的角色（部门工作人员）不能将企业列入动态管理整治名单" in html


def test_a_403_without_a_reason_explains_itself(rf):
    from django.contrib.auth.models import AnonymousUser
    from django.core.exceptions import PermissionDenied

    from sanluanwu.core.views import permission_denied

    request = rf.get("/somewhere/")
    request.user = AnonymousUser()
    html = permission_denied(request, PermissionDenied()).content.decode()
    assert "您没有访问此页面或执行此操作的权限" in html


def test_a_csrf_failure_is_a_chinese_page_in_the_layout(alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    response = client.post("/logout/")
    assert response.status_code == 403
    html = response.content.decode()
    _in_layout(html)
    assert "页面已过期" in html


def test_the_500_page_needs_neither_the_request_context_nor_the_database(settings):
    """No db fixture: pytest-django fails the test on any query, and DEBUG is off as in production."""
    settings.DEBUG = False
    response = server_error(RequestFactory().get("/cases/"))
    assert response.status_code == 500
    html = response.content.decode()
    _in_layout(html)
    assert "服务器内部错误" in html and "返回首页" in html


def test_the_500_page_falls_back_to_plain_text_when_its_template_fails(settings, monkeypatch):
    def broken(name):
        raise RuntimeError("static manifest missing")

    monkeypatch.setattr("sanluanwu.core.views.loader.get_template", broken)
    response = server_error(RequestFactory().get("/cases/"))
    assert response.status_code == 500 and "服务器内部错误" in response.content.decode()


@pytest.mark.urls("sanluanwu.core.tests.urls_errors")
def test_an_unhandled_error_shows_the_500_page_without_the_traceback(settings):
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    response = client.get("/boom/")
    assert response.status_code == 500
    html = response.content.decode()
    _in_layout(html)
    assert "服务器内部错误" in html and "secret detail" not in html and "RuntimeError" not in html


@pytest.mark.urls("sanluanwu.core.tests.urls_errors")
@pytest.mark.parametrize("path", ["/api/v1/boom/", "/api/v1/drf-boom/"])
def test_an_unhandled_error_under_the_api_answers_json(settings, path):
    settings.DEBUG = False
    response = Client(raise_request_exception=False).get(path)
    assert response.status_code == 500 and response["Content-Type"] == "application/json"
    body = response.json()
    assert body["code"] == "server_error" and body["detail"].startswith("服务器内部错误")
    assert "secret" not in response.content.decode()


def test_an_unknown_api_path_answers_json_in_chinese(alice):
    api = APIClient()
    api.force_authenticate(alice)
    response = api.get("/api/v1/no-such-endpoint/")
    assert response.status_code == 404 and response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "未找到", "code": "not_found"}
    assert "未找到".encode() in response.content  # as written, like every DRF answer, not \u-escaped


def test_a_record_out_of_scope_in_the_api_answers_json_in_chinese(bob, hutang_case):
    api = APIClient()
    api.force_authenticate(bob)
    response = api.get(f"/api/v1/cases/{hutang_case.pk}/")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert "未找到" in response.json()["detail"]


@pytest.mark.urls("sanluanwu.core.tests.urls_errors")
@pytest.mark.parametrize("path", ["/api/v1/refuse/", "/api/v1/plain-refuse/"])
def test_a_refusal_under_the_api_answers_json_with_its_reason(path):
    response = Client().get(path)
    assert response.status_code == 403 and response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "您的角色不能登记整治对象", "code": "permission_denied"}


@pytest.mark.urls("sanluanwu.core.tests.urls_errors")
def test_djangos_english_404_message_is_not_passed_on_by_the_api():
    response = Client().get("/api/v1/missing/")
    assert response.status_code == 404 and response.json() == {"detail": "未找到", "code": "not_found"}


def test_a_refused_request_is_one_line_in_the_server_log_without_a_traceback(client, alice, bob, hutang_case, caplog):
    client.force_login(bob)
    with caplog.at_level("WARNING", logger="django.request"):
        assert client.get(f"/cases/{hutang_case.pk}/").status_code == 404
        assert client.get("/audit/log/").status_code == 403
    refused = [r for r in caplog.records if r.name == "django.request"]
    assert [r.status_code for r in refused] == [404, 403]
    for record in refused:
        assert record.exc_info is None and "Traceback" not in caplog.text


def test_a_server_error_keeps_its_traceback_in_the_log(caplog):
    import logging

    from sanluanwu.core.logs import ClientErrorsWithoutTraceback

    try:
        raise RuntimeError("boom")
    except RuntimeError:
        import sys

        record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "Internal Server Error", (),
                                   sys.exc_info())  # fmt: skip
    record.status_code = 500
    assert ClientErrorsWithoutTraceback().filter(record) and record.exc_info is not None


def test_a_role_refused_by_the_permission_table_in_the_api_gets_its_reason_and_a_code(uma):
    api = APIClient()
    api.force_authenticate(uma)
    response = api.get("/api/v1/imports/")
    assert response.status_code == 403
    assert response.json() == {
        "detail": "您的角色（供水供电单位工作人员）不能查看表格导入",
        "code": "permission_denied",
    }


def test_a_host_header_not_ours_is_one_line_in_the_server_log_without_a_traceback(client, caplog):
    with caplog.at_level("WARNING", logger="django.security.DisallowedHost"):
        assert client.get("/login/", HTTP_HOST="evil.example").status_code == 400
    refused = [r for r in caplog.records if r.name == "django.security.DisallowedHost"]
    assert refused and all(r.exc_info is None for r in refused) and "Traceback" not in caplog.text
