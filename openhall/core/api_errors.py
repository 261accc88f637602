"""The API's one error shape, `{"code", "message", "details", "request_id"}`.

It is in core, not in openhall/api.py, because core's own handlers (the 404 and 500 pages, the
405 rewrite in the middleware) answer /api/ paths in the same shape, and core may not import
the API, which imports every domain.
"""

from typing import Any

HTTP_CODES = {
    400: ("bad_request", "请求有误。"),
    401: ("unauthorized", "请先登录或提供有效的 API 令牌。"),
    403: ("forbidden", "您没有执行此操作的权限。"),
    404: ("not_found", "找不到该对象。"),
    405: ("method_not_allowed", "不支持该请求方法。"),
    409: ("conflict", "与现有数据冲突。"),
    413: ("too_large", "请求内容过大。"),
    422: ("validation_error", "提交的数据不符合要求，请检查后重试。"),
    429: ("rate_limited", "请求太频繁，请稍后再试。"),
    503: ("unavailable", "服务暂时不可用，请稍后再试。"),
}


def error_body(
    status: int, *, code: str | None = None, message: str | None = None, details: Any = None
) -> dict:
    from openhall.core.logs import current_request_id

    default_code, default_message = HTTP_CODES.get(status, ("error", "请求失败。"))
    body = {"code": code or default_code, "message": message or default_message, "details": details}
    # The id an operator finds the request by in the logs (also the X-Request-ID header).
    request_id = current_request_id()
    if request_id:
        body["request_id"] = request_id
    return body
