"""The API's documentation (/api/v1/docs/) speaks Chinese: every operation's summary, its group, and the answers it
can give besides its success (core.api_docs)."""

from __future__ import annotations

import re

import pytest
from rest_framework.test import APIClient

from sanluanwu.core import api_docs

_CJK = re.compile(r"[\u4e00-\u9fff]")
_METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture
def schema(alice):
    client = APIClient()
    client.force_authenticate(alice)
    answer = client.get("/api/v1/schema/", {"format": "json"})
    assert answer.status_code == 200
    return answer.json()


def _operations(schema):
    return [(path, method, operation) for path, methods in schema["paths"].items()
            for method, operation in methods.items() if method in _METHODS]  # fmt: skip


def test_every_operation_has_a_chinese_summary_and_group_and_no_english_docstring(schema):
    operations = _operations(schema)
    assert len(operations) > 60
    for path, method, operation in operations:
        where = f"{method.upper()} {path}（{operation['operationId']}）"
        assert _CJK.search(operation.get("summary", "")), f"{where} 没有中文摘要"
        assert operation["tags"] and all(_CJK.search(tag) for tag in operation["tags"]), where
        description = operation.get("description", "")
        assert not description or _CJK.search(description), where
        assert "ViewSet" not in description and "scoped" not in description.lower(), where
    assert [tag["name"] for tag in schema["tags"]] == ["认证", "整治对象（动态管理名单）", "企业（作坊）", "表格导入",
                                                       "回头看排查", "整治工作"]  # fmt: skip
    assert all(_CJK.search(tag["description"]) for tag in schema["tags"])


def test_the_chinese_text_names_only_operations_the_api_has(schema):
    """A renamed endpoint leaves its old text behind, and its new operation without any: both fail here."""
    served = {operation["operationId"] for _p, _m, operation in _operations(schema)}
    assert api_docs.registered_operations() == served


def test_every_operation_documents_its_refusals_as_the_api_gives_them(schema, alice, hutang_case):
    for path, method, operation in _operations(schema):
        answers = operation["responses"]
        assert all(answer.get("description") for answer in answers.values()), (method, path)
        if path == "/api/v1/auth/token/":
            assert {"201", "400", "429"} <= set(answers) and "401" not in answers
            continue
        assert {"400", "401", "403"} <= set(answers), (method, path)
        assert ("404" in answers) == ("{" in path), (method, path)
        assert ("409" in answers) == (method != "get"), (method, path)
        assert answers["403"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/错误"}
    refusal = schema["components"]["schemas"]["错误"]
    assert set(refusal["properties"]) == {"detail", "code"}
    # What the API answers is what the schema shows: a 404 and a 401 as their examples.
    client = APIClient()
    client.force_authenticate(alice)
    cases = schema["paths"]["/api/v1/cases/{id}/"]["get"]["responses"]
    for answer, code in (
        (client.get("/api/v1/cases/999999/"), "404"),
        (APIClient().get("/api/v1/cases/"), "401"),
        (client.patch(f"/api/v1/cases/{hutang_case.pk}/", {"version": hutang_case.version + 5}, format="json"), "409"),
    ):
        example = (
            cases[code]["content"]["application/json"]["example"]
            if code != "409"
            else (
                schema["paths"]["/api/v1/cases/{id}/"]["patch"]["responses"]["409"]["content"]["application/json"][
                    "example"
                ]
            )
        )
        assert str(answer.status_code) == code and set(answer.json()) == set(example), (code, answer.json())
        assert answer.json()["code"] == example["code"] and _CJK.search(str(answer.json()))


def test_the_docs_page_shows_the_chinese_description_of_the_api(alice, client):
    client.force_login(alice)
    schema = client.get("/api/v1/schema/", {"format": "json"}).json()
    assert "Authorization: Token" in schema["info"]["description"] and "脱敏" in schema["info"]["description"]
    assert client.get("/api/v1/docs/").status_code == 200


def test_text_registered_for_the_docs_must_be_chinese():
    with pytest.raises(ValueError, match="应为中文"):
        api_docs.register(tags={}, operations={"cases_list": ("List cases", "")})
