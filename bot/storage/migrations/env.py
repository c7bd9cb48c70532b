"""Alembic environment for connection sharing.

The bot (bot.storage.migrations.upgrade) opens the connection itself, on its async engine
through `run_sync`, and hands the sync Connection over in `config.attributes["connection"]`.
asyncio.run() is never called here (the stock async template does), so migrations work inside
the bot's running event loop and inside async test fixtures. The caller owns the transaction:
the whole upgrade commits or rolls back as one.

For a developer's `alembic revision --autogenerate`, pass bot.storage.schema.metadata as
`target_metadata` in a script that builds the connection the same way.
"""

from __future__ import annotations

from alembic import context

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=context.config.attributes.get("target_metadata"),
    render_as_batch=True,  # SQLite can only alter a table by rebuilding it
    compare_type=connection.dialect.name != "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
