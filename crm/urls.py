from django.urls import path

from . import apis

urlpatterns = [
    path("customers", apis.CustomerListApi.as_view(), name="customer-list"),
    path("customers/<str:customer_id>", apis.CustomerDetailApi.as_view(), name="customer-detail"),
    path("crm-records", apis.CRMRecordListApi.as_view(), name="crm-record-list"),
    path("crm-records/<int:id>", apis.CRMRecordDetailApi.as_view(), name="crm-record-detail"),
]
