"""Settings from the environment and .env: env wins, bad values are named, the token hides."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import MissingTokenError, Settings, SettingsError, load_settings


def test_dotenv_is_read_and_environment_wins(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text(
        "# comment\n"
        "export TELEGRAM_BOT_TOKEN='111:fromfile'\n"
        "DATABASE_PATH=db/from_file.sqlite3  # trailing comment\n"
        'LOG_LEVEL="debug"\n'
        "RECIPES_DIR=my_recipes\n",
        encoding="utf-8",
    )
    settings = load_settings({"TELEGRAM_BOT_TOKEN": "222:fromenv"}, dotenv)
    assert settings.token == "222:fromenv"
    assert settings.database_path == Path("db/from_file.sqlite3")
    assert settings.database_url == "sqlite:///db/from_file.sqlite3"
    assert settings.log_level == "DEBUG"
    assert settings.recipes_dir == Path("my_recipes")
    assert settings.webhook_url is None


def test_defaults_and_local_api_server(tmp_path: Path) -> None:
    settings = load_settings(
        {"TELEGRAM_BOT_TOKEN": "1:x", "TELEGRAM_API_BASE_URL": "http://127.0.0.1:8081/bot"},
        tmp_path / "absent.env",
    )
    assert settings.database_url == "sqlite:///data/bot.sqlite3"
    assert settings.api_base_file_url == "http://127.0.0.1:8081/file/bot"
    assert settings.rate_limit_per_second == 30 and settings.catch_up_hours == 6
    assert load_settings({"TELEGRAM_BOT_TOKEN": "1:x"}, None).api_base_file_url == (
        "https://api.telegram.org/file/bot"
    )


def test_missing_token_explains_botfather(tmp_path: Path) -> None:
    with pytest.raises(MissingTokenError) as info:
        load_settings({"TELEGRAM_BOT_TOKEN": "  "}, tmp_path / "absent.env")
    assert "@BotFather" in str(info.value) and "/newbot" in str(info.value)


@pytest.mark.parametrize(
    ("key", "value"),
    [("WEBHOOK_PORT", "http"), ("CATCH_UP_HOURS", "48"), ("RATE_LIMIT_PER_SECOND", "0"),
     ("LOG_LEVEL", "LOUD"), ("PUSH_LEASE_SECONDS", "1"), ("WEBHOOK_SECRET", "has space"),
     ("WEBHOOK_SECRET", "x" * 257), ("WEBHOOK_SECRET", "ünïcode"),
     ("WEBHOOK_URL", "http://bot.example/hook"), ("WEBHOOK_URL", "https://bot.example/healthz")],
)  # fmt: skip
def test_bad_values_name_the_variable(key: str, value: str) -> None:
    with pytest.raises(SettingsError, match=key):
        load_settings({"TELEGRAM_BOT_TOKEN": "1:x", key: value}, None)


def test_repr_hides_the_token_and_the_database_password() -> None:
    settings = load_settings(
        {
            "TELEGRAM_BOT_TOKEN": "1:supersecret",
            "DATABASE_URL": "postgresql://bot:pa%40ss@db.internal:5432/b12?sslmode=require",
        },
        None,
    )
    for secret in ("supersecret", "pa%40ss", "pa@ss"):
        assert secret not in repr(settings) and secret not in str(settings)
    assert "postgresql://bot:***@db.internal:5432/b12" in repr(settings)


@pytest.mark.parametrize(
    ("environ", "url"),
    [
        ({}, "sqlite:///data/bot.sqlite3"),
        ({"DATABASE_PATH": "/var/lib/b12/bot.db"}, "sqlite:////var/lib/b12/bot.db"),
        ({"DATABASE_URL": "postgres://bot:pw@db/b12"}, "postgres://bot:pw@db/b12"),
        ({"DATABASE_URL": "sqlite:////srv/b12.sqlite3", "DATABASE_PATH": "ignored.db"},
         "sqlite:////srv/b12.sqlite3"),
    ],
)  # fmt: skip
def test_database_url_wins_over_database_path_which_is_still_accepted(
    environ: dict[str, str], url: str, caplog: pytest.LogCaptureFixture
) -> None:
    settings = load_settings({"TELEGRAM_BOT_TOKEN": "1:x", **environ}, None)
    assert settings.database_url == url
    if "DATABASE_URL" in environ and "DATABASE_PATH" in environ:
        assert "DATABASE_PATH (ignored.db) is ignored" in caplog.text


def test_settings_made_in_code_with_a_path_get_its_sqlite_url(tmp_path: Path) -> None:
    assert Settings(token="1:x", database_path=tmp_path / "b.db").database_url == (
        f"sqlite:///{tmp_path / 'b.db'}"
    )


@pytest.mark.parametrize("url", ["mysql://x/y", "bot.sqlite3", "http://db/b12"])
def test_a_database_url_of_another_kind_is_refused(url: str) -> None:
    with pytest.raises(SettingsError, match="DATABASE_URL must look like"):
        load_settings({"TELEGRAM_BOT_TOKEN": "1:x", "DATABASE_URL": url}, None)


def test_webhook_settings_for_workers() -> None:
    settings = load_settings(
        {
            "TELEGRAM_BOT_TOKEN": "1:x",
            "DATABASE_URL": "postgresql://bot:pw@db/b12",
            "WEBHOOK_URL": "https://bot.example/hook",
            "WEBHOOK_SECRET": "Abc_123-xyz",
            "PUSH_LEASE_SECONDS": "30",
        },
        None,
    )
    assert settings.webhook_secret == "Abc_123-xyz"
    assert settings.push_lease_seconds == 30
    assert settings.uses_postgresql
    assert not load_settings({"TELEGRAM_BOT_TOKEN": "1:x"}, None).uses_postgresql
    assert load_settings({"TELEGRAM_BOT_TOKEN": "1:x"}, None).push_lease_seconds == 120
