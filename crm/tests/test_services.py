"""crm services, and the phone normaliser and selectors they stand on."""

import pytest
from django.core.exceptions import ValidationError

from crm.models import CRMRecord
from crm.phones import phone_normalize
from crm.selectors import customer_by_phone, customer_get, customer_list, crm_record_get, crm_record_list
from crm.services import CRM_RECORDS_CREATED, crm_record_create, customer_create
from crm.tests.factories import CRMRecordFactory, CustomerFactory
from support.conversations.tests.factories import ConversationFactory
from voxsite.core.errors import NotFound


@pytest.mark.parametrize(
    "raw",
    ["98765 43210", "+91-98765-43210", "09876543210", "919876543210", "+91 98765 43210", "(+91) 98765.43210",
     "0091 9876543210", "9876543210", " 98765-43210 "],
)
def test_phone_normalize_indian_formats(raw):
    assert phone_normalize(raw) == "+919876543210"


def test_phone_normalize_landline_and_foreign():
    assert phone_normalize("022 2345 6789") == "+912223456789"
    assert phone_normalize("+44 20 7946 0958") == "+442079460958"


@pytest.mark.parametrize(
    "raw",
    ["", "abc", "98765", "98765432101234", "+91 0876543210", "0876543210", "+91987654321", "+0 123456789",
     "98765abc10", "+", "٩٨٧٦٥٤٣٢١٠", "+1234567", "9876543210\x00"],
)
def test_phone_normalize_garbage(raw):
    with pytest.raises(ValueError):
        phone_normalize(raw)


def test_phone_normalize_refuses_non_text():
    with pytest.raises(ValueError):
        phone_normalize(9876543210)


# --- services


@pytest.mark.django_db
def test_crm_record_create_links_customer_and_conversation():
    customer = CustomerFactory()
    conversation = ConversationFactory(customer=customer)
    before = CRM_RECORDS_CREATED.value(scenario="billing", priority="high")
    record = crm_record_create(scenario="billing", intent="refund_request", priority="high",
                               summary="Double charged", payload={"amount": 499}, customer=customer,
                               conversation=conversation)
    record.refresh_from_db()
    assert (record.scenario, record.intent, record.priority, record.status) == ("billing", "refund_request", "high",
                                                                                  "open")
    assert record.payload == {"amount": 499}
    assert record.customer == customer and record.conversation == conversation
    assert CRM_RECORDS_CREATED.value(scenario="billing", priority="high") == before + 1


@pytest.mark.django_db
def test_crm_record_create_defaults():
    record = crm_record_create(scenario="general")
    assert (record.priority, record.payload, record.customer, record.intent) == ("medium", {}, None, "")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"scenario": ""}, "scenario"),
        ({"scenario": "billing", "priority": "sky-high"}, "priority"),
        ({"scenario": "billing", "summary": "x" * 301}, "summary"),
        ({"scenario": "billing", "payload": ["not", "a", "dict"]}, "payload"),
    ],
)
def test_crm_record_create_invalid(kwargs, field):
    with pytest.raises(ValidationError) as err:
        crm_record_create(**kwargs)
    assert field in err.value.message_dict
    assert CRMRecord.objects.count() == 0


@pytest.mark.django_db
def test_customer_create_normalises_phone():
    customer = customer_create(customer_id="cust_new0", name="Ananya Iyer", phone="098765 43210",
                               email="ananya@example.in", preferred_language="hi")
    customer.refresh_from_db()
    assert customer.phone == "+919876543210"
    assert customer.preferred_language == "hi"


@pytest.mark.django_db
def test_customer_create_bad_phone():
    with pytest.raises(ValidationError) as err:
        customer_create(customer_id="cust_new1", name="Ravi", phone="call me maybe")
    assert "phone" in err.value.message_dict


@pytest.mark.django_db
def test_customer_create_duplicate_phone_in_another_format():
    customer_create(customer_id="cust_new2", name="Ravi", phone="+919876543210")
    with pytest.raises(ValidationError) as err:
        customer_create(customer_id="cust_new3", name="Ravi Again", phone="98765 43210")
    assert "phone" in err.value.message_dict


@pytest.mark.django_db
def test_customer_create_bad_language():
    with pytest.raises(ValidationError) as err:
        customer_create(customer_id="cust_new4", name="Ravi", phone="9876543210", preferred_language="fr")
    assert "preferred_language" in err.value.message_dict


# --- selectors


@pytest.mark.django_db
def test_customer_get():
    customer = CustomerFactory(customer_id="cust_priya")
    assert customer_get(customer_id="cust_priya") == customer
    for missing in ("cust_999", "cust\x00123"):
        with pytest.raises(NotFound) as err:
            customer_get(customer_id=missing)
        assert err.value.code == "customer_not_found"


@pytest.mark.django_db
def test_customer_by_phone_any_format():
    customer = CustomerFactory(phone="+919876543210")
    assert customer_by_phone(phone="098765-43210") == customer
    assert customer_by_phone(phone="+91 91234 56789") is None
    assert customer_by_phone(phone="not a phone") is None


@pytest.mark.django_db
def test_customer_list_filters():
    priya = CustomerFactory(name="Priya Sharma", email="priya@example.in", phone="+919876543210")
    CustomerFactory(name="Rahul Verma", email="rahul@example.in")
    assert list(customer_list(phone="98765 43210")) == [priya]
    assert list(customer_list(query="sharma PRIYA")) == [priya]
    with pytest.raises(ValueError):
        customer_list(phone="garbage")


@pytest.mark.django_db
def test_crm_record_list_and_get():
    a = CustomerFactory(customer_id="cust_aaa")
    first = CRMRecordFactory(customer=a, scenario="billing")
    second = CRMRecordFactory(customer=a, scenario="return", status="resolved")
    CRMRecordFactory(scenario="billing")
    assert list(crm_record_list(customer_id="cust_aaa")) == [second, first]
    assert list(crm_record_list(customer_id="cust_aaa", status="resolved")) == [second]
    assert crm_record_list(scenario="billing").count() == 2
    assert crm_record_get(record_id=first.pk) == first
    with pytest.raises(NotFound) as err:
        crm_record_get(record_id=10**9)
    assert err.value.code == "crm_record_not_found"
