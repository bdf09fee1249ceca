"""The administrators' commands of ``healthqa``: community accounts and moderation (:mod:`healthqa.community`),
and copying a knowledge base to a database server (:mod:`healthqa.store.migrate`). Registered on the main
group by :mod:`healthqa.cli`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import click

from healthqa.cli_common import db_option, fail, open_or_exit
from healthqa.errors import HealthQAError

# -- communities: admin commands (healthqa.community) -----------------------------------------------------------

community_db_option = click.option(
    "--community-db", envvar="HEALTHQA_COMMUNITY_DB", default=None,
    help="The communities' file (default: HEALTHQA_COMMUNITY_DB, else beside the knowledge base).",
)


def _community(community_db: str | None, db: str | None) -> Any:
    from healthqa.community import Community, community_path
    from healthqa.config import database_url

    try:
        return Community.open(community_db or community_path(db or database_url()))
    except HealthQAError as error:
        fail(error)


@click.group()
def users() -> None:
    """Community accounts: the mail outbox, moderators."""


@users.command("outbox")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 1000), help="How many messages.")
@community_db_option
@db_option
def users_outbox(limit: int, community_db: str | None, db: str | None) -> None:
    """The mail the communities would have sent (when HEALTHQA_SMTP_URL is unset), newest first."""
    community = _community(community_db, db)
    for message in community.mailer.outbox(limit):
        click.echo(f"To: {message.recipient}\nSubject: {message.subject}\n\n{message.body}\n{'-' * 60}")
    community.close()


@users.command("moderator")
@click.argument("email")
@click.option("--remove", is_flag=True, help="Take the moderator role away instead.")
@community_db_option
@db_option
def users_moderator(email: str, remove: bool, community_db: str | None, db: str | None) -> None:
    """Make the account with EMAIL a moderator (or, with --remove, no longer one); the audit log records it."""
    community = _community(community_db, db)
    try:
        account = community.accounts.set_moderator(email, not remove)
    except HealthQAError as error:
        fail(error)
    finally:
        community.close()
    click.echo(f"{account.display_name} is {'now' if account.moderator else 'no longer'} a moderator.")


@click.group()
def moderate() -> None:
    """Community moderation, for administrators."""


@moderate.command("audit")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10000), help="How many entries.")
@community_db_option
@db_option
def moderate_audit(limit: int, community_db: str | None, db: str | None) -> None:
    """The moderators' audit log, newest first: when, who, what, on what, why."""
    community = _community(community_db, db)
    for entry in community.moderation.entries(limit):
        when = datetime.fromtimestamp(entry.at, tz=UTC).strftime("%Y-%m-%d %H:%M")
        click.echo(f"{when}  {entry.moderator_name}  {entry.action}  {entry.target}  {entry.reason}")
    community.close()


# -- moving a knowledge base to a database server (healthqa.store.migrate) --------------------------------------

@click.command()
@click.option("--to", "target", required=True, metavar="URL",
              help="The knowledge base to copy into, e.g. postgresql://healthqa@db.example:5432/healthqa.")
@click.option("--db", envvar="HEALTHQA_DB", default=None,
              help="The SQLite knowledge base to copy (default: HEALTHQA_DB, else the default file).")
def migrate(target: str, db: str | None) -> None:
    """Copy a SQLite knowledge base into another one (PostgreSQL) with the same ids, keys and vectors.

    The documents are copied in one transaction (a copy that fails there writes none of them), then the
    passage vectors, in transactions of their own: a copy interrupted after the documents leaves passages
    without a vector, found by their words only until the copy is run again. Documents already there with the
    same content are left as they are, so rerunning a copy completes it.
    """
    from healthqa.config import database_url
    from healthqa.store.migrate import migrate as copy_knowledge_base

    source = db or database_url()
    store = open_or_exit(target)
    try:
        report = copy_knowledge_base(source, store, progress=lambda line: click.echo(line, err=True))
    except HealthQAError as error:
        fail(error)
    finally:
        store.close()
    click.echo(f"copied {report.summary()}")


def admin_commands() -> list[click.Command]:
    return [users, moderate, migrate]
