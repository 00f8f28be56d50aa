"""Catalog endpoints for integrators: products, categories, FAQs, policies. Read-only."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.response import Response
from rest_framework.views import APIView

from voxsite.core.api import query_params

from . import selectors
from .models import Policy
from .serializers import (
    CategorySerializer,
    FAQFilterSerializer,
    FAQSerializer,
    PolicyFilterSerializer,
    PolicyLanguageSerializer,
    PolicySerializer,
    ProductFilterSerializer,
    ProductSerializer,
)

TAGS = ["catalog"]


class ProductListApi(generics.ListAPIView):
    serializer_class = ProductSerializer

    @extend_schema(operation_id="products_list", tags=TAGS, parameters=[ProductFilterSerializer],
                   responses={200: ProductSerializer(many=True)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        f = query_params(ProductFilterSerializer, self.request)
        return selectors.product_search(
            query=f.get("q", ""), category=f.get("category") or None, min_price=f.get("min_price"),
            max_price=f.get("max_price"), in_stock=f.get("in_stock"),
        )


class ProductDetailApi(APIView):
    @extend_schema(operation_id="products_retrieve", tags=TAGS,
                   parameters=[OpenApiParameter("sku", str, OpenApiParameter.PATH, description="Any case.")],
                   responses={200: ProductSerializer})
    def get(self, request, sku: str):
        return Response(ProductSerializer(selectors.product_get(sku=sku)).data)


class CategoryListApi(generics.ListAPIView):
    serializer_class = CategorySerializer

    @extend_schema(operation_id="categories_list", tags=TAGS,
                   responses={200: CategorySerializer(many=True)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.category_list()


class FAQListApi(generics.ListAPIView):
    serializer_class = FAQSerializer

    @extend_schema(operation_id="faqs_list", tags=TAGS, parameters=[FAQFilterSerializer],
                   responses={200: FAQSerializer(many=True)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        f = query_params(FAQFilterSerializer, self.request)
        return selectors.faq_search(query=f.get("q", ""), language=f.get("language"))


class FAQDetailApi(APIView):
    @extend_schema(operation_id="faqs_retrieve", tags=TAGS, responses={200: FAQSerializer})
    def get(self, request, id: int):
        return Response(FAQSerializer(selectors.faq_get(faq_id=id)).data)


class PolicyListApi(generics.ListAPIView):
    serializer_class = PolicySerializer

    @extend_schema(operation_id="policies_list", tags=TAGS, parameters=[PolicyFilterSerializer],
                   responses={200: PolicySerializer(many=True)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        f = query_params(PolicyFilterSerializer, self.request)
        return selectors.policy_list(kind=f.get("kind"), language=f.get("language"))


class PolicyDetailApi(APIView):
    @extend_schema(
        operation_id="policies_retrieve", tags=TAGS,
        parameters=[OpenApiParameter("kind", str, OpenApiParameter.PATH, enum=Policy.Kind.values),
                    PolicyLanguageSerializer],
        responses={200: PolicySerializer},
    )
    def get(self, request, kind: str):
        f = query_params(PolicyLanguageSerializer, request)
        return Response(PolicySerializer(selectors.policy_get(kind=kind, language=f["language"])).data)
