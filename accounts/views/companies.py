"""Views for companies; URL patterns in `urlpatterns` (included by accounts/urls.py)."""

urlpatterns = []
