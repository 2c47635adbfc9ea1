"""Bad input never gives a 500: malformed JSON, wrong types, unknown fields,
oversized bodies, other media types, unknown addresses and methods all get a
4xx problem+json (RFC 9457) in the caller's language."""

import pytest

from tests.api.conftest import problem_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def writer(api, token_for, primary_admin):
    return api(token_for(primary_admin))


@pytest.mark.parametrize(
    "body",
    [
        "{",
        "[1, 2",
        "nul",
        '{"display_name": "x",}',
        "\xff",
        "[" * 100_000,  # nested past the recursion limit
        '{"notes": ' + "9" * 5000 + "}",  # a number past Python's 4,300 digits
    ],
)
def test_malformed_json_gets_400(writer, body):
    response = writer.post("/api/v1/clients", body, content_type="application/json")
    assert response.status_code == 400
    assert problem_of(response)["code"] == "bad_json"


@pytest.mark.parametrize(
    "body, loc, kind",
    [
        ({"display_name": 5}, ["body", "display_name"], "string_type"),
        (
            {"display_name": "x", "lead_accountant_id": "abc"},
            ["body", "lead_accountant_id"],
            "int_type",
        ),
        ({"display_name": "x", "client_type": "robot"}, ["body", "client_type"], "enum"),
        (
            {"display_name": "x", "firm_is_primary_admin": "maybe"},
            ["body", "firm_is_primary_admin"],
            "bool_type",
        ),
        ({"display_name": "x", "email": "not an address"}, ["body", "email"], "value_error"),
        ({"display_name": "x" * 201}, ["body", "display_name"], "string_too_long"),
        ({"display_name": "x", "colour": "red"}, ["body", "colour"], "extra_forbidden"),
        ([1, 2], ["body"], "model_attributes_type"),
    ],
)
def test_wrong_types_and_unknown_fields_get_422_naming_the_field(writer, body, loc, kind):
    response = writer.post("/api/v1/clients", body)
    assert response.status_code == 422, response.content
    errors = problem_of(response)["errors"]
    assert {"loc": loc, "type": kind} in [{"loc": e["loc"], "type": e["type"]} for e in errors]
    assert all(e["message"] for e in errors)


def test_wrong_query_types_get_422(writer):
    for params in (
        {"limit": "many"},
        {"limit": 0},
        {"limit": 100000},
        {"inactive": "perhaps"},
        {"sort": "colour"},
    ):
        response = writer.get("/api/v1/clients", data=params)
        assert response.status_code == 422, params
        assert problem_of(response)["errors"][0]["loc"][0] == "query"


@pytest.mark.parametrize(
    "query, name",
    [
        ("cursor=abc&cursor=", "cursor"),
        ("limit=5&limit=6", "limit"),
        ("sort=name&sort=name", "sort"),
    ],
)
def test_a_parameter_given_twice_gets_422_instead_of_its_last_value(writer, query, name):
    response = writer.get(f"/api/v1/clients?{query}")
    assert response.status_code == 422, response.content
    assert problem_of(response)["errors"] == [
        {"loc": ["query", name], "message": "Give this parameter only once.", "type": "repeated"}
    ]


def test_a_parameter_given_twice_is_refused_in_the_callers_language(api, token_for, primary_admin):
    response = api(token_for(primary_admin), language="fr").get("/api/v1/clients?q=a&q=b")
    assert response.status_code == 422
    [error] = problem_of(response)["errors"]
    assert error["loc"] == ["query", "q"]
    assert error["message"] == "Indiquez ce paramètre une seule fois."


def test_a_form_field_given_twice_gets_422(writer):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("numbers.csv", b"Company ID,Display name,Client number\r\n")
    response = writer.client.post(
        "/api/v1/imports",
        {"file": upload, "mode": ["check", "import"]},
        headers=writer.headers,
    )
    assert response.status_code == 422, response.content
    assert problem_of(response)["errors"][0]["loc"] == ["body", "mode"]


def test_an_oversized_body_gets_413_before_it_is_read(writer, settings):
    settings.API_MAX_BODY_BYTES = 1000
    response = writer.post("/api/v1/clients", {"display_name": "x", "notes": "n" * 2000})
    assert response.status_code == 413
    assert problem_of(response)["code"] == "too_large"


def test_another_media_type_gets_415(writer):
    response = writer.post(
        "/api/v1/clients", "display_name=x", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 415
    assert problem_of(response)["code"] == "unsupported_media_type"


def test_unknown_addresses_and_methods_are_problems(writer):
    missing = writer.get("/api/v1/nothing-here")
    assert missing.status_code == 404 and problem_of(missing)["code"] == "not_found"
    wrong_method = writer.delete("/api/v1/clients")
    assert wrong_method.status_code == 405
    assert set(wrong_method["Allow"].replace(" ", "").split(",")) == {"GET", "POST"}
    problem_of(wrong_method)


def test_missing_ids_get_404_problems(writer):
    for path in (
        "/api/v1/clients/987654",
        "/api/v1/imports/987654",
        "/api/v1/subscriptions/987654",
        "/api/v1/statements/987654",
    ):
        response = writer.get(path)
        assert response.status_code == 404, path
        assert problem_of(response)["detail"]


def test_problem_details_follow_accept_language(api, token_for, primary_admin):
    english = problem_of(api(token_for(primary_admin)).get("/api/v1/clients/987654"))
    french = problem_of(
        api(token_for(primary_admin, name="fr"), language="fr").get("/api/v1/clients/987654")
    )
    assert english["detail"] == "Nothing was found at this address."
    assert french["detail"] != english["detail"] and french["title"] != english["title"]
    assert french["status"] == english["status"] == 404
    unauthenticated = problem_of(api(None, language="fr").get("/api/v1/clients"))
    assert unauthenticated["detail"] != problem_of(api(None).get("/api/v1/clients"))["detail"]


def test_a_server_error_is_a_problem_too(writer, monkeypatch, make_client):
    from api.endpoints import team

    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(team.selectors, "activity_people", broken)
    response = writer.get("/api/v1/team")
    assert response.status_code == 500
    body = problem_of(response)
    assert body["code"] == "server_error" and "boom" not in body["detail"]


def test_unknown_query_parameters_get_422(writer):
    response = writer.get("/api/v1/clients", data={"serach": "garage"})
    assert response.status_code == 422
    assert problem_of(response)["errors"][0]["loc"] == ["query", "serach"]
    assert writer.get("/api/v1/team", data={"page": "2"}).status_code == 422
    assert writer.get("/api/v1/clients", data={"q": "garage"}).status_code == 200


def test_the_wsgi_layer_answers_an_api_body_over_the_request_limit_with_a_problem(settings):
    import io
    import json

    from practice.uploads import RequestSizeLimit

    settings.REQUEST_MAX_BYTES = 1024

    def app(environ, start_response):
        raise AssertionError("the application must not be reached")

    answer = {}
    chunks = RequestSizeLimit(app)(
        {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": "/api/v1/imports",
            "CONTENT_LENGTH": str(10 * 1024 * 1024),
            "HTTP_ACCEPT_LANGUAGE": "en",
            "wsgi.input": io.BytesIO(b""),
        },
        lambda status, headers: answer.update(status=status, headers=dict(headers)),
    )
    body = json.loads(b"".join(chunks))
    assert answer["status"].startswith("413")
    assert answer["headers"]["Content-Type"] == "application/problem+json"
    assert body["status"] == 413 and body["code"] == "too_large" and body["detail"]
