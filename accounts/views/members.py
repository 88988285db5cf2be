"""Views for members; URL patterns in `urlpatterns` (included by accounts/urls.py)."""

urlpatterns = []
