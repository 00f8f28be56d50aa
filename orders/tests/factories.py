from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from catalog.tests.factories import ProductFactory
from crm.tests.factories import CustomerFactory
from orders.models import Order, OrderItem, Return, ReturnItem, TrackingEvent


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Order
        skip_postgeneration_save = True

    number = factory.Sequence(lambda n: f"ORD-{5001 + n}")
    customer = factory.SubFactory(CustomerFactory)
    status = Order.Status.PLACED
    placed_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=3))
    shipping_name = factory.LazyAttribute(lambda o: o.customer.name)
    shipping_phone = factory.LazyAttribute(lambda o: o.customer.phone)
    shipping_address = "12 MG Road"
    shipping_city = "Pune"
    shipping_state = "Maharashtra"
    shipping_pincode = "411001"
    payment_method = Order.PaymentMethod.UPI
    subtotal = Decimal("2598.00")
    total = Decimal("2598.00")
    amount_paid = Decimal("2598.00")

    @factory.post_generation
    def with_item(obj, create, extracted, **kwargs):
        if create and extracted is not False:
            product = ProductFactory(price=Decimal("1299.00"))
            OrderItem.objects.create(order=obj, product=product, sku=product.sku, name=product.name, quantity=2,
                                     unit_price=product.price)


class DeliveredOrderFactory(OrderFactory):
    status = Order.Status.DELIVERED
    delivered_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=2))


class TrackingEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrackingEvent

    order = factory.SubFactory(OrderFactory)
    status = Order.Status.SHIPPED
    description = "Shipped from warehouse"
    location = "Bhiwandi"
    carrier = "Delhivery"
    occurred_at = factory.LazyFunction(timezone.now)


class ReturnFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Return
        skip_postgeneration_save = True

    number = factory.Sequence(lambda n: f"RET-{7001 + n}")
    order = factory.SubFactory(DeliveredOrderFactory)
    reason = Return.Reason.SIZE_FIT
    requested_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def with_items(obj, create, extracted, **kwargs):
        if create and extracted is not False:
            item = obj.order.items.first()
            if item:
                ReturnItem.objects.create(ret=obj, order_item=item, quantity=1)
