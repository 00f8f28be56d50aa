from django.conf import settings
from django.shortcuts import render

from catalog.selectors import product_search
from voxsite.core.money import format_inr

SHOP_PAGE_SIZE = 24


def _match_note(matches: list[dict]) -> str:
    """Why a product is shown, in the catalog's words: "phone → mobile, samsung"."""
    return ", ".join(m["matched"] if m["matched"] == m["word"] else f"{m['word']} → {m['matched']}" for m in matches)


def shop_index(request):
    """The demo shop page: a product grid the support widget sits on, searched with `?q=` by the
    same product search as the API and the assistant."""
    query = (request.GET.get("q") or "").strip()[:200]
    results = product_search(query=query)
    products = [
        {
            "name": p.name,
            "brand": p.brand,
            "category": p.category.name,
            "price": format_inr(p.price),
            "in_stock": p.in_stock,
            "sku": p.sku,
            "why": _match_note(getattr(p, "search_matches", [])),
        }
        for p in results[:SHOP_PAGE_SIZE]
    ]
    return render(request, "shop/index.html", {"shop_name": settings.SHOP_NAME, "products": products, "query": query,
                                               "count": results.count() if query else None})


def media_file(request, path: str):
    """Stored audio is the shoppers' voice: served only to staff who may read conversations, to
    the integrator key, or to the conversation's own shopper token (`?token=`). Everything else
    under MEDIA_URL is a 404, in DEBUG and in production alike."""
    from django.http import FileResponse, Http404

    from voxsite.core.apikeys import APIKeyAuthentication

    from .models import BatchJob, Message
    from .services.conversations import conversation_get_for
    from voxsite.core.errors import NotFound

    message = Message.objects.select_related("conversation").filter(audio=path).first()
    job = None if message else BatchJob.objects.filter(audio=path).first()
    if message is None and job is None:
        raise Http404("No such file.")
    user = request.user
    allowed = bool(user.is_authenticated and user.is_staff and user.has_perm("support.view_message" if message else "support.view_batchjob"))
    if not allowed:
        api_key = None
        try:
            auth = APIKeyAuthentication().authenticate(request)
            api_key = auth[1] if auth else None
        except Exception:  # a bad key is simply no key here
            api_key = None
        token = request.GET.get("token", "") or request.headers.get("X-Session-Token", "")
        if message is not None:
            try:
                conversation_get_for(session_id=message.conversation_id, token=token, api_key=api_key)
                allowed = True
            except NotFound:
                allowed = False
        else:
            from .models import Conversation

            allowed = api_key is not None or (bool(token) and job.token_hash == Conversation.hash_token(token))
    if not allowed:
        raise Http404("No such file.")
    field = message.audio if message else job.audio
    try:
        handle = field.open("rb")
    except FileNotFoundError:
        raise Http404("The file is gone (past its retention).")
    return FileResponse(handle, content_type=(message.audio_mime if message else job.mime) or "application/octet-stream")
