"""The accounts API's documentation in Chinese (core.api_docs), keyed by drf-spectacular's operation ids."""

from __future__ import annotations

TAGS = {
    "auth": ("认证", "用用户名、密码（开启双因素认证的账户另加动态码）换取接口令牌。"),
}

OPERATIONS = {
    "auth_token_create": (
        "取得接口令牌",
        "每次调用生成一个新令牌，只在本次应答中显示一次，有效期见 expires_at。之后在请求头中写 `Authorization: Token <令牌>`。"
        "用户名或密码错误、账户锁定时答复相同；同一地址频繁失败会被限流（429）。初始密码或重置后的密码未修改前，其他接口一律答复 403，请先在网页上修改密码。",
    ),
}
