"""Django admin actions that change a status through the services, asking first for the
comment the owner is emailed (OPS-1). Shared by the account, company and DUNS admins."""

from collections.abc import Callable

from django.contrib import admin, messages
from django.template.response import TemplateResponse

from smt.lib.errors import Refused


def status_action(
    *,
    name: str,
    description: str,
    change: Callable,
    comment_required: bool,
):
    """An admin action: a confirmation page with a comment, then `change(staff=, obj=,
    comment=)` for each selected row. A refusal (any `Refused`: a rule of the service, or a
    transition the workflow forbids) is reported per row with its message, never a 500."""

    def action(modeladmin, request, queryset):
        comment = request.POST.get("comment", "").strip()
        if "apply" in request.POST and (comment or not comment_required):
            done = 0
            for obj in queryset:
                try:
                    change(staff=request.user, obj=obj, comment=comment)
                    done += 1
                except Refused as refusal:
                    modeladmin.message_user(request, f"{obj}: {refusal}", messages.ERROR)
            if done:
                modeladmin.message_user(request, f"{description}: {done} done.", messages.SUCCESS)
            return None
        return TemplateResponse(
            request,
            "admin/accounts/status_action.html",
            {
                **modeladmin.admin_site.each_context(request),
                "title": description,
                "opts": modeladmin.model._meta,
                "queryset": queryset,
                "action": name,
                "comment": comment,
                "comment_required": comment_required,
                "error": "A comment is required." if "apply" in request.POST else "",
            },
        )

    action.__name__ = name
    return admin.action(description=description)(action)
