"""Both servers' OpenAPI documents are valid OpenAPI 3 and say what the servers do: the
logins each operation takes, the 422 object, a 200 for every read, NIK patterns; and the
request bodies take JSON's types strictly."""
import pytest
from openapi_spec_validator import validate

from branch import create_app as branch_app
from central import create_app as central_app

ERROR_OUT = {"$ref": "#/components/schemas/ErrorOut"}
COUNTER_OPERATIONS = ["/api/v1/counters/{name}/call", "/api/v1/tickets/{ticket_id}/recall",
                      "/api/v1/tickets/{ticket_id}/no-show",
                      "/api/v1/tickets/{ticket_id}/transfer",
                      "/api/v1/tickets/{ticket_id}/finish"]


@pytest.fixture(params=["central", "branch"])
def server(request, tmp_path):
    make = central_app if request.param == "central" else branch_app
    app = make({"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}", "TESTING": True,
                "RATELIMIT_ENABLED": False})
    return request.param, app.test_client()


def document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json


def operations(doc):
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def schema_of(doc, ref):
    return doc["components"]["schemas"][ref["$ref"].rsplit("/", 1)[-1]]


def test_the_document_is_valid_openapi(server):
    validate(document(server[1]))


def test_every_422_is_the_error_object_and_every_read_documents_its_200(server):
    doc = document(server[1])
    for path, method, operation in operations(doc):
        responses = operation["responses"]
        if "422" in responses:
            assert responses["422"]["content"]["application/json"]["schema"] == ERROR_OUT, path
        if method == "get":
            assert "200" in responses, path
    for path in ("/api/v1/health", "/api/v1/openapi.json"):
        assert "200" in doc["paths"][path]["get"]["responses"]
        assert "422" not in doc["paths"][path]["get"]["responses"]      # they take no input
    error = doc["components"]["schemas"]["ErrorOut"]
    assert error["type"] == "object" and set(error["required"]) == {"error", "message"}


def test_the_branch_declares_basic_and_the_session_with_its_csrf_header(tmp_path):
    doc = document(branch_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'b.db'}",
                               "TESTING": True}).test_client())
    schemes = doc["components"]["securitySchemes"]
    assert schemes["staff_basic"] == {**schemes["staff_basic"], "type": "http",
                                      "scheme": "basic"}
    assert (schemes["staff_session"]["in"], schemes["staff_session"]["name"]) == (
        "cookie", "session")
    assert (schemes["csrf_token"]["in"], schemes["csrf_token"]["name"]) == (
        "header", "X-CSRF-Token")
    for path in COUNTER_OPERATIONS:
        assert doc["paths"][path]["post"]["security"] == [
            {"staff_basic": []}, {"staff_session": [], "csrf_token": []}], path
    assert doc["paths"]["/api/v1/status"]["get"]["security"] == [
        {"staff_basic": []}, {"staff_session": []}]
    status = schema_of(doc, doc["paths"]["/api/v1/status"]["get"]["responses"]["200"]
                       ["content"]["application/json"]["schema"])
    assert {"pending", "quarantined", "last_error", "central_reachable"} <= set(
        status["properties"])


def test_nik_fields_declare_their_pattern(server):
    name, client = server
    doc = document(client)
    bodies = ({"BookingRequest": "nik", "LookupRequest": "nik", "CancelRequest": "nik",
               "RescheduleRequest": "nik"} if name == "central"
              else {"TicketRequest": "nik"})
    for model, field in bodies.items():
        assert doc["components"]["schemas"][model]["properties"][field]["pattern"] == \
            "^[0-9]{16}$", model


def test_docs_ui_routes_are_gone_so_nothing_links_to_a_broken_page(server):
    client = server[1]
    for path in ("/api/v1/docs/", "/api/v1/docs/swagger", "/api/v1/docs/redoc"):
        assert client.get(path).status_code == 404, path
    assert "/api/v1/docs" not in client.get("/api/v1/openapi.json").get_data(as_text=True)
