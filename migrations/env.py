"""Alembic environment: runs as the schema owner (``DATABASE_OWNER_URL``) when one is set.

On PostgreSQL every migration runs with ``lock_timeout`` so that a migration waiting on a busy
table gives up quickly instead of queueing every request behind it.
"""

from __future__ import annotations

import logging
from logging.config import fileConfig

import sqlalchemy as sa
from alembic import context
from flask import current_app

config = context.config
if config.config_file_name:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

db = current_app.extensions["migrate"].db
target_metadata = db.metadata


def _url() -> str:
    return (
        current_app.config.get("DATABASE_OWNER_URL")
        or current_app.config["SQLALCHEMY_DATABASE_URI"]
    )


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    owner_url = current_app.config.get("DATABASE_OWNER_URL")
    engine = sa.create_engine(owner_url) if owner_url else db.engine
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(sa.text("SET lock_timeout = '3s'"))
            connection.commit()
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    if owner_url:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
