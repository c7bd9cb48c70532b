"""Looking for a deleted user everywhere: every row of every table (reflected, so tables the
code forgot are seen too) and, on SQLite, every byte of the database, -wal and -shm files."""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Mapping, Sequence
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from bot.storage.db import resolve_database_url

ZLIB_HEADER = re.compile(rb"\x78[\x01\x5e\x9c\xda]")
SQLITE_SIDE_FILES = ("", "-wal", "-shm", "-journal")


def _text(value: object) -> str | None:
    if isinstance(value, bytes | memoryview):
        raw = bytes(value)
        try:
            return zlib.decompress(raw).decode("utf-8", errors="replace")
        except zlib.error:
            return raw.decode("utf-8", errors="replace")
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value if isinstance(value, str) else None


def _hit(value: object, user_id: int, words: Sequence[str], numbers: Sequence[float]) -> bool:
    if isinstance(value, bool):
        return False
    if value == user_id:
        return True
    if isinstance(value, int | float) and any(abs(value - n) < 1e-9 for n in numbers):
        return True
    text = _text(value)
    return text is not None and any(w in text for w in (str(user_id), *words))


async def table_hits(
    database: str | Path, user_id: int, words: Sequence[str], numbers: Sequence[float]
) -> list[tuple[str, dict[str, object]]]:
    """(table, row) for every row holding the id, one of `words` in any text (JSON searched
    as text, compressed plan bodies inflated) or one of `numbers` as a value."""
    url = resolve_database_url(database)
    engine = create_async_engine(url, poolclass=sa.pool.NullPool)
    try:
        async with engine.connect() as conn:
            metadata = sa.MetaData()
            await conn.run_sync(metadata.reflect)
            found = []
            for table in metadata.sorted_tables:
                if table.name == "alembic_version":
                    continue
                for row in (await conn.execute(sa.select(table))).mappings():
                    if any(_hit(v, user_id, words, numbers) for v in row.values()):
                        found.append((table.name, dict(row)))
            return found
    finally:
        await engine.dispose()


def _inflated(data: bytes) -> list[bytes]:
    """Every zlib stream that starts somewhere in `data`, inflated (a compressed plan body)."""
    out = []
    for match in ZLIB_HEADER.finditer(data):
        inflater = zlib.decompressobj()
        try:
            text = inflater.decompress(data[match.start() : match.start() + 65536])
        except zlib.error:
            continue
        if text:
            out.append(text)
    return out


def raw_hits(database: Path, needles: Mapping[str, bytes]) -> list[tuple[str, str]]:
    """(file name, needle name) for each needle found in the SQLite file or its side files,
    as stored or inside a zlib stream."""
    found = []
    for suffix in SQLITE_SIDE_FILES:
        path = database.with_name(database.name + suffix)
        if not path.exists():
            continue
        data = path.read_bytes()
        blobs = [data, *_inflated(data)]
        for name, needle in needles.items():
            if any(needle in blob for blob in blobs):
                found.append((path.name, name))
    return found
