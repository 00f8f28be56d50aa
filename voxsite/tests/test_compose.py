"""docker-compose.yml and the Dockerfile cannot run here (no Docker engine), so check their structure:
they parse, and every command they run names something that exists in the project."""

import importlib
import re
import shlex
from pathlib import Path

import pytest
import yaml
from django.core.management import get_commands

ROOT = Path(__file__).resolve().parents[2]
REQUIRED_SERVICES = {"web", "worker", "beat", "redis", "postgres"}


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def command_of(service) -> list[str]:
    cmd = service.get("command")
    if cmd is None:
        return []
    return list(cmd) if isinstance(cmd, list) else shlex.split(cmd)


def dockerfile_cmd() -> list[str]:
    text = (ROOT / "Dockerfile").read_text()
    match = re.search(r"^CMD\s+(\[.*\])\s*$", text, flags=re.M)
    assert match, "Dockerfile needs an exec-form CMD"
    return yaml.safe_load(match.group(1))


def daphne_args(argv: list[str]):
    """Daphne's own parser reads the arguments (an unknown flag or bad value raises SystemExit)."""
    from daphne.cli import CommandLineInterface

    return CommandLineInterface().parser.parse_args(argv[1:])


def check_project_command(argv: list[str]) -> str:
    """Assert that a command running project code refers to things that exist; returns its kind."""
    program = argv[0]
    if program == "sh" and argv[1] == "-c":
        # A one-shot chain: `sh -c "python manage.py a && python manage.py b"`.
        steps = [check_project_command(shlex.split(part)) for part in argv[2].split("&&")]
        return " && ".join(steps)
    if program == "daphne":
        target = argv[-1]
        module_name, _, attr = target.partition(":")
        module = importlib.import_module(module_name)
        assert callable(getattr(module, attr)), target
        daphne_args(argv)
        return "daphne"
    if program == "celery":
        assert argv[1] == "-A"
        app = importlib.import_module(f"{argv[2]}.celery").app
        assert app.main == argv[2]
        from celery.bin.celery import celery as celery_cli

        assert argv[3] in celery_cli.commands, f"celery has no {argv[3]!r} command"
        return f"celery {argv[3]}"
    if program == "python" and argv[1] == "manage.py":
        assert (ROOT / "manage.py").is_file()
        assert argv[2] in get_commands(), f"manage.py has no {argv[2]!r} command"
        return f"manage.py {argv[2]}"
    raise AssertionError(f"unknown project command: {argv}")


def test_compose_has_the_services(compose):
    assert REQUIRED_SERVICES <= set(compose["services"])


def test_images_of_the_backing_services(compose):
    services = compose["services"]
    assert services["redis"]["image"].startswith("redis:7")
    assert services["postgres"]["image"].startswith("postgres:16")
    assert any(v.endswith(":/var/lib/postgresql/data") for v in services["postgres"]["volumes"])
    for name in ("web", "worker", "beat"):
        assert "image" not in services[name] or services[name].get("build"), f"{name} must build the project image"


@pytest.mark.parametrize(
    "service, kind", [("web", "daphne"), ("worker", "celery worker"), ("beat", "celery beat")]
)
def test_service_runs_project_code_that_exists(compose, service, kind):
    assert check_project_command(command_of(compose["services"][service])) == kind


def test_every_project_command_in_compose_exists(compose):
    checked = 0
    for name, service in compose["services"].items():
        argv = command_of(service)
        if service.get("build") and argv:
            check_project_command(argv)
            checked += 1
    assert checked >= 3


def test_web_runs_two_replicas_and_app_services_share_settings(compose):
    services = compose["services"]
    assert services["web"]["deploy"]["replicas"] == 2
    for name in ("web", "worker", "beat"):
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://") and "@postgres:" in env["DATABASE_URL"]
        assert env["REDIS_URL"].startswith("redis://redis:")
        assert any(str(e.get("path", e) if isinstance(e, dict) else e) == ".env" for e in services[name]["env_file"])
        mounts = {v.split(":")[1] for v in services[name]["volumes"]}
        assert {"/app/var/media", "/app/var/models"} <= mounts


