"""Every API list refuses an out-of-range or malformed number in its query with a 422 naming it."""

import pytest

HUGE = "99999999999999999999"  # beyond a 64-bit integer: overflowed the database driver (a 500)

# (path, parameter, value): every list of the API and each of its numeric filters.
CASES = [
    ("/tickets", "customer", HUGE),
    ("/tickets", "owner", HUGE),
    ("/tickets", "page", HUGE),
    ("/tickets", "page_size", "-1"),
    ("/dispatches", "page", HUGE),
    ("/dispatches", "page_size", "-1"),
    ("/customers", "page", HUGE),
    ("/customers", "page_size", "-1"),
    ("/notifications", "page", HUGE),
    ("/notifications", "page_size", "-1"),
    ("/telephony/calls", "customer", HUGE),
    ("/telephony/calls", "customer", "-1"),
    ("/knowledge/articles", "limit", HUGE),
    ("/knowledge/articles", "limit", "-1"),
    ("/callbacks/measures", "start", "1271-03-01T10:00:00+08:00"),
    ("/callbacks/measures", "end", "99999-01-01T00:00:00+08:00"),
    ("/callbacks/measures", "start", "0.5"),
]


@pytest.mark.parametrize(("path", "param", "value"), CASES)
def test_an_out_of_range_number_in_a_list_filter_is_422_naming_it(org, as_user, path, param, value):
    response = as_user(org.supervisor).get(path, {param: value})
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == "validation_error"
    assert list(body["errors"]) == [param]
    assert body["details"][0]["field"] == param
    assert body["details"][0]["code"] in {"out_of_range", "wrong_type"}


@pytest.mark.parametrize("path", sorted({path for path, _param, _value in CASES}))
def test_the_same_lists_answer_with_sane_filters(org, as_user, path):
    assert as_user(org.supervisor).get(path, {"customer": 1} if "calls" in path else {}).status_code == 200


def test_an_id_past_64_bits_in_a_path_is_422_naming_it(org, as_user):
    response = as_user(org.supervisor).get(f"/customers/{HUGE}")
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["customer_id"]
