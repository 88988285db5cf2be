from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from smt.lib.listing import PAGE_SIZE

from .selectors import notices_for_user

NOTICES_PER_PAGE = PAGE_SIZE  # ACC-20


@login_required
def notices(request):
    """Notices tab (NTF-5)."""
    page = Paginator(notices_for_user(user=request.user), NOTICES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "notifications/notices.html", {"page": page})
