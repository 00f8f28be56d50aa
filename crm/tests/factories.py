import factory

from crm.models import CRMRecord, Customer


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    customer_id = factory.Sequence(lambda n: f"cust_{n:03d}")
    name = factory.Sequence(lambda n: f"Priya Sharma {n}")
    phone = factory.Sequence(lambda n: f"+9198{n:08d}")
    email = factory.Sequence(lambda n: f"priya{n}@example.in")
    preferred_language = "en"


class CRMRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CRMRecord

    customer = factory.SubFactory(CustomerFactory)
    scenario = "general"
    intent = "query"
    priority = CRMRecord.Priority.MEDIUM
