"""API-2: lists page by an opaque cursor (stable while rows are added), newest first."""

from rest_framework.pagination import CursorPagination


class NewestFirst(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = ("-created_at", "-pk")
