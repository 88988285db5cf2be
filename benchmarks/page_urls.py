"""The portal's URLs plus `/bench/bare/`, the reference of the `page` benchmark: a Django
view doing no work, behind the same middleware. Only benchmarks/page_settings.py uses it."""

from django.http import HttpResponse
from django.urls import path

from smt.urls import urlpatterns as portal_urlpatterns


def bare(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/bare/", bare, name="bench_bare"), *portal_urlpatterns]
