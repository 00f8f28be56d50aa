"""Settings are read once at import, so each case runs Django in a subprocess with a controlled env."""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PRINT_SETTINGS = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({
    "engine": settings.DATABASES["default"]["ENGINE"],
    "db_name": str(settings.DATABASES["default"]["NAME"]),
    "db_host": settings.DATABASES["default"].get("HOST", ""),
    "db_pool": settings.DATABASES["default"].get("OPTIONS", {}).get("pool"),
    "conn_max_age": settings.DATABASES["default"]["CONN_MAX_AGE"],
    "layer": settings.CHANNEL_LAYERS["default"]["BACKEND"],
    "layer_hosts": settings.CHANNEL_LAYERS["default"].get("CONFIG", {}).get("hosts", []),
    "cache": settings.CACHES["default"]["BACKEND"],
    "broker": settings.CELERY_BROKER_URL,
    "result_backend": settings.CELERY_RESULT_BACKEND,
    "eager": settings.CELERY_TASK_ALWAYS_EAGER,
    "debug": settings.DEBUG,
}))
"""


def run_django(args, **env):
    """Run python with only PATH/HOME plus `env`; ENV_FILE=/dev/null keeps a developer's .env out."""
    base = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"), "ENV_FILE": os.devnull}
    base["DJANGO_SETTINGS_MODULE"] = "voxsite.settings"
    base.update(env)
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=base, capture_output=True, text=True, timeout=120
    )


def settings_with(**env):
    proc = run_django(["-c", PRINT_SETTINGS], **env)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def strong_secret():
    return secrets.token_urlsafe(64)


@pytest.mark.parametrize(
    "env, missing",
    [
        ({"DEBUG": "false", "ALLOWED_HOSTS": "shop.example.com"}, "SECRET_KEY"),
        ({"DEBUG": "false", "SECRET_KEY": "k" * 10 + "a-long-random-enough-value-0123456789-abcdef"}, "ALLOWED_HOSTS"),
        ({"DEBUG": "false"}, "SECRET_KEY"),
    ],
    ids=["no-secret-key", "no-allowed-hosts", "neither"],
)
def test_production_refuses_to_start_without_required_settings(env, missing):
    proc = run_django(["-c", "import django; django.setup()"], **env)
    assert proc.returncode != 0
    assert "ImproperlyConfigured" in proc.stderr
    assert missing in proc.stderr.strip().splitlines()[-1]


def test_production_manage_py_check_fails_without_secret_key():
    proc = run_django(["manage.py", "check"], DEBUG="false", ALLOWED_HOSTS="shop.example.com")
    assert proc.returncode != 0
    assert "SECRET_KEY" in proc.stderr


def test_empty_allowed_hosts_counts_as_missing():
    proc = run_django(["manage.py", "check"], DEBUG="false", SECRET_KEY=strong_secret(), ALLOWED_HOSTS="")
    assert proc.returncode != 0
    assert "ALLOWED_HOSTS" in proc.stderr


