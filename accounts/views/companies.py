"""Views for companies; their URL patterns are in `urlpatterns` below (included by accounts/urls.py)."""

urlpatterns = []
