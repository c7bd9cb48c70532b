"""Bot settings from the environment (and a `.env` file), validated once at start-up.

The environment wins over `.env` so a deployment can override a developer's file. A missing
token is the one error every new user hits, so its message says exactly how to get one.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from bot.core.i18n import catalogue_languages
from bot.core.languages import SUPPORTED_LANGUAGES

DEFAULT_API_BASE_URL = "https://api.telegram.org/bot"
DEFAULT_DATABASE_URL = "sqlite:///data/bot.sqlite3"
DATABASE_SCHEMES = ("sqlite:", "sqlite+aiosqlite:", "postgresql:", "postgresql+asyncpg:",
                    "postgres:")  # fmt: skip
_URL_PASSWORD = re.compile(r"(://[^/@:]*:)[^/]*@")
_WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")

log = logging.getLogger(__name__)


class MissingTokenError(RuntimeError):
    """TELEGRAM_BOT_TOKEN is not set."""

    def __init__(self) -> None:
        super().__init__(
            "TELEGRAM_BOT_TOKEN is not set.\n"
            "To get a token: open Telegram, talk to @BotFather, send /newbot, choose a name and a\n"
            "username ending in 'bot', and copy the token it gives you (it looks like\n"
            "123456789:AAE...). Then run:\n"
            "  TELEGRAM_BOT_TOKEN=<your token> python main.py\n"
            "or put the line TELEGRAM_BOT_TOKEN=<your token> in a .env file next to main.py."
        )


class SettingsError(ValueError):
    """A setting has a value the bot cannot use (the message names the variable)."""


def sqlite_url(path: Path | str) -> str:
    """DATABASE_PATH's meaning as a URL: 'data/bot.sqlite3' -> 'sqlite:///data/bot.sqlite3'
    (relative to the working directory), '/var/lib/b12.db' -> 'sqlite:////var/lib/b12.db'."""
    return f"sqlite:///{path}"


def hide_password(url: str) -> str:
    """postgresql://bot:secret@db/b12 -> postgresql://bot:***@db/b12 (for logs and repr)."""
    return _URL_PASSWORD.sub(r"\1***@", url)


@dataclass(frozen=True)
class Settings:
    token: str
    # DATABASE_URL: sqlite:///relative/path, sqlite:////absolute/path or
    # postgresql://user:password@host/database. Empty: database_path as a SQLite file.
    database_url: str = ""
    database_path: Path = Path("data/bot.sqlite3")  # DATABASE_PATH, still accepted
    api_base_url: str = DEFAULT_API_BASE_URL
    recipes_dir: Path | None = None
    log_level: str = "INFO"
    webhook_url: str | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    webhook_secret: str | None = None
    push_tick_seconds: float = 60
    catch_up_hours: float = 6
    rate_limit_per_second: float = 30
    push_lease_seconds: float = 120
    # BOT_LANGUAGES: the languages users may get (English always); default every supported one
    languages: tuple[str, ...] = SUPPORTED_LANGUAGES

    def __post_init__(self) -> None:
        if not self.database_url:
            object.__setattr__(self, "database_url", sqlite_url(self.database_path))

    @property
    def uses_postgresql(self) -> bool:
        """DATABASE_URL names a PostgreSQL server (several workers can share it)."""
        return self.database_url.startswith(("postgresql:", "postgresql+asyncpg:", "postgres:"))

    @property
    def api_base_file_url(self) -> str:
        """Telegram serves files under /file/bot<token>; local servers mirror that layout."""
        base = self.api_base_url.rstrip("/")
        if base.endswith("/bot"):
            return base[: -len("/bot")] + "/file/bot"
        return base + "/file/bot"

    def __repr__(self) -> str:  # never print the token, even in a traceback
        return (
            f"Settings(token='***', database_url={hide_password(self.database_url)!r}, "
            f"api_base_url={self.api_base_url!r}, recipes_dir={self.recipes_dir!r}, "
            f"log_level={self.log_level!r}, webhook_url={self.webhook_url!r})"
        )


def parse_dotenv(text: str) -> dict[str, str]:
    """KEY=VALUE lines; `#` comments, blank lines, `export ` prefixes and quotes allowed."""
    values: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        if line.startswith("export "):
            line = line[len("export ") :].strip()
        key, _, value = line.partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        elif " #" in value:
            value = value.split(" #", 1)[0].rstrip()
        values[key.strip()] = value
    return values


def _number(
    values: Mapping[str, str],
    key: str,
    default: float,
    *,
    minimum: float,
    maximum: float = float("inf"),
) -> float:
    raw = values.get(key, "").strip()
    if not raw:
        return default
    try:
        number = float(raw)
    except ValueError:
        raise SettingsError(f"{key} must be a number, got {raw!r}") from None
    if not minimum <= number <= maximum:
        upper = f" and at most {maximum:g}" if maximum != float("inf") else ""
        raise SettingsError(f"{key} must be at least {minimum:g}{upper}, got {raw!r}")
    return number