def test_check_deploy_is_clean_once_configured():
    proc = run_django(
        ["manage.py", "check", "--deploy"],
        DEBUG="false",
        SECRET_KEY=strong_secret(),
        ALLOWED_HOSTS="shop.example.com,www.shop.example.com",
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "System check identified no issues" in proc.stdout
    assert "WARNINGS" not in proc.stdout + proc.stderr
    assert "security.W" not in proc.stdout + proc.stderr


def test_check_deploy_warns_about_a_weak_secret_key():
    # Proves the previous test's silence means something: a short key is reported.
    proc = run_django(
        ["manage.py", "check", "--deploy"], DEBUG="false", SECRET_KEY="short", ALLOWED_HOSTS="shop.example.com"
    )
    assert "security.W009" in proc.stdout + proc.stderr


def test_no_env_gives_the_embedded_defaults():
    values = settings_with()
    assert values["engine"] == "django.db.backends.sqlite3"
    assert values["db_name"].endswith("db.sqlite3")
    assert values["layer"] == "channels.layers.InMemoryChannelLayer"
    assert values["cache"] == "django.core.cache.backends.locmem.LocMemCache"
    assert values["broker"] == "memory://"
    assert values["eager"] is True
    assert values["debug"] is True


def test_database_and_redis_urls_switch_to_postgres_and_redis():
    values = settings_with(
        DATABASE_URL="postgres://shop:pw@db.internal:5432/voxsite", REDIS_URL="redis://cache.internal:6379/2"
    )
    assert values["engine"] == "django.db.backends.postgresql"
    assert values["db_name"] == "voxsite"
    assert values["db_host"] == "db.internal"
    assert values["layer"] == "channels_redis.core.RedisChannelLayer"
    assert [h["address"] if isinstance(h, dict) else h for h in values["layer_hosts"]] == ["redis://cache.internal:6379/2"]
    assert values["cache"] == "voxsite.core.cache.SharedPoolRedisCache"
    assert values["broker"] == "redis://cache.internal:6379/2"
    assert values["result_backend"] == "redis://cache.internal:6379/2"
    assert values["eager"] is False


def test_postgres_gets_a_connection_pool_per_process_when_asked():
    assert settings_with(DATABASE_URL="postgres://shop:pw@db.internal:5432/voxsite")["db_pool"] is None  # off by default
    values = settings_with(DATABASE_URL="postgres://shop:pw@db.internal:5432/voxsite", DATABASE_POOL="true")
    assert values["db_pool"] == {"min_size": 2, "max_size": 10, "timeout": 10.0}
    assert values["conn_max_age"] == 0  # Django refuses a pool with persistent connections

    sized = settings_with(DATABASE_URL="postgres://shop:pw@db.internal:5432/voxsite", DATABASE_POOL="true",
                          DATABASE_POOL_MIN_SIZE="1",
                          DATABASE_POOL_MAX_SIZE="4", DATABASE_POOL_TIMEOUT="2.5")
    assert sized["db_pool"] == {"min_size": 1, "max_size": 4, "timeout": 2.5}

    off = settings_with(DATABASE_URL="postgres://shop:pw@db.internal:5432/voxsite", DATABASE_POOL="false")
    assert off["db_pool"] is None


def test_sqlite_has_no_pool():
    assert settings_with()["db_pool"] is None


def test_eager_celery_can_be_forced_with_redis():
    # .ci/run's second pass relies on this until worker-backed tests exist.
    values = settings_with(REDIS_URL="redis://cache.internal:6379/0", CELERY_TASK_ALWAYS_EAGER="true")
    assert values["broker"] == "redis://cache.internal:6379/0"
    assert values["eager"] is True


def test_env_file_is_read_but_real_environment_wins(tmp_path):
    env_file = tmp_path / "site.env"
    env_file.write_text("REDIS_URL=redis://from-file:6379/0\nDATABASE_URL=postgres://u@from-file/db\n")
    values = settings_with(ENV_FILE=str(env_file), DATABASE_URL="postgres://u@from-env/db")
    assert values["db_host"] == "from-env"
    assert values["broker"] == "redis://from-file:6379/0"


def test_env_example_lists_every_setting_read():
    settings_text = (ROOT / "voxsite" / "settings.py").read_text()
    read = set(re.findall(r'\benv(?:\.\w+)?\(\s*"([A-Z][A-Z0-9_]*)"', settings_text))
    assert {"DEBUG", "SECRET_KEY", "DATABASE_URL", "REDIS_URL"} <= read  # the pattern finds them
    example = (ROOT / ".env.example").read_text()
    listed = set(re.findall(r"^# ([A-Z][A-Z0-9_]*)=", example, flags=re.M))
    assert read - listed == set(), "add these to .env.example"
    assert listed - read == set(), "settings.py no longer reads these"


def test_env_example_lines_are_valid_settings(tmp_path):
    # Uncommenting every line must give a working (embedded-default) configuration.
    example = (ROOT / ".env.example").read_text()
    lines = [m for m in re.findall(r"^# ([A-Z][A-Z0-9_]*=.*)$", example, flags=re.M) if not m.startswith("ENV_FILE=")]
    env_file = tmp_path / "all.env"
    env_file.write_text("\n".join(lines) + "\n")
    values = settings_with(ENV_FILE=str(env_file))
    assert values["engine"] == "django.db.backends.sqlite3"
    assert values["layer"] == "channels.layers.InMemoryChannelLayer"
    assert values["eager"] is True


def test_the_json_body_limit_follows_the_audio_limit():
    script = "import django; from django.conf import settings; django.setup(); print(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)"
    default = run_django(["-c", script])
    assert default.returncode == 0, default.stderr
    assert int(default.stdout.split()[-1]) == 4 * (10 * 1024 * 1024 + 2) // 3 + 64 * 1024  # base64 of 10 MiB + 64 KiB
    smaller = run_django(["-c", script], AUDIO_MAX_BYTES="3000")
    assert int(smaller.stdout.split()[-1]) == 4000 + 64 * 1024


def test_a_json_body_limit_below_the_largest_audio_is_refused():
    proc = run_django(["-c", "import django; django.setup()"], DATA_UPLOAD_MAX_MEMORY_SIZE="1000000")
    assert proc.returncode != 0
    last = proc.stderr.strip().splitlines()[-1]
    assert "ImproperlyConfigured" in last and "DATA_UPLOAD_MAX_MEMORY_SIZE" in last and "AUDIO_MAX_BYTES" in last
