from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models

from catalog.models import Product
from crm.models import Customer

ZERO = Decimal("0.00")


class Order(models.Model):
    class Status(models.TextChoices):
        PLACED = "placed", "Placed"
        CONFIRMED = "confirmed", "Confirmed"
        PACKED = "packed", "Packed"
        SHIPPED = "shipped", "Shipped"
        OUT_FOR_DELIVERY = "out_for_delivery", "Out for delivery"
        DELIVERED = "delivered", "Delivered"
        CANCELLED = "cancelled", "Cancelled"
        RETURNED = "returned", "Returned"

    class PaymentMethod(models.TextChoices):
        UPI = "upi", "UPI"
        CARD = "card", "Card"
        NETBANKING = "netbanking", "Net banking"
        WALLET = "wallet", "Wallet"
        COD = "cod", "Cash on delivery"

    number = models.CharField(max_length=20, unique=True, help_text="Public number, e.g. ORD-1001.")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="orders")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PLACED, db_index=True)
    placed_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    expected_delivery = models.DateField(null=True, blank=True)
    carrier = models.CharField(max_length=50, blank=True)
    tracking_number = models.CharField(max_length=50, blank=True)

    shipping_name = models.CharField(max_length=150)
    shipping_phone = models.CharField(max_length=16, blank=True)
    shipping_address = models.CharField(max_length=300)
    shipping_city = models.CharField(max_length=80)
    shipping_state = models.CharField(max_length=80)
    shipping_pincode = models.CharField(max_length=6)

    payment_method = models.CharField(max_length=12, choices=PaymentMethod.choices, default=PaymentMethod.UPI)
    subtotal = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO, validators=[MinValueValidator(ZERO)])
    shipping_fee = models.DecimalField(max_digits=10, decimal_places=2, default=ZERO, validators=[MinValueValidator(ZERO)])
    discount = models.DecimalField(max_digits=10, decimal_places=2, default=ZERO, validators=[MinValueValidator(ZERO)])
    total = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO, validators=[MinValueValidator(ZERO)])
    amount_paid = models.DecimalField(
        max_digits=12, decimal_places=2, default=ZERO, validators=[MinValueValidator(ZERO)],
        help_text="What the customer has actually paid (0 for undelivered cash on delivery).",
    )
    amount_refunded = models.DecimalField(
        max_digits=12, decimal_places=2, default=ZERO, validators=[MinValueValidator(ZERO)]
    )

    class Meta:
        ordering = ["-placed_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount_refunded__lte=models.F("amount_paid")), name="order_refund_not_above_paid"
            ),
        ]

    def __str__(self):
        return self.number

    @property
    def refundable_amount(self) -> Decimal:
        return self.amount_paid - self.amount_refunded


class OrderItem(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="order_items")
    sku = models.CharField(max_length=40)
    name = models.CharField(max_length=200)
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    unit_price = models.DecimalField(max_digits=10, decimal_places=2, validators=[MinValueValidator(ZERO)])

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"{self.quantity} x {self.name}"

    @property
    def line_total(self) -> Decimal:
        return self.unit_price * self.quantity


class TrackingEvent(models.Model):
    """The carrier's view of the parcel: what happened where, and when."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="tracking_events")
    status = models.CharField(max_length=20, choices=Order.Status.choices)
    description = models.CharField(max_length=200)
    location = models.CharField(max_length=100, blank=True)
    carrier = models.CharField(max_length=50, blank=True)
    occurred_at = models.DateTimeField()

    class Meta:
        ordering = ["occurred_at", "id"]

    def __str__(self):
        return f"{self.order_id} {self.status} @ {self.occurred_at:%Y-%m-%d %H:%M}"


class OrderEvent(models.Model):
    """One row per status change, written by orders.services inside the transition."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=20, choices=Order.Status.choices)
    to_status = models.CharField(max_length=20, choices=Order.Status.choices)
    actor = models.CharField(max_length=100, help_text="who: staff:<username>, api:<key prefix>, agent:<conversation>, system")
    reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]


class Return(models.Model):
    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        PICKED_UP = "picked_up", "Picked up"
        REFUNDED = "refunded", "Refunded"
        CANCELLED = "cancelled", "Cancelled"

    class Reason(models.TextChoices):
        DAMAGED = "damaged", "Damaged or defective"
        WRONG_ITEM = "wrong_item", "Wrong item delivered"
        SIZE_FIT = "size_fit", "Size or fit issue"
        NOT_AS_DESCRIBED = "not_as_described", "Not as described"
        CHANGED_MIND = "changed_mind", "Changed my mind"
        OTHER = "other", "Other"

    number = models.CharField(max_length=20, unique=True, help_text="Public number, e.g. RET-2001.")
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="returns")
    reason = models.CharField(max_length=20, choices=Reason.choices, default=Reason.OTHER)
    reason_detail = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.REQUESTED, db_index=True)
    refund_amount = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(ZERO)]
    )
    requested_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self):
        return self.number


class ReturnItem(models.Model):
    ret = models.ForeignKey(Return, on_delete=models.CASCADE, related_name="items")
    order_item = models.ForeignKey(OrderItem, on_delete=models.PROTECT, related_name="return_items")
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])

    def __str__(self):
        return f"{self.quantity} x {self.order_item.name}"


class ReturnEvent(models.Model):
    ret = models.ForeignKey(Return, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=12, choices=Return.Status.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=Return.Status.choices)
    actor = models.CharField(max_length=100)
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
