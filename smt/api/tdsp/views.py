"""The TDSP API (API-3): the HTTP side. Each TDSP holds one key (`create_tdsp_credential`)
and sends `Authorization: Token <key>`.

- `POST /tdsp-api/v1/messages`: one JSON message with `message_id` and `type`, applied once
  by `usage.tdsp.messages` (a message id seen before is acknowledged with its first answer).
- `POST /tdsp-api/v1/usage-files`: a usage file (multipart `message_id`, `file`), 202 while a
  worker loads it; `GET /tdsp-api/v1/usage-files/<message_id>` tells what became of it.

Errors are JSON with a code, a message and the field (API-4). The credential is checked
before the body is read.
"""

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db import IntegrityError
from django.http import HttpRequest, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.urls import NoReverseMatch, reverse
from django.views.decorators.csrf import csrf_exempt

from accounts.models import Tdsp
from smt.api.common.errors import ApiError, refused_error
from smt.api.common.requests import authorization_credential, json_endpoint, json_object
from smt.lib.errors import Refused
from usage.models import TdspMessage
from usage.tdsp import files
from usage.tdsp.credentials import tdsp_for_key
from usage.tdsp.messages import message_id_clean, tdsp_message_apply, tdsp_message_find


def _tdsp(request: HttpRequest) -> Tdsp:
    tdsp = tdsp_for_key(authorization_credential(request, "Token"))
    if tdsp is None:
        raise ApiError(401, "UNAUTHORIZED", "Unknown credential.")
    return tdsp


@json_endpoint(["POST"])
def messages(request: HttpRequest) -> JsonResponse:
    tdsp = _tdsp(request)
    body = json_object(request)
    try:
        return JsonResponse(tdsp_message_apply(tdsp=tdsp, body=body))
    except Refused as refusal:  # the message's own code; 404 for what is not the TDSP's
        raise refused_error(refusal) from refusal


def _upload_answer(message: TdspMessage, status: str, http_status: int = 200) -> JsonResponse:
    body = {"message_id": message.message_id, "status": status, **message.outcome}
    try:
        body["status_url"] = reverse("tdsp_api:tdsp_usage_file", args=[message.message_id])
    except NoReverseMatch:  # an id taken before ids had their format ("a/b") has no URL
        body["status_url"] = ""
    return JsonResponse(body, status=http_status)


# What Django raises for a multipart form it will not read: broken, too big, too many parts.
UNREADABLE_FORM = (MultiPartParserError, RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent)


def _upload_message_id(request: HttpRequest) -> str:
    """The upload's message id; a form Django cannot read is a 400 about the body."""
    try:
        return message_id_clean(request.POST.get("message_id"))
    except Refused as refusal:
        raise refused_error(refusal) from refusal
    except UNREADABLE_FORM as problem:
        raise ApiError(
            400, "INVALID_BODY", "The request body is not a readable multipart form.", "body"
        ) from problem


@json_endpoint(["POST"])
def usage_files(request: HttpRequest) -> JsonResponse:
    """Take a usage file (multipart: message_id, file); 202 while a worker loads it. The answer
    of a file already received is its current outcome, whatever was sent this time."""
    tdsp = _tdsp(request)
    message_id = _upload_message_id(request)
    previous = tdsp_message_find(tdsp=tdsp, message_id=message_id)
    if previous:
        return _upload_answer(previous, "duplicate")
    upload = request.FILES.get("file")
    if upload is None:
        raise ApiError(400, "MISSING_FIELD", "file is required.", "file")
    assert upload.size is not None  # Django's upload handlers always set it
    if upload.size > files.MAX_UPLOAD_BYTES:
        limit = files.MAX_UPLOAD_BYTES // 2**20
        raise ApiError(400, "FILE_TOO_LARGE", f"file is over {limit} MB; split it.", "file")
    try:
        message = files.tdsp_file_receive(tdsp=tdsp, message_id=message_id, upload=upload)
    except IntegrityError:  # the same file sent twice at once: the other one won
        return _upload_answer(
            TdspMessage.objects.get(tdsp=tdsp, message_id=message_id), "duplicate"
        )
    message.refresh_from_db()  # a worker running eagerly may have loaded it already
    return _upload_answer(message, "received", 202)


@json_endpoint(["GET"])
def usage_file(request: HttpRequest, message_id: str) -> JsonResponse:
    """What became of an uploaded file: processing, loaded (with its bad rows), refused."""
    tdsp = _tdsp(request)
    message = tdsp_message_find(tdsp=tdsp, message_id=message_id, kind=files.UPLOAD_KIND)
    if message is None:
        raise ApiError(404, "NOT_FOUND", f"No usage file {message_id}.")
    return _upload_answer(message, "received")


@csrf_exempt  # any method: a POST to a mistyped path is a 404 too, not the CSRF page
def not_found(request: HttpRequest, *args: object, **kwargs: object) -> JsonResponse:
    """Any other path under /tdsp-api/ (an id holding a slash, a typo): a JSON 404 (API-4),
    not the site's page."""
    return ApiError(404, "NOT_FOUND", f"No such endpoint: {request.path}").response()
