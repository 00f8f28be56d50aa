"""The OpenAPI schema and its docs page, and a property-based run of every /api/v1/ operation."""

import re
from decimal import Decimal

import pytest
import schemathesis
import yaml
from django.test import Client
from drf_spectacular.validation import validate_schema
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok

from catalog.tests.factories import CategoryFactory, FAQFactory, PolicyFactory, ProductFactory
from crm.tests.factories import CRMRecordFactory, CustomerFactory
from orders.tests.factories import DeliveredOrderFactory, OrderFactory, ReturnFactory, TrackingEventFactory
from support.tests.factories import ConversationFactory

MY_PATHS = {
    "/api/v1/products", "/api/v1/products/{sku}", "/api/v1/categories", "/api/v1/faqs", "/api/v1/faqs/{id}",
    "/api/v1/policies", "/api/v1/policies/{kind}", "/api/v1/customers", "/api/v1/customers/{customer_id}",
    "/api/v1/crm-records", "/api/v1/crm-records/{id}",
}


@pytest.fixture
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
    assert set(products["responses"]) == {"200", "400", "401", "403", "429"}
    schemes = openapi["components"]["securitySchemes"]
    bearer = [name for name, spec in schemes.items() if spec.get("scheme") == "bearer"]
    assert bearer and any(bearer[0] in requirement for requirement in products["security"])
    create = openapi["paths"]["/api/v1/crm-records"]["post"]
    body = create["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert openapi["components"]["schemas"][body]["required"] == ["scenario"]
    assert "201" in create["responses"]
    kind = openapi["paths"]["/api/v1/policies/{kind}"]["get"]["parameters"][0]
    assert sorted(kind["schema"]["enum"]) == ["cancellation", "privacy", "refunds", "returns", "shipping", "warranty"]


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


# --- property-based run over the whole /api/v1/ surface
#
# Driven through schemathesis' strategies and plain Hypothesis rather than its pytest plugin:
# schemathesis 4.32's lazy parametrisation writes `node._nodeid`, which pytest 9.2 no longer has.


@pytest.fixture
def seeded(db):
    """A small shop, so list endpoints return rows and detail endpoints can be hit with real ids."""
    cats = [CategoryFactory(name=n, slug=n.lower()) for n in ("Mobiles", "Books", "Kurtas")]
    products = [ProductFactory(category=cats[i % 3], price=Decimal(199 + 1000 * i), stock=i % 2) for i in range(6)]
    faqs = [FAQFactory(question=f"How do I return item {i}?", answer="Within 7 days.", tags=["returns"])
            for i in range(4)]
    for kind in ("returns", "shipping"):
        PolicyFactory(kind=kind, language="en")
    PolicyFactory(kind="returns", language="hi", title="वापसी")
    customers = [CustomerFactory() for _ in range(3)]
    records = [CRMRecordFactory(customer=c) for c in customers]
    placed = OrderFactory(customer=customers[0])
    shipped = OrderFactory(customer=customers[1], status="shipped")
    TrackingEventFactory(order=shipped)
    delivered = DeliveredOrderFactory(customer=customers[2])
    ret = ReturnFactory(order=DeliveredOrderFactory(customer=customers[2]))
    conversation = ConversationFactory(customer=customers[0])
    # Real values for path parameters: (path prefix, parameter name) -> values.
    return {
        ("/api/v1/products/", "sku"): [products[0].sku.lower(), products[1].sku],
        ("/api/v1/policies/", "kind"): ["returns", "shipping"],
        ("/api/v1/customers/", "customer_id"): [customers[0].customer_id],
        ("/api/v1/faqs/", "id"): [faqs[0].pk],
        ("/api/v1/crm-records/", "id"): [records[0].pk],
        ("/api/v1/orders/", "number"): [placed.number, shipped.number, delivered.number],
        ("/api/v1/returns/", "number"): [ret.number],
        ("/api/v1/sessions/", "session_id"): [str(conversation.pk)],
    }


def _strategies(operation, real_values):
    """Valid and invalid requests for one operation, also aimed at rows that exist."""
    from hypothesis import strategies as st
    from schemathesis import GenerationMode

    values = {name: vals for (prefix, name), vals in real_values.items() if operation.path.startswith(prefix)}
    names = [p.name for p in operation.path_parameters]
    fixed = [{}]
    if names and all(n in values for n in names):
        fixed += [{n: values[n][i % len(values[n])] for n in names} for i in range(max(map(len, values.values())))]
    strategies = []
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        for params in fixed:
            try:
                strategies.append(operation.as_strategy(mode, path_parameters=params or None))
            except Exception:  # nothing to make invalid in this operation (no parameters, no body)
                if mode is GenerationMode.POSITIVE:
                    raise
    return st.one_of(strategies)


@pytest.fixture
def wsgi_app():
    """The real WSGI application, sharing the test's database connection and transaction.

    Django closes the connection when a request ends; its own test client switches that off, and
    so must a test that calls the WSGI app in-process (on PostgreSQL it would end the test's transaction)."""
    from django.core import signals
    from django.core.wsgi import get_wsgi_application
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def unthrottled_keys():
    from django.conf import settings as django_settings
    from django.test import override_settings

    # Hundreds of requests within seconds: the per-key rate limit would turn the run into 429s.
    # The throttles read their rates per request (voxsite.throttling), so the override reaches them.
    rest = django_settings.REST_FRAMEWORK
    rates = {**rest["DEFAULT_THROTTLE_RATES"], "api_key": "100000/min"}
    with override_settings(REST_FRAMEWORK={**rest, "DEFAULT_THROTTLE_RATES": rates}):
        yield


@pytest.mark.slow
def test_no_server_errors_anywhere_in_v1(seeded, api_key_factory, wsgi_app, unthrottled_keys):
    from hypothesis import Phase, given

    _, raw = api_key_factory(scopes=["read", "write"], name="schemathesis")
    headers = {"Authorization": f"Bearer {raw}"}
    schema = schemathesis.openapi.from_wsgi("/api/schema/", wsgi_app).include(path_regex=r"^/api/v1/")

    results = list(schema.get_all_operations())
    assert [str(r.err()) for r in results if not isinstance(r, Ok)] == []  # every operation is well-formed
    operations = [r.ok() for r in results]
    assert {op.path for op in operations} >= MY_PATHS
    statuses: dict[str, set[int]] = {}
    failures = []
    for operation in operations:
        seen = statuses.setdefault(operation.label, set())

        @settings(max_examples=25, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck), phases=[Phase.generate, Phase.shrink])
        @given(case=_strategies(operation, seeded))
        def check(case):
            response = case.call_and_validate(headers=headers, checks=[not_a_server_error])
            seen.add(response.status_code)

        try:
            check()
        except Exception as exc:  # collect every operation's failure, not just the first
            failures.append(f"{operation.label}: {exc}")
    assert failures == [], "\n\n".join(failures)
    # The run reached past authentication: every operation answered something other than 401/403.
    assert all(codes - {401, 403} for codes in statuses.values()), statuses
