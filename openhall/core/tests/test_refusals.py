"""One refusal type, one page handler: a service's refusal reads the same wherever it surfaces."""

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from openhall.core.middleware import RefusalMiddleware
from openhall.core.refusals import Conflict, Forbidden, NotFound, Refused


def _page_answer(exc: Exception) -> HttpResponse | None:
    request = RequestFactory().get("/somewhere/")
    request.LANGUAGE_CODE = "zh-hans"
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    return RefusalMiddleware(lambda r: HttpResponse()).process_exception(request, exc)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("exc", "status", "text"),
    [
        (Refused("请填写活动名称。"), 422, "请填写活动名称。"),
        (Conflict("该时段已被预约。"), 409, "该时段已被预约。"),
        (NotFound(), 404, "不存在"),
        (Forbidden("只有管理员可以操作。"), 403, "只有管理员可以操作。"),
    ],
)
def test_a_page_shows_the_refusal_with_its_status(exc, status, text):
    response = _page_answer(exc)
    assert response.status_code == status
    assert text in response.content.decode()


def test_other_exceptions_are_not_the_refusal_handlers_business():
    assert _page_answer(ValueError("boom")) is None


def test_a_refusal_reads_as_its_message_and_keeps_its_code():
    exc = Refused("名额已满。", code="full", status=409, details={"capacity": 20})
    assert str(exc) == "名额已满。"
    assert (exc.code, exc.status, exc.details) == ("full", 409, {"capacity": 20})
    assert exc.messages == ["名额已满。"]  # a form can still add it as an error
