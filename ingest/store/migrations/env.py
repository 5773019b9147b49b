"""Alembic environment: run migrations on the connection the store hands over."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import ingest.store.models  # noqa: F401  (registers the tables on SQLModel.metadata)

target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    """Migrate over the connection in config.attributes (the store's engine)."""
    connection = context.config.attributes["connection"]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
