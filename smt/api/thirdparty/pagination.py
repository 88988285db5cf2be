"""API-2: lists page by an opaque cursor (stable while rows are added), newest first."""

from typing import Any

from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request


class NewestFirst(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = ("-created_at", "-pk")

    def decode_cursor(self, request: Request) -> Any:
        """API-4: a cursor that was not one of ours is a 400 naming `cursor`, not a 404."""
        try:
            return super().decode_cursor(request)
        except NotFound:
            raise ValidationError(
                {self.cursor_query_param: [str(self.invalid_cursor_message)]}
            ) from None
