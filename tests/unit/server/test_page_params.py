"""The approvals routes' query strings: a bad `limit` or `cursor` is a one-line 422, never a 500."""

from __future__ import annotations

import pytest

from server.asgi import Refused
from server.waiting import next_cursor, page_params


@pytest.mark.parametrize(
    "query",
    [
        {"limit": "²"},  # a digit to str.isdigit, not to int
        {"limit": "٣"},
        {"limit": "0"},
        {"limit": "-1"},
        {"cursor": next_cursor("2026-12-06T10:00:00\x00|thread/request")},  # PostgreSQL's text holds no NUL
        {"cursor": next_cursor("when|thread/request/more")},
        {"cursor": "not base64 at all!"},
    ],
)
def test_a_bad_query_is_refused_with_one_line(query: dict[str, str]) -> None:
    with pytest.raises(Refused) as refused:
        page_params(query)
    assert refused.value.status == 422
    assert "\n" not in refused.value.detail


def test_a_cursor_the_route_gave_reads_back() -> None:
    place = "2026-12-06T10:00:00.000001+00:00|0193-thread/request-1"
    assert page_params({"limit": "7", "cursor": next_cursor(place)}) == (7, place)
