"""The ground floor: what every app shares (errors and the API error handler, strict API input, API
keys and throttling, languages, money, admin mixins, metrics, the audit log). It imports no app and
none of the composition modules around it (voxsite.settings, urls, asgi, celery); settings are read
through django.conf.settings. voxsite/tests/test_layers.py enforces the direction."""
