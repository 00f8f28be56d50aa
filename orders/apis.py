"""Integrator API for orders and returns: validate with a serializer, call one selector or
service, serialize the result. Refusals are domain errors, turned into 404/409/422 by
voxsite.core.api.exception_handler."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from voxsite.core.api import documented_error, validated
from voxsite.core.models import APIKey

from . import serializers as s
from .selectors import order_get, order_list, return_get, return_list
from .services import ReturnLine, order_cancel, return_approve, return_create, return_refund, return_reject


def _actor(request) -> str:
    """Who did it, for the event rows: the API key's prefix, or the staff user."""
    if isinstance(request.auth, APIKey):
        return f"api:{request.auth.prefix}"
    return f"staff:{request.user.get_username()}"


ORDER_NOT_FOUND = documented_error("No such order (`order_not_found`).")
RETURN_NOT_FOUND = documented_error("No such return (`return_not_found`).")
ORDER_NUMBER = OpenApiParameter("number", str, OpenApiParameter.PATH, description="Order number, e.g. ORD-1001 (also ord-1001, 1001).")
RETURN_NUMBER = OpenApiParameter("number", str, OpenApiParameter.PATH, description="Return number, e.g. RET-2001 (also 2001).")


class OrderListApi(GenericAPIView):
    serializer_class = s.OrderListSerializer

    @extend_schema(
        tags=["orders"], operation_id="orders_list", summary="List orders",
        parameters=[s.OrderListFilterSerializer],
        responses={200: s.OrderListSerializer(many=True)},
    )
    def get(self, request):
        filters = validated(s.OrderListFilterSerializer, request.query_params)
        page = self.paginate_queryset(order_list(**filters))
        return self.get_paginated_response(s.OrderListSerializer(page, many=True).data)


class OrderDetailApi(APIView):
    @extend_schema(
        tags=["orders"], operation_id="orders_retrieve", summary="One order with items, tracking, returns and status history",
        parameters=[ORDER_NUMBER],
        responses={200: s.OrderDetailSerializer, 404: ORDER_NOT_FOUND},
    )
    def get(self, request, number: str):
        return Response(s.OrderDetailSerializer(order_get(number=number, with_history=True)).data)


class OrderCancelApi(APIView):
    @extend_schema(
        tags=["orders"], operation_id="orders_cancel", summary="Cancel an order that has not shipped",
        description="Prepaid orders are refunded in full; cash-on-delivery orders have nothing to refund.",
        parameters=[ORDER_NUMBER], request=s.OrderCancelInputSerializer,
        responses={
            200: s.OrderDetailSerializer, 404: ORDER_NOT_FOUND,
            409: documented_error("Already shipped (`order_not_cancellable`) or already cancelled (`order_already_cancelled`)."),
        },
    )
    def post(self, request, number: str):
        data = validated(s.OrderCancelInputSerializer, request.data)
        order = order_cancel(order=order_get(number=number), actor=_actor(request), reason=data["reason"])
        return Response(s.OrderDetailSerializer(order_get(number=order.number, with_history=True)).data)


class ReturnListCreateApi(GenericAPIView):
    serializer_class = s.ReturnSerializer

    @extend_schema(
        tags=["returns"], operation_id="returns_list", summary="List returns",
        parameters=[s.ReturnListFilterSerializer],
        responses={200: s.ReturnSerializer(many=True)},
    )
    def get(self, request):
        filters = validated(s.ReturnListFilterSerializer, request.query_params)
        page = self.paginate_queryset(return_list(**filters))
        return self.get_paginated_response(s.ReturnSerializer(page, many=True).data)

    @extend_schema(
        tags=["returns"], operation_id="returns_create", summary="Start a return for a delivered order",
        request=s.ReturnCreateInputSerializer,
        responses={
            201: s.ReturnDetailSerializer, 404: ORDER_NOT_FOUND,
            422: documented_error(
                "A rule refused it: `return_order_not_delivered`, `return_window_expired`, "
                "`return_quantity_exceeded`, `return_item_not_on_order`."
            ),
        },
    )
    def post(self, request):
        data = validated(s.ReturnCreateInputSerializer, request.data)
        lines = [ReturnLine(**line) for line in data.get("items", [])]
        ret = return_create(
            order=order_get(number=data["order"]), reason=data["reason"], actor=_actor(request),
            lines=lines or None, reason_detail=data["reason_detail"],
        )
        return Response(s.ReturnDetailSerializer(return_get(number=ret.number, with_history=True)).data,
                        status=status.HTTP_201_CREATED)


class ReturnDetailApi(APIView):
    @extend_schema(
        tags=["returns"], operation_id="returns_retrieve", summary="One return with items and status history",
        parameters=[RETURN_NUMBER],
        responses={200: s.ReturnDetailSerializer, 404: RETURN_NOT_FOUND},
    )
    def get(self, request, number: str):
        return Response(s.ReturnDetailSerializer(return_get(number=number, with_history=True)).data)


_TRANSITION_409 = documented_error("Not allowed from the return's current status (`return_invalid_transition`).")


class ReturnApproveApi(APIView):
    @extend_schema(
        tags=["returns"], operation_id="returns_approve", summary="Approve a requested return",
        parameters=[RETURN_NUMBER], request=s.ReturnNoteInputSerializer,
        responses={200: s.ReturnDetailSerializer, 404: RETURN_NOT_FOUND, 409: _TRANSITION_409},
    )
    def post(self, request, number: str):
        data = validated(s.ReturnNoteInputSerializer, request.data)
        ret = return_approve(ret=return_get(number=number), actor=_actor(request), note=data["note"])
        return Response(s.ReturnDetailSerializer(return_get(number=ret.number, with_history=True)).data)


class ReturnRejectApi(APIView):
    @extend_schema(
        tags=["returns"], operation_id="returns_reject", summary="Reject a requested return",
        parameters=[RETURN_NUMBER], request=s.ReturnNoteInputSerializer,
        responses={200: s.ReturnDetailSerializer, 404: RETURN_NOT_FOUND, 409: _TRANSITION_409},
    )
    def post(self, request, number: str):
        data = validated(s.ReturnNoteInputSerializer, request.data)
        ret = return_reject(ret=return_get(number=number), actor=_actor(request), note=data["note"])
        return Response(s.ReturnDetailSerializer(return_get(number=ret.number, with_history=True)).data)


class ReturnRefundApi(APIView):
    @extend_schema(
        tags=["returns"], operation_id="returns_refund", summary="Refund an approved or picked-up return",
        description="The amount defaults to the value of the returned items. When every unit of the order has been "
                    "refunded the order becomes `returned`.",
        parameters=[RETURN_NUMBER], request=s.ReturnRefundInputSerializer,
        responses={
            200: s.ReturnDetailSerializer, 404: RETURN_NOT_FOUND, 409: _TRANSITION_409,
            422: documented_error("More than is still refundable on the order (`refund_exceeds_paid`)."),
        },
    )
    def post(self, request, number: str):
        data = validated(s.ReturnRefundInputSerializer, request.data)
        ret = return_refund(ret=return_get(number=number), actor=_actor(request), amount=data.get("amount"), note=data["note"])
        return Response(s.ReturnDetailSerializer(return_get(number=ret.number, with_history=True)).data)
