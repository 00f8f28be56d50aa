"""Stored audio (MEDIA_URL), served through the conversations' access rule."""

from django.http import FileResponse, Http404

from voxsite.core.apikeys import APIKeyAuthentication

from ..models import BatchJob
from .access import access_allowed
from .models import Message


def media_file(request, path: str):
    """Stored audio is the shoppers' voice: served only to staff who may read conversations, to
    the integrator key, or to the conversation's own shopper token (`?token=`). Everything else
    under MEDIA_URL is a 404, in DEBUG and in production alike."""
    message = Message.objects.select_related("conversation").filter(audio=path).first()
    job = None if message else BatchJob.objects.filter(audio=path).first()
    if message is None and job is None:
        raise Http404("No such file.")
    try:
        auth = APIKeyAuthentication().authenticate(request)
        api_key = auth[1] if auth else None
    except Exception:  # a bad key is simply no key here
        api_key = None
    token = request.GET.get("token", "") or request.headers.get("X-Session-Token", "")
    owner = message.conversation if message else job
    allowed = access_allowed(token_hash=owner.token_hash, token=token, api_key=api_key, user=request.user,
                             staff_permission="support.view_message" if message else "support.view_batchjob")
    if not allowed:
        raise Http404("No such file.")
    field = message.audio if message else job.audio
    try:
        handle = field.open("rb")
    except FileNotFoundError:
        raise Http404("The file is gone (past its retention).")
    return FileResponse(handle, content_type=(message.audio_mime if message else job.mime) or "application/octet-stream")
