"""The API describes itself: OpenAPI at /api/openapi.json, interactive docs at /api/docs."""

from django.test import Client


def test_openapi_schema_loads_and_lists_the_endpoints(db):
    response = Client().get("/api/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "Kefu API"
    paths = schema["paths"]
    for path in (
        "/api/tickets",
        "/api/tickets/{number}",
        "/api/tickets/{number}/transitions",
        "/api/tickets/{number}/merge",
        "/api/tickets/{number}/dispatches",
        "/api/tickets/{number}/events",
        "/api/tickets/{number}/notes",
        "/api/tickets/{number}/escalate",
        "/api/dispatches",
        "/api/dispatches/{dispatch_id}/reply",
        "/api/dispatches/{dispatch_id}/return",
        "/api/customers",
        "/api/customers/lookup",
        "/api/customers/{customer_id}",
        "/api/me",
        "/api/tokens",
        "/api/tokens/{token_id}",
        "/api/departments",
        "/api/notifications",
    ):
        assert path in paths, path
    schemes = schema["components"]["securitySchemes"]
    assert {s["type"] for s in schemes.values()} == {"http", "apiKey"}
    channel = schema["components"]["schemas"]["TicketCreateIn"]["properties"]["channel"]
    assert channel  # the channel's allowed values are documented


def test_docs_page_answers(db):
    response = Client().get("/api/docs")
    assert response.status_code == 200
    assert b"Kefu API" in response.content


def test_unknown_api_paths_are_404(db):
    assert Client().get("/api/nothing-here").status_code == 404
