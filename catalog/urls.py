from django.urls import path

from . import apis

# No trailing slashes: the prototypes' integrators call these exact paths.
urlpatterns = [
    path("products", apis.ProductListApi.as_view(), name="product-list"),
    path("products/<str:sku>", apis.ProductDetailApi.as_view(), name="product-detail"),
    path("categories", apis.CategoryListApi.as_view(), name="category-list"),
    path("faqs", apis.FAQListApi.as_view(), name="faq-list"),
    path("faqs/<int:id>", apis.FAQDetailApi.as_view(), name="faq-detail"),
    path("policies", apis.PolicyListApi.as_view(), name="policy-list"),
    path("policies/<str:kind>", apis.PolicyDetailApi.as_view(), name="policy-detail"),
]
