from django.urls import path

from . import apis

urlpatterns = [
    path("orders", apis.OrderListApi.as_view(), name="order-list"),
    path("orders/<str:number>", apis.OrderDetailApi.as_view(), name="order-detail"),
    path("orders/<str:number>/cancel", apis.OrderCancelApi.as_view(), name="order-cancel"),
    path("returns", apis.ReturnListCreateApi.as_view(), name="return-list"),
    path("returns/<str:number>", apis.ReturnDetailApi.as_view(), name="return-detail"),
    path("returns/<str:number>/approve", apis.ReturnApproveApi.as_view(), name="return-approve"),
    path("returns/<str:number>/reject", apis.ReturnRejectApi.as_view(), name="return-reject"),
    path("returns/<str:number>/refund", apis.ReturnRefundApi.as_view(), name="return-refund"),
]
