from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.admin import RECENT_ORDERS
from crm.models import CRMRecord, Customer
from crm.tests.factories import CRMRecordFactory, CustomerFactory
from orders.tests.factories import OrderFactory
from support.conversations.tests.factories import ConversationFactory
from voxsite.core.tests.test_admin import changeform_data, message_texts, pinned_changelist

pytestmark = pytest.mark.django_db


def url(model, view="changelist", *args):
    return reverse(f"admin:crm_{model}_{view}", args=args)


# ---------------------------------------------------------------------------
# Customer


@pytest.mark.parametrize(
    "term", ["+919812345678", "5678", "Ananya", "ananya.iyer@example.in", "cust_777"]
)
def test_customer_search_by_phone_name_email_id(admin_client, term):
    ananya = CustomerFactory(
        customer_id="cust_777", name="Ananya Iyer", phone="+919812345678", email="ananya.iyer@example.in"
    )
    CustomerFactory(customer_id="cust_001", name="Rohan Das", phone="+919900001111", email="rohan@example.in")

    response = admin_client.get(url("customer"), {"q": term})

    assert response.status_code == 200
    assert [c.pk for c in response.context["cl"].result_list] == [ananya.pk]


def test_customer_changelist_counts_orders(admin_client):
    buyer = CustomerFactory(name="Aarav Mehta")
    OrderFactory.create_batch(2, customer=buyer, with_item=False)
    CustomerFactory(name="Zoya Khan")

    response = admin_client.get(url("customer"))

    assert response.status_code == 200
    assert {c.name: c.order_count for c in response.context["cl"].result_list} == {"Aarav Mehta": 2, "Zoya Khan": 0}


def test_customer_changelist_query_count(admin_client, django_assert_num_queries):
    for c in CustomerFactory.create_batch(3):
        OrderFactory(customer=c, with_item=False)
    # session, user, count, total count, rows (order count as a subquery), date hierarchy min/max + dates
    pinned_changelist(
        admin_client, django_assert_num_queries, url("customer"), 7, lambda: CustomerFactory.create_batch(4)
    )


def test_customer_page_shows_only_recent_orders_read_only(admin_client):
    customer = CustomerFactory()
    now = timezone.now()
    orders = [
        OrderFactory(customer=customer, placed_at=now - timedelta(days=i), with_item=False)
        for i in range(RECENT_ORDERS + 2)
    ]
    CRMRecordFactory(customer=customer, scenario="billing")

    response = admin_client.get(url("customer", "change", customer.pk))

    assert response.status_code == 200
    inlines = {type(i.opts).__name__: i for i in response.context["inline_admin_formsets"]}
    recent = inlines["RecentOrderInline"]
    shown = [f.instance.number for f in recent.formset.forms]
    assert shown == [o.number for o in orders[:RECENT_ORDERS]]  # newest first, oldest two left out
    assert not recent.has_add_permission and not recent.has_change_permission and not recent.has_delete_permission
    html = response.content.decode()
    assert reverse("admin:orders_order_change", args=[orders[0].pk]) in html
    assert [f.instance.scenario for f in inlines["CRMRecordInline"].formset.forms] == ["billing"]


def test_customer_edit_saves_with_read_only_inlines(admin_client):
    customer = CustomerFactory(name="Old Name")
    OrderFactory(customer=customer, with_item=False)
    page = admin_client.get(url("customer", "change", customer.pk))
    data = changeform_data(page)
    data["name"] = "Meera Kulkarni"
    data["preferred_language"] = "mr"

    response = admin_client.post(url("customer", "change", customer.pk), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    customer.refresh_from_db()
    assert (customer.name, customer.preferred_language) == ("Meera Kulkarni", "mr")
    assert customer.orders.count() == 1


def test_customer_phone_must_be_e164(admin_client):
    response = admin_client.post(url("customer", "add"), {
        "customer_id": "cust_900", "name": "Kabir", "phone": "98123 45678", "email": "", "preferred_language": "hi",
        # The read-only inlines' management forms, as the add page renders them.
        "orders-TOTAL_FORMS": "0", "orders-INITIAL_FORMS": "0",
        "crm_records-TOTAL_FORMS": "0", "crm_records-INITIAL_FORMS": "0",
    })
    assert response.status_code == 200
    assert "phone" in response.context["adminform"].form.errors
    assert not Customer.objects.filter(customer_id="cust_900").exists()


def test_customer_add_page_renders(admin_client):
    assert admin_client.get(url("customer", "add")).status_code == 200


# ---------------------------------------------------------------------------
# CRM records


def test_crmrecord_changelist_filters_and_search(admin_client):
    priya = CustomerFactory(name="Priya Nair", phone="+919845011223")
    urgent = CRMRecordFactory(customer=priya, scenario="billing", intent="refund_request", priority="urgent")
    CRMRecordFactory(scenario="general", intent="query", priority="low")

    response = admin_client.get(url("crmrecord"))
    assert response.status_code == 200
    assert response.context["cl"].result_count == 2
    assert f"CRM-{urgent.pk}" in response.content.decode()

    for params in ({"q": "+919845011223"}, {"q": "refund_request"}, {"priority__exact": "urgent"},
                   {"scenario": "billing"}, {"q": f"CRM-{urgent.pk}"}, {"q": f" crm{urgent.pk} "}):
        found = admin_client.get(url("crmrecord"), params).context["cl"].result_list
        assert [r.pk for r in found] == [urgent.pk], params


def test_crmrecord_changelist_query_count(admin_client, django_assert_num_queries, admin_user):
    CRMRecordFactory.create_batch(3, assigned_to=admin_user)
    # session, user, count, total count, rows (customer and assignee joined), assignee filter users,
    # scenario filter values, date hierarchy min/max + dates
    pinned_changelist(
        admin_client, django_assert_num_queries, url("crmrecord"), 9,
        lambda: CRMRecordFactory.create_batch(4, assigned_to=admin_user),
    )


def test_crmrecord_change_page_links_conversation(admin_client):
    conversation = ConversationFactory()
    record = CRMRecordFactory(conversation=conversation, payload={"query": "bill twice", "account_id": "A-1"})

    response = admin_client.get(url("crmrecord", "change", record.pk))

    assert response.status_code == 200
    html = response.content.decode()
    assert str(conversation.pk) in html  # raw id widget value
    assert "bill twice" in html


def test_crmrecord_actions_assign_and_resolve(admin_client, admin_user):
    record = CRMRecordFactory()
    other = CRMRecordFactory()

    response = admin_client.post(
        url("crmrecord"), {"action": "assign_to_me", "_selected_action": [record.pk]}, follow=True
    )
    assert "Assigned 1 record(s) to you." in message_texts(response)
    admin_client.post(url("crmrecord"), {"action": "mark_resolved", "_selected_action": [record.pk]})

    record.refresh_from_db()
    other.refresh_from_db()
    assert (record.assigned_to, record.status) == (admin_user, CRMRecord.Status.RESOLVED)
    assert (other.assigned_to, other.status) == (None, CRMRecord.Status.OPEN)


def test_crmrecord_customer_autocomplete(admin_client):
    CustomerFactory(name="Ishaan Verma", phone="+919811122233")
    CustomerFactory(name="Sneha Patil")

    response = admin_client.get(
        reverse("admin:autocomplete"),
        {"term": "Ishaan", "app_label": "crm", "model_name": "crmrecord", "field_name": "customer"},
    )

    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]] == ["Ishaan Verma (+919811122233)"]
