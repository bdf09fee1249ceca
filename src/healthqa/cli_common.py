"""What the command modules share (:mod:`healthqa.cli`, :mod:`healthqa.cli_admin`): the ``--db`` option, failing
with one line on stderr, opening the knowledge base."""

from __future__ import annotations

import sys
from typing import NoReturn

import click

from healthqa.errors import HealthQAError
from healthqa.store import Store, open_store

db_option = click.option(
    "--db", envvar="HEALTHQA_DB", default=None, help="Knowledge base: a SQLite file (default: HEALTHQA_DB)."
)


def fail(error: HealthQAError) -> NoReturn:
    click.echo(f"error: {error}", err=True)
    sys.exit(1)


def open_or_exit(db: str | None) -> Store:
    """The knowledge base ``db`` names (default: HEALTHQA_DB), or exit 1 saying why it cannot be opened."""
    try:
        return open_store(db)
    except HealthQAError as error:
        fail(error)
