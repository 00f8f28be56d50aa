"""docker-compose.yml and the Dockerfile cannot run here (no Docker engine), so check their structure:
they parse, and every command they run names something that exists in the project. The load
balancer's config (deploy/Caddyfile) is checked by Caddy itself (`caddy validate`, Debian's caddy
package, which ./dev.sh installs for tests) and run for real in front of two local upstreams."""

import asyncio
import importlib
import os
import re
import shlex
import shutil
import socket
import subprocess
import time
from pathlib import Path

import aiohttp
import pytest
import yaml
from aiohttp import web
from django.conf import settings
from django.core.management import get_commands

ROOT = Path(__file__).resolve().parents[2]
REQUIRED_SERVICES = {"web", "worker", "beat", "redis", "postgres", "lb"}
LB_CONFIG = ROOT / "deploy" / "Caddyfile"


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


# ---------------------------------------------------------------------------
# The load balancer


def replica_hosts(compose) -> list[str]:
    """The web replicas' host names as docker compose names them: <project>-web-<n>."""
    replicas = compose["services"]["web"]["deploy"]["replicas"]
    return [f"{compose['name']}-web-{n}:8000" for n in range(1, replicas + 1)]


def caddy_directives(text: str) -> list[list[str]]:
    """The Caddyfile's lines as words, comments and blank lines left out."""
    lines = (line.split("#", 1)[0].strip() for line in text.splitlines())
    return [shlex.split(line) for line in lines if line]


def directive(text: str, name: str) -> list[list[str]]:
    return [words[1:] for words in caddy_directives(text) if words[0] == name]


def byte_size(value: str) -> int:
    number, unit = re.fullmatch(r"(\d+)\s*([KMG]i?B)", value).groups()
    return int(number) * {"KB": 1000, "MB": 1000**2, "GB": 1000**3, "KiB": 1024, "MiB": 1024**2, "GiB": 1024**3}[unit]


def test_the_load_balancer_is_the_one_published_port(compose):
    published = {name: service["ports"] for name, service in compose["services"].items() if service.get("ports")}
    assert list(published) == ["lb"]
    (mapping,) = published["lb"]
    host, _, container = mapping.rpartition(":")
    assert container == "80" and host == "${LB_PORT:-8000}"


def test_the_load_balancer_runs_the_repository_config_once_the_replicas_are_ready(compose):
    services = compose["services"]
    lb = services["lb"]
    assert lb["image"].startswith("caddy:2")
    assert "./deploy/Caddyfile:/etc/caddy/Caddyfile:ro" in lb["volumes"] and LB_CONFIG.is_file()
    argv = command_of(lb)
    assert argv[:2] == ["caddy", "run"] and argv[argv.index("--config") + 1] == "/etc/caddy/Caddyfile"
    assert lb["depends_on"] == {"web": {"condition": "service_healthy"}}
    probe = " ".join(services["web"]["healthcheck"]["test"])
    assert "/api/health/ready" in probe and "X-Forwarded-Proto" in probe


def test_the_balancer_lists_every_replica_round_robin_and_probes_readiness(compose):
    text = LB_CONFIG.read_text()
    (proxy,) = directive(text, "reverse_proxy")
    assert proxy[:-1] == replica_hosts(compose) and proxy[-1] == "{"
    assert directive(text, "lb_policy") == [["round_robin"]]  # no sticky policy (ip_hash, cookie, header)
    assert directive(text, "health_uri") == [["/api/health/ready"]]
    assert directive(text, "health_status") == [["200"]]
    # The probe is a request Django answers with 200: https as far as it knows, a Host it allows.
    assert ["X-Forwarded-Proto", "https"] in caddy_directives(text)
    assert ["Host", "{$HEALTH_CHECK_HOST:localhost}"] in caddy_directives(text)
    assert compose["services"]["lb"]["environment"]["HEALTH_CHECK_HOST"] == "${HEALTH_CHECK_HOST:-localhost}"
    assert "localhost" in compose["services"]["web"]["environment"]["ALLOWED_HOSTS"]


def test_the_balancer_admits_the_largest_audio_body_and_keeps_idle_sockets():
    text = LB_CONFIG.read_text()
    (limit,) = directive(text, "max_size")
    largest = max(settings.DATA_UPLOAD_MAX_MEMORY_SIZE, settings.BATCH_AUDIO_MAX_BYTES + 64 * 1024)
    assert byte_size(limit[0]) >= largest
    # WebSockets (the upgrade Caddy proxies without configuration) must outlive Daphne's ping
    # interval: no stream timeout, and no request/response timeouts that would cut them.
    for name in ("stream_timeout", "read_timeout", "write_timeout", "response_header_timeout"):
        assert not directive(text, name), f"{name} would cut an idle WebSocket"
    for words in caddy_directives(text):
        dropped = words[:2] in (["header_up", "-Upgrade"], ["header_up", "-Connection"])
        assert not dropped, "the upgrade headers must pass"


def _caddy() -> str:
    binary = shutil.which("caddy")
    if binary is None:
        pytest.skip("caddy is not installed (Debian package caddy; ./dev.sh test installs it as root)")
    return binary


