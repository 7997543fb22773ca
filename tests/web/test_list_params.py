"""Every list page answers a malformed or out-of-range number in its query as if it were not given."""

import pytest

from kefu.core.params import int_or, query_int
from kefu.knowledge.cases import case_create

HUGE = "99999999999999999999"

# (page, parameter): every list page and each number it reads from its query string.
LIST_PAGES = [
    ("/knowledge/", "category"),
    ("/knowledge/", "page"),
    ("/knowledge/cases/", "page"),
    ("/portal/faq/", "page"),
    ("/customers/", "page"),
    ("/notifications/", "page"),
    ("/notifications/webhooks/", "page"),
    ("/tickets/search/", "page"),
    ("/callbacks/", "page"),
    ("/callbacks/reviews/", "page"),
    ("/callbacks/measures/", "days"),
    ("/", "page"),
    ("/inbox/", "page"),
]


@pytest.mark.parametrize("value", [HUGE, "²", "-1", "abc"])
@pytest.mark.parametrize(("path", "param"), LIST_PAGES)
def test_a_bad_number_in_a_list_page_query_is_ignored(org, as_user, path, param, value):
    user = org.logistics_staff if path == "/inbox/" else org.manager
    if "webhooks" in path:
        user.is_staff = True  # webhook deliveries are the administrators' page
        user.save(update_fields=["is_staff"])
    client = as_user(user)
    response = client.get(path, {param: value, "q": "空调"} if "search" in path else {param: value})
    assert response.status_code == 200, (path, param, value, response.status_code)


@pytest.mark.parametrize("step", ["²", HUGE])
def test_a_case_walk_with_a_malformed_step_starts_at_the_root(org, as_user, step):
    case = case_create(title="快递延误", request_text="快递没到", by=org.qa)
    response = as_user(org.agent).get(f"/knowledge/cases/{case.pk}/", {"step": step})
    assert response.status_code == 200
    assert "快递没到" in response.content.decode()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12", 12),
        (" 7 ", 7),
        ("", None),
        (None, None),
        ("-3", None),
        ("²", None),
        ("1.5", None),
        (HUGE, None),
    ],
)
def test_int_or_reads_only_plain_numbers_in_range(value, expected):
    assert int_or(value) == expected


def test_query_int_applies_bounds_and_default():
    assert query_int({"days": "400"}, "days", 30, maximum=366) == 30
    assert query_int({"days": "0"}, "days", 30) == 30
    assert query_int({}, "days", 30) == 30
    assert query_int({"days": "45"}, "days", 30, maximum=366) == 45
