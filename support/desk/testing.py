"""Test helpers: staff users with the live view's permissions, and their session cookies."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client

from .permissions import TAKEOVER_PERMISSION, VIEW_PERMISSION


def staff_user_create(*, username: str, can_watch: bool = True, can_take_over: bool = True, is_staff: bool = True):
    user = get_user_model().objects.create_user(username=username, password="pw-" + username, is_staff=is_staff)
    codenames = [p.split(".")[1] for p, on in ((VIEW_PERMISSION, can_watch), (TAKEOVER_PERMISSION, can_take_over)) if on]
    if codenames:
        user.user_permissions.add(*Permission.objects.filter(content_type__app_label="support", codename__in=codenames))
    return user


def session_cookie(user) -> bytes:
    """A `Cookie` header value that logs `user` in, for WebSocket clients (the session cookie is
    how staff sockets authenticate)."""

    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}".encode()
