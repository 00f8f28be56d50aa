"""Who may watch live conversations and who may take one over.

Watching needs the model's view permission; taking over, replying and handing back need
change (the "Support agents" group has both). Superusers pass every check."""

VIEW_PERMISSION = "support.view_conversation"
TAKEOVER_PERMISSION = "support.change_conversation"


def _staff(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active and user.is_staff)


def staff_can_watch(user) -> bool:
    return _staff(user) and user.has_perm(VIEW_PERMISSION)


def staff_can_take_over(user) -> bool:
    return _staff(user) and user.has_perm(TAKEOVER_PERMISSION)
