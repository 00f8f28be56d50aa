"""The pieces of `prepare_models --import` that need no model (support/speech/importing.py)."""

from pathlib import Path

from support.speech import importing


def test_all_languages_also_route_auto_sessions():
    folder = Path("/m/large")
    routes = importing.routes_with({"mr": "/m/mr", "xx": "/ignored"}, importing.LANGUAGES, folder)
    assert importing.env_lines(routes, importing.LANGUAGES, folder) == {
        "WHISPER_MODELS_BY_LANGUAGE": "en=/m/large,hi=/m/large,bn=/m/large,mr=/m/large",
        "WHISPER_MULTILINGUAL_MODEL": "/m/large",
    }
    one = importing.routes_with({"mr": "/m/mr"}, ("hi",), folder)
    assert importing.env_lines(one, ("hi",), folder) == {"WHISPER_MODELS_BY_LANGUAGE": "hi=/m/large,mr=/m/mr"}


def test_env_file_update_replaces_in_place_keeps_comments_and_appends(tmp_path):
    env = tmp_path / ".env"
    env.write_text("# WHISPER_MODELS_BY_LANGUAGE=commented\nexport WHISPER_MODELS_BY_LANGUAGE=hi=/old\nDEBUG=true\n")
    env.chmod(0o600)
    importing.env_file_update(env, {"WHISPER_MODELS_BY_LANGUAGE": "hi=/new", "WHISPER_MULTILINGUAL_MODEL": "/new"})
    assert env.read_text().splitlines() == [
        "# WHISPER_MODELS_BY_LANGUAGE=commented", "WHISPER_MODELS_BY_LANGUAGE=hi=/new", "DEBUG=true",
        "WHISPER_MULTILINGUAL_MODEL=/new",
    ]
    assert env.stat().st_mode & 0o777 == 0o600  # a secret-holding file stays private
    assert importing.env_file_routes(env) == {"hi": "/new"}
    assert importing.env_file_routes(tmp_path / "missing") == {}


def test_names_come_from_the_path():
    assert importing.default_name(Path("/dl/whisper-hindi-small-ct2.tar.gz")) == "whisper-hindi-small-ct2"
    assert importing.default_name(Path("/dl/My Model (int8).zip")) == "My-Model-int8"
    assert importing.languages_for("ALL") == importing.LANGUAGES and importing.languages_for("mr") == ("mr",)