def load_settings(
    environ: Mapping[str, str] = os.environ, dotenv_path: Path | None = Path(".env")
) -> Settings:
    """Merge `.env` (if present) with `environ`; raise MissingTokenError without a token."""
    values: dict[str, str] = {}
    if dotenv_path is not None and dotenv_path.is_file():
        values.update(parse_dotenv(dotenv_path.read_text(encoding="utf-8")))
    values.update({k: v for k, v in environ.items() if v is not None})

    token = values.get("TELEGRAM_BOT_TOKEN", "").strip()
    if not token:
        raise MissingTokenError()
    recipes_dir = values.get("RECIPES_DIR", "").strip()
    webhook_url = values.get("WEBHOOK_URL", "").strip()
    log_level = values.get("LOG_LEVEL", "INFO").strip().upper() or "INFO"
    if log_level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
        raise SettingsError(f"LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, got {log_level!r}")
    database_url, database_path = _database(values)
    return Settings(
        token=token,
        database_url=database_url,
        database_path=database_path,
        api_base_url=values.get("TELEGRAM_API_BASE_URL", "").strip() or DEFAULT_API_BASE_URL,
        recipes_dir=Path(recipes_dir) if recipes_dir else None,
        log_level=log_level,
        webhook_url=_webhook_url(webhook_url),
        webhook_listen=values.get("WEBHOOK_LISTEN", "").strip() or "127.0.0.1",
        webhook_port=int(_number(values, "WEBHOOK_PORT", 8443, minimum=1, maximum=65535)),
        webhook_secret=_webhook_secret(values),
        push_tick_seconds=_number(values, "PUSH_TICK_SECONDS", 60, minimum=1),
        catch_up_hours=_number(values, "CATCH_UP_HOURS", 6, minimum=0, maximum=12),
        rate_limit_per_second=_number(values, "RATE_LIMIT_PER_SECOND", 30, minimum=1),
        push_lease_seconds=_number(values, "PUSH_LEASE_SECONDS", 120, minimum=2, maximum=3600),
        languages=_languages(values.get("BOT_LANGUAGES", "")),
    )


def _languages(text: str) -> tuple[str, ...]:
    """BOT_LANGUAGES: "en,de" → ("en", "de"); English is always on; empty: every supported
    language (a deployment may hold one back, e.g. while a translation is reviewed)."""
    codes = [c.strip().lower() for c in text.replace(";", ",").split(",") if c.strip()]
    if not codes:
        return SUPPORTED_LANGUAGES
    known = ("en", *catalogue_languages())
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise SettingsError(
            f"BOT_LANGUAGES: no translation for {', '.join(u[:8] for u in unknown[:3])}; "
            f"use some of {','.join(known)}"
        )
    return tuple(dict.fromkeys(["en", *codes]))


def _webhook_url(url: str) -> str | None:
    """WEBHOOK_URL as Telegram accepts it (HTTPS), on a path other than the health check's."""
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise SettingsError(
            f"WEBHOOK_URL must be a public https:// URL (Telegram's rule), got {url[:60]!r}"
        )
    if parts.path.rstrip("/") == "/healthz":
        raise SettingsError("WEBHOOK_URL cannot end in /healthz: that path is the health check")
    return url


def _webhook_secret(values: Mapping[str, str]) -> str | None:
    """WEBHOOK_SECRET as Telegram accepts it: 1-256 of A-Z, a-z, 0-9, '_' and '-'."""
    secret = values.get("WEBHOOK_SECRET", "").strip()
    if not secret:
        return None
    if not _WEBHOOK_SECRET.fullmatch(secret):
        raise SettingsError(
            "WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, '_' and '-' "
            f"(Telegram's rule), got {len(secret)} characters with others among them"
        )
    return secret


def _database(values: Mapping[str, str]) -> tuple[str, Path]:
    """DATABASE_URL wins; DATABASE_PATH (a SQLite file) is still accepted; else the default."""
    url = values.get("DATABASE_URL", "").strip()
    path = values.get("DATABASE_PATH", "").strip()
    if url:
        if not url.startswith(DATABASE_SCHEMES):
            raise SettingsError(
                "DATABASE_URL must look like sqlite:///data/bot.sqlite3 or "
                f"postgresql://user:password@host/database, got {hide_password(url)!r}"
            )
        if path:
            log.warning("DATABASE_URL is set, so DATABASE_PATH (%s) is ignored", path)
        return url, Path(path or "data/bot.sqlite3")
    if path:
        return sqlite_url(path), Path(path)
    return DEFAULT_DATABASE_URL, Path("data/bot.sqlite3")
