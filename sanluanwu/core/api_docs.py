"""The API's documentation (/api/v1/docs/) in Chinese, as its users read it.

The schema is made by drf-spectacular from the views, whose docstrings are English (our rule for code). Each app that
serves an API registers, in its AppConfig.ready, its tags' and operations' Chinese text (its `api/docs.py`), keyed by
the path's first segment and by the operation's id; one postprocessing hook (`chinese`) then, for every operation:

- takes its summary and description from the app's text, never from the view's docstring;
- names its group (tag) in Chinese;
- documents the answers every operation can give besides its success, as the API's exception handler gives them
  (core.api.exception_handler: {"detail", "code"} or the fields' messages): 400, 401, 403, 404 for an object's path,
  409 for a change, and 429 for the token endpoint; Swagger UI showed them as "Undocumented";
- describes a success answer that had no description.

A test fails for an operation the apps left without Chinese text, and for text registered for none.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

# tag (the path's first segment after /api/v1/) → (Chinese name, description)
_TAGS: dict[str, tuple[str, str]] = {}
# operationId → (summary, description)
_OPERATIONS: dict[str, tuple[str, str]] = {}

_CJK = re.compile(r"[\u4e00-\u9fff]")

ERROR = "错误"  # the component every error answer refers to

_ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "出错时的应答：detail 为中文说明，code 为错误类别；字段校验错误时以字段名为键、中文消息列表为值"
    "（列表或对象字段按元素列出），non_field_errors 为不属于某个字段的错误，warnings 为须确认的提示",
    "properties": {
        "detail": {"type": "string", "description": "中文说明"},
        "code": {"type": "string", "description": "错误类别，如 invalid、permission_denied、not_found"},
    },
    # A field's messages: a list of strings, or for a list or object field the same shape per element.
    "additionalProperties": True,
}

_ANSWERS: dict[str, str] = {
    "400": "请求有误：参数、字段或内容不符合要求（逐项说明），或请求体无法解析、过大",
    "401": "未登录，或令牌无效、已过期、已撤销",
    "403": "无权执行：角色权限或单位范围不允许，或密码须先修改；detail 说明原因",
    "404": "不存在，或不在您的单位范围内",
    "409": "与记录的当前状态冲突：已被他人修改（version 不符）、当前环节不允许此操作，或有提示须确认后重交；non_field_errors 或 warnings 说明原因",
    "429": "尝试过于频繁，已暂时限制；请稍后再试",
}
# What each refusal looks like (Swagger UI showed {"additionalProp1": {}} for the open-ended fields).
_EXAMPLES: dict[str, dict[str, Any]] = {
    "400": {"acted_on": ["日期格式不对，应为 YYYY-MM-DD"], "code": "invalid"},
    "401": {"detail": "请先登录或提供有效的令牌", "code": "not_authenticated"},
    "403": {"detail": "您的角色不能办理此事项", "code": "permission_denied"},
    "404": {"detail": "未找到该整治对象", "code": "not_found"},
    "409": {"non_field_errors": ["该记录已被他人修改，请刷新页面后重新编辑"], "code": "conflict"},
    "429": {"detail": "尝试过于频繁，请稍后再试", "code": "throttled"},
}
_SUCCESS: dict[str, str] = {"200": "成功", "201": "已创建", "202": "已受理，正在后台处理", "204": "已完成，无返回内容"}


def register(*, tags: Mapping[str, tuple[str, str]], operations: Mapping[str, tuple[str, str]]) -> None:
    """An app's Chinese text for its API: its tags (path segment → name, description) and its operations
    (operationId → summary, description); called from its AppConfig.ready."""
    for key, value in {**tags, **operations}.items():
        if not _CJK.search(value[0]):
            raise ValueError(f"接口文档“{key}”的名称应为中文")
    _TAGS.update(tags)
    _OPERATIONS.update(operations)


def registered_operations() -> frozenset[str]:
    return frozenset(_OPERATIONS)


def chinese(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: the Chinese text, tags and error answers (see the module's docstring)."""
    used: dict[str, None] = {}  # the groups in the order of their first path
    for path, methods in result.get("paths", {}).items():
        for method, operation in methods.items():
            if not isinstance(operation, dict) or "operationId" not in operation:
                continue
            summary, description = _OPERATIONS.get(operation["operationId"], ("", ""))
            if summary:
                operation["summary"] = summary
            operation["description"] = description  # never the view's docstring: English, written for us
            tags = []
            for tag in operation.get("tags", []):
                used.setdefault(tag)
                tags.append(_TAGS[tag][0] if tag in _TAGS else tag)
            operation["tags"] = tags
            responses = operation.setdefault("responses", {})
            for code, answer in responses.items():
                if isinstance(answer, dict) and not answer.get("description"):
                    answer["description"] = _SUCCESS.get(code, "")
            wanted = ["400", "401", "403"]
            # A refusal an operation declares itself (a bounded one's 429), with no body of its own: the error's.
            wanted += [code for code in _ANSWERS if code in responses and "content" not in responses[code]]
            for code in wanted:
                if code in responses and "content" not in responses[code]:
                    del responses[code]
            if "{" in path:
                wanted.append("404")
            if method != "get":
                wanted.append("409")
            if not operation.get("security"):
                wanted = ["400", "429"]  # no account yet: the token endpoint
            for code in wanted:
                responses.setdefault(code, {
                    "description": _ANSWERS[code],
                    "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR}"},
                                                     "example": _EXAMPLES[code]}},
                })  # fmt: skip
    result.setdefault("components", {}).setdefault("schemas", {})[ERROR] = _ERROR_SCHEMA
    result["tags"] = [
        {"name": _TAGS[tag][0], "description": _TAGS[tag][1]} if tag in _TAGS else {"name": tag} for tag in used
    ]
    return result
