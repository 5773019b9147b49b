"""Apply the schema migrations (Alembic) to a database at start."""

from __future__ import annotations

import sys
from collections.abc import Callable
import tempfile
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config() -> Config:
    """Return an Alembic config for the bundled migrations (the connection is passed in)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def _on(engine: Engine, action: Callable[[Config], None]) -> None:
    """Run an Alembic command over one transaction on `engine`."""
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        action(config)


def upgrade(engine: Engine) -> None:
    """Bring the database schema to the newest revision."""
    _on(engine, lambda config: command.upgrade(config, "head"))


def new_revision(message: str) -> None:
    """Write a migration for the difference between models.py and the newest revision."""
    with tempfile.TemporaryDirectory() as folder:
        engine = create_engine(f"sqlite:///{Path(folder) / 'schema.db'}")
        upgrade(engine)
        _on(engine, lambda config: command.revision(config, message=message, autogenerate=True))
        engine.dispose()


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit('usage: python -m ingest.store.migrate "what the change does"')
    new_revision(sys.argv[1])
