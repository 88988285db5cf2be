"""Views for members; their URL patterns are in `urlpatterns` below (included by accounts/urls.py)."""

urlpatterns = []