def test_compose_environment_names_real_settings(compose):
    settings_text = (ROOT / "voxsite" / "settings.py").read_text()
    read = set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z0-9_]+)"', settings_text))
    for name in ("web", "worker", "beat"):
        for key in compose["services"][name]["environment"]:
            assert key in read, f"{name} sets {key}, which settings.py never reads"


def test_web_pings_websockets_and_closes_clients_that_stop_reading(compose):
    for argv in (command_of(compose["services"]["web"]), dockerfile_cmd()):
        args = daphne_args(argv)
        assert (args.ping_interval, args.ping_timeout) == (10, 30)
    assert daphne_args(command_of(compose["services"]["web"])).proxy_headers


def test_one_shot_setup_migrates_and_prepares_models_before_the_app_starts(compose):
    services = compose["services"]
    setup = services["setup"]
    assert check_project_command(command_of(setup)) == "manage.py migrate && manage.py prepare_models"
    assert setup["restart"] == "no"
    assert {v.split(":")[1] for v in setup["volumes"]} >= {"/app/var/models"}
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["setup"] == {"condition": "service_completed_successfully"}
        assert services[name]["depends_on"]["redis"] == {"condition": "service_healthy"}
    assert setup["depends_on"]["postgres"] == {"condition": "service_healthy"}


def test_one_beat_and_a_worker_that_consumes_the_default_queue(compose):
    services = compose["services"]
    assert services["beat"].get("deploy", {}).get("replicas", 1) == 1  # two beats would send every job twice
    assert "-Q" not in command_of(services["worker"])  # it takes what the app sends (the default queue)


def test_redis_keeps_queued_tasks_across_restarts(compose):
    redis = compose["services"]["redis"]
    argv = command_of(redis)
    assert argv[argv.index("--appendonly") + 1] == "yes"
    assert any(v.endswith(":/data") for v in redis["volumes"])


def test_depends_on_names_existing_services(compose):
    services = compose["services"]
    for name, service in services.items():
        for dep in service.get("depends_on", {}):
            assert dep in services, f"{name} depends on unknown service {dep}"


def test_named_volumes_are_declared(compose):
    declared = set(compose.get("volumes") or {})
    for service in compose["services"].values():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if not source.startswith((".", "/")):
                assert source in declared, f"volume {source} is not declared"


def test_dockerfile_files_exist_and_cmd_runs_project_code():
    text = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim\b", text, flags=re.M)
    assert "espeak-ng" in text
    for sources in re.findall(r"^(?:COPY|ADD)\s+(.+?)\s+\S+\s*$", text, flags=re.M):
        for source in sources.split():
            if source.startswith("--"):
                continue
            assert (ROOT / source).exists(), f"Dockerfile copies missing {source}"
    for req in re.findall(r"pip install(?: [-\w=]+)* -r (\S+)", text):
        assert (ROOT / req).is_file(), req
    for command in re.findall(r"python manage\.py (\w+)", text):
        assert command in get_commands(), f"Dockerfile runs unknown manage.py {command}"
    assert "collectstatic" in text
    assert check_project_command(dockerfile_cmd()) == "daphne"


def test_dockerignore_keeps_local_state_out_of_the_image():
    ignored = (ROOT / ".dockerignore").read_text().split()
    for entry in (".git", ".venv", ".env", "var/"):
        assert entry in ignored


def test_check_project_command_rejects_what_does_not_exist():
    with pytest.raises(AssertionError):
        check_project_command(["python", "manage.py", "no_such_command"])
    with pytest.raises(AssertionError):
        check_project_command(["celery", "-A", "voxsite", "no-such-subcommand"])
    with pytest.raises(ModuleNotFoundError):
        check_project_command(["daphne", "voxsite.no_such_module:application"])
    with pytest.raises(SystemExit):
        check_project_command(["daphne", "--no-such-flag", "voxsite.asgi:application"])
    with pytest.raises(AssertionError):
        check_project_command(["sh", "-c", "python manage.py migrate && python manage.py no_such_command"])
