"""Placeholder: being written."""

from django.http import Http404


def _missing(request, *args, **kwargs):
    raise Http404


provision = provision_done = device_list = device_detail = device_remove = _missing
device_answer = answer = answered = _missing
