"""The OpenAPI schema and its docs page, and schemathesis (every check) against the live server."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.test import Client
from drf_spectacular.validation import validate_schema

ROOT = Path(__file__).resolve().parents[3]

MY_PATHS = {
    "/api/v1/products", "/api/v1/products/{sku}", "/api/v1/categories", "/api/v1/faqs", "/api/v1/faqs/{id}",
    "/api/v1/policies", "/api/v1/policies/{kind}", "/api/v1/customers", "/api/v1/customers/{customer_id}",
    "/api/v1/crm-records", "/api/v1/crm-records/{id}",
}


@pytest.fixture(scope="module")
def openapi():
    resp = Client().get("/api/schema/")
    assert resp.status_code == 200
    return yaml.safe_load(resp.content)


def test_schema_is_valid_openapi_3(openapi):
    assert openapi["openapi"].startswith("3.")
    validate_schema(openapi)  # raises on any deviation from the OpenAPI 3 meta-schema
    assert MY_PATHS <= set(openapi["paths"])


def test_schema_documents_filters_bodies_and_errors(openapi):
    products = openapi["paths"]["/api/v1/products"]["get"]
    assert {p["name"] for p in products["parameters"]} == {
        "q", "category", "min_price", "max_price", "in_stock", "page", "page_size",
    }
    # 404: a page past the last.
    assert set(products["responses"]) == {"200", "400", "401", "403", "404", "429"}
    schemes = openapi["components"]["securitySchemes"]
    bearer = [name for name, spec in schemes.items() if spec.get("scheme") == "bearer"]
    assert bearer and any(bearer[0] in requirement for requirement in products["security"])
    create = openapi["paths"]["/api/v1/crm-records"]["post"]
    body = create["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert openapi["components"]["schemas"][body]["required"] == ["scenario"]
    assert "201" in create["responses"]
    kind = openapi["paths"]["/api/v1/policies/{kind}"]["get"]["parameters"][0]
    assert sorted(kind["schema"]["enum"]) == ["cancellation", "privacy", "refunds", "returns", "shipping", "warranty"]


def _operations(openapi):
    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            yield f"{method.upper()} {path}", operation


def test_every_operation_documents_the_errors_it_can_give(openapi):
    for label, operation in _operations(openapi):
        codes = set(operation["responses"])
        where = {p["in"] for p in operation.get("parameters", [])}
        if "requestBody" in operation:
            assert {"400", "413", "415"} <= codes, label  # invalid, too large, not JSON
        if "query" in where:
            assert "400" in codes, label
        if "path" in where:
            assert "404" in codes, label
        assert {"401", "403", "429"} <= codes, label  # a bad key, a key without the scope, throttled
        for code, response in operation["responses"].items():
            if int(code) >= 400:
                assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
                assert response["description"], (label, code)


def test_the_one_error_component(openapi):
    error = openapi["components"]["schemas"]["Error"]
    assert error["required"] == ["code", "detail"]
    assert {"code", "detail", "errors", "limit", "retry_after_s"} == set(error["properties"])


def test_shopper_endpoints_take_no_key_and_integrator_endpoints_need_one(openapi):
    shopper = {label for label, op in _operations(openapi) if {} in op.get("security", [])}
    assert shopper == {
        "POST /api/conversation/message", "GET /api/conversation/history/{session_id}",
        "GET /api/conversation/context/{session_id}", "POST /api/voice/text", "POST /api/voice/process",
        "GET /api/voice/jobs/{job_id}", "POST /api/v1/sessions/{session_id}/messages",
        "GET /api/v1/sessions/{session_id}/conversation", "GET /api/v1/sessions/{session_id}/markdown",
    }


def test_request_bodies_are_json_except_audio_uploads(openapi):
    for label, operation in _operations(openapi):
        if "requestBody" in operation:
            types = set(operation["requestBody"]["content"])
            expected = {"application/json", "multipart/form-data"} if label == "POST /api/voice/process" else {"application/json"}
            assert types == expected, label


def test_fields_that_can_be_null_say_so(openapi):
    schemas = openapi["components"]["schemas"]
    for component, field in [("Session", "customer_id"), ("TurnOut", "message_id"), ("VoiceTurnOut", "confidence"),
                             ("VoiceTurnOut", "audio"), ("Message", "audio_url"), ("CRMRecord", "customer_id")]:
        prop = schemas[component]["properties"][field]
        assert "null" in prop.get("type", []) or {"type": "null"} in prop.get("oneOf", []), (component, field, prop)


def test_docs_render_from_local_assets_only(db):
    client = Client()
    resp = client.get("/api/docs/")
    assert resp.status_code == 200
    html = resp.content.decode()
    urls = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html)
    urls += re.findall(r"""["']((?:https?:)?//[^"']+)["']""", html)
    assert any("swagger-ui" in u for u in urls), urls
    external = [u for u in urls if re.match(r"^(https?:)?//", u)]
    assert external == []
    # And the assets it names are really served here.
    for url in urls:
        if url.startswith("/static/"):
            asset = client.get(url)
            assert asset.status_code == 200, url
            assert asset.getvalue(), url


# --- schemathesis, as an integrator would run it, against the real server
#
# `schemathesis run <server>/api/schema/ --checks all` with a read+write key and without one, on
# Daphne serving the seeded demo shop (bench.common.Server: migrated, seeded, DEBUG=false, no rate
# limits). schemathesis.toml says which documented refusals depend on the shop's data. Every check
# runs: undocumented statuses or content types, responses that break their schema, schema-valid
# requests refused, schema-invalid ones accepted, auth not enforced, 5xx.

SCHEMATHESIS_EXAMPLES = 20  # per operation and phase: about a minute per run on the 2-core machines


def schemathesis_run(server, cwd: Path, *options: str) -> subprocess.CompletedProcess:
    command = [str(Path(sys.executable).parent / "schemathesis"), "--config-file", str(ROOT / "schemathesis.toml"),
               "--no-color", "run", f"{server.http_url}/api/schema/", "--checks", "all",
               "--max-examples", str(SCHEMATHESIS_EXAMPLES), "--seed", "1", *options]
    # Its cache folder goes to `cwd`, not into the checkout.
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=900)


@pytest.mark.slow
@pytest.mark.embedded_server
@pytest.mark.parametrize("with_key", [True, False], ids=["read-write key", "no key"])
def test_schemathesis_all_checks_find_nothing(demo_server, tmp_path, with_key):
    options = []
    if with_key:
        raw = demo_server.query("from voxsite.core.services import api_key_create\n"
                                "_, result = api_key_create(name='schemathesis', scopes=['read', 'write'])")
        options = ["--header", f"Authorization: Bearer {raw}"]
    run = schemathesis_run(demo_server, tmp_path, *options)
    report = run.stdout + run.stderr
    print(report)  # the failures, each with a curl line to reproduce it, when there are some
    summary = report.rsplit("SUMMARY", 1)[-1]
    assert run.returncode == 0 and "Failures:" not in summary, summary
    operations = re.search(r"Selected: (\d+)/(\d+)\s+Tested: (\d+)", summary)
    assert operations and operations[1] == operations[2] == operations[3], summary
    if with_key:  # the key reached past authentication everywhere
        assert "Authentication failed" not in summary, summary
