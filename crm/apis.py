"""CRM endpoints for integrators: customers (read) and CRM records (read, create)."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from voxsite.core.api import documented_error, query_params, validated

from . import selectors, services
from .serializers import (
    CRMRecordCreateSerializer,
    CRMRecordFilterSerializer,
    CRMRecordSerializer,
    CustomerFilterSerializer,
    CustomerSerializer,
)

TAGS = ["crm"]


class CustomerListApi(generics.ListAPIView):
    serializer_class = CustomerSerializer

    @extend_schema(operation_id="customers_list", tags=TAGS, parameters=[CustomerFilterSerializer],
                   responses={200: CustomerSerializer(many=True)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        f = query_params(CustomerFilterSerializer, self.request)
        return selectors.customer_list(phone=f.get("phone") or None, query=f.get("q", ""))


class CustomerDetailApi(APIView):
    @extend_schema(operation_id="customers_retrieve", tags=TAGS,
                   parameters=[OpenApiParameter("customer_id", str, OpenApiParameter.PATH)],
                   responses={200: CustomerSerializer})
    def get(self, request, customer_id: str):
        return Response(CustomerSerializer(selectors.customer_get(customer_id=customer_id)).data)


class CRMRecordListApi(generics.ListAPIView):
    serializer_class = CRMRecordSerializer

    @extend_schema(operation_id="crm_records_list", tags=TAGS, parameters=[CRMRecordFilterSerializer],
                   responses={200: CRMRecordSerializer(many=True)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(operation_id="crm_records_create", tags=TAGS, request=CRMRecordCreateSerializer,
                   responses={201: CRMRecordSerializer,
                              404: documented_error("No customer with `customer_id` (`customer_not_found`) or no "
                                                    "conversation with `conversation_id` (`conversation_not_found`).")},
                   description="Needs the write scope.")
    def post(self, request):
        data = validated(CRMRecordCreateSerializer, request.data)
        record = services.crm_record_create(
            scenario=data["scenario"], intent=data["intent"], priority=data["priority"], summary=data["summary"],
            payload=data["payload"], customer=data["customer_id"], conversation=data["conversation_id"],
        )
        return Response(CRMRecordSerializer(record).data, status=status.HTTP_201_CREATED)

    def get_queryset(self):
        f = query_params(CRMRecordFilterSerializer, self.request)
        return selectors.crm_record_list(
            status=f.get("status"), scenario=f.get("scenario") or None, customer_id=f.get("customer_id") or None
        )


class CRMRecordDetailApi(APIView):
    @extend_schema(operation_id="crm_records_retrieve", tags=TAGS,
                   responses={200: CRMRecordSerializer})
    def get(self, request, id: int):
        return Response(CRMRecordSerializer(selectors.crm_record_get(record_id=id)).data)
