"""URLs for voxsite/core/tests/test_api_errors.py: the site's own, plus two views under /api/ that fail
the way a bug would, one plain Django view and one DRF view."""

from django.urls import include, path
from rest_framework.views import APIView


def plain_failure(request):
    raise RuntimeError("a bug in a plain view")


class DRFFailure(APIView):
    authentication_classes = []
    permission_classes = []

    def get(self, request):
        raise RuntimeError("a bug in a DRF view")


urlpatterns = [
    path("api/test/plain-failure", plain_failure),
    path("api/test/drf-failure", DRFFailure.as_view()),
    path("", include("voxsite.urls")),
]