def test_caddy_accepts_the_config():
    result = subprocess.run([_caddy(), "validate", "--config", str(LB_CONFIG), "--adapter", "caddyfile"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]


# A stand-in for a web replica at the wire: readiness, a WebSocket that reports what it received,
# and an upload endpoint. What is tested is the balancer in front of it.
class Upstream:
    def __init__(self, name: str):
        self.name, self.ready, self.probes, self.probe_headers = name, True, 0, {}
        self.app = web.Application(client_max_size=200 * 1024 * 1024)
        self.app.router.add_get("/api/health/ready", self.health)
        self.app.router.add_get("/api/voice/stream", self.socket)
        self.app.router.add_get("/api/health", self.hello)
        self.app.router.add_post("/api/voice/process", self.upload)
        self.runner: web.AppRunner | None = None

    async def health(self, request):
        self.probes, self.probe_headers = self.probes + 1, dict(request.headers)
        return web.json_response({"status": "ok" if self.ready else "unavailable"}, status=200 if self.ready else 503)

    async def hello(self, request):
        return web.json_response({"replica": self.name})

    async def upload(self, request):
        return web.json_response({"replica": self.name, "bytes": len(await request.read())})

    async def socket(self, request):
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_json({"replica": self.name, "forwarded_for": request.headers.get("X-Forwarded-For"),
                            "forwarded_proto": request.headers.get("X-Forwarded-Proto")})
        async for message in ws:
            await ws.send_str(message.data)
        return ws

    async def start(self) -> int:
        self.runner = web.AppRunner(self.app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        return site._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        await self.runner.cleanup()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
async def test_the_balancer_in_front_of_two_replicas(compose, tmp_path):
    """Caddy with the repository's config, the replica names pointed at two local upstreams."""
    binary = _caddy()
    upstreams = [Upstream("one"), Upstream("two")]
    ports = [await u.start() for u in upstreams]
    port = _free_port()
    text = LB_CONFIG.read_text().replace(":80 {", f":{port} {{", 1)
    for host, upstream_port in zip(replica_hosts(compose), ports):
        text = text.replace(host, f"127.0.0.1:{upstream_port}")
    (tmp_path / "Caddyfile").write_text(text)
    proc = subprocess.Popen([binary, "run", "--config", str(tmp_path / "Caddyfile"), "--adapter", "caddyfile"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env={**os.environ, "HOME": str(tmp_path)})  # Caddy's own files stay in tmp_path
    base = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as http:
            deadline = time.monotonic() + 20
            while True:
                try:
                    async with http.get(f"{base}/api/health") as response:
                        if response.status == 200:
                            break
                except aiohttp.ClientError:
                    pass
                assert time.monotonic() < deadline and proc.poll() is None, proc.stderr.read().decode()[-2000:]
                await asyncio.sleep(0.1)

            async def replica() -> str:
                async with http.get(f"{base}/api/health") as response:
                    return (await response.json())["replica"]

            async def probed(upstream: Upstream) -> None:
                """Until the balancer's next readiness probe has reached `upstream`."""
                before, deadline = upstream.probes, time.monotonic() + 15
                while upstream.probes == before:
                    assert time.monotonic() < deadline, "no readiness probe within 15 s"
                    await asyncio.sleep(0.1)
                await asyncio.sleep(0.2)  # its answer recorded

            # Round robin, no stickiness: consecutive requests alternate.
            served = [await replica() for _ in range(6)]
            assert set(served) == {"one", "two"} and all(a != b for a, b in zip(served, served[1:]))

            # WebSocket upgrade, with the client's address and scheme passed on.
            async with http.ws_connect(f"{base}/api/voice/stream") as ws:
                hello = await ws.receive_json(timeout=5)
                assert hello["forwarded_for"] == "127.0.0.1" and hello["forwarded_proto"] == "http"
                await ws.send_str("still here")
                assert (await ws.receive_str(timeout=5)) == "still here"

            # The readiness probe speaks https to Django, with an allowed Host.
            await probed(upstreams[0])
            probe = upstreams[0].probe_headers
            assert probe["X-Forwarded-Proto"] == "https" and probe["Host"] == "localhost"

            # A JSON body as large as Django admits passes through.
            body = b"x" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            async with http.post(f"{base}/api/voice/process", data=body) as response:
                assert response.status == 200 and (await response.json())["bytes"] == len(body)

            # A replica that stops being ready gets no new requests once the probe has seen it.
            upstreams[1].ready = False
            await probed(upstreams[1])
            assert {await replica() for _ in range(6)} == {"one"}

            # A replica that dies: requests (and a reconnecting widget) go to the survivor.
            upstreams[1].ready = True
            await probed(upstreams[1])
            await upstreams[0].stop()
            assert {await replica() for _ in range(6)} == {"two"}
            async with http.ws_connect(f"{base}/api/voice/stream") as ws:
                assert (await ws.receive_json(timeout=5))["replica"] == "two"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        for upstream in upstreams:
            if upstream.runner is not None and upstream.runner.server is not None:
                await upstream.stop()
