"""The four languages the shop supports, shared by every app."""

from django.db import models


class Language(models.TextChoices):
    EN = "en", "English"
    HI = "hi", "हिन्दी (Hindi)"
    BN = "bn", "বাংলা (Bengali)"
    MR = "mr", "मराठी (Marathi)"


CODES = [c.value for c in Language]
