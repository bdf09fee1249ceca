"""A community file marked by a newer healthqa is refused, as a newer PostgreSQL schema is (test_postgres)."""

from __future__ import annotations

import multiprocessing
import sqlite3
import time
from pathlib import Path

import pytest

from community.conftest import cheap_hasher
from healthqa.community import Community
from healthqa.community.db import SCHEMA_VERSION
from healthqa.errors import StoreError
from lock_holders import open_community_file


def test_a_file_from_a_newer_healthqa_is_refused_and_left_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "people.db"
    Community.open(str(path), hasher=cheap_hasher()).close()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE settings SET value = ? WHERE name = 'schema_version'", (str(SCHEMA_VERSION + 1),))
    with pytest.raises(StoreError, match="newer than this healthqa"):
        Community.open(str(path), hasher=cheap_hasher())
    with sqlite3.connect(path) as db:
        marked = db.execute("SELECT value FROM settings WHERE name = 'schema_version'").fetchone()[0]
    assert marked == str(SCHEMA_VERSION + 1)


def test_a_file_of_this_version_opens_again(tmp_path: Path) -> None:
    path = tmp_path / "people.db"
    Community.open(str(path), hasher=cheap_hasher()).close()
    again = Community.open(str(path), hasher=cheap_hasher())
    assert again.db.read().execute("SELECT count(*) FROM accounts").fetchone()[0] == 0
    again.close()


def test_processes_opening_a_new_community_file_at_once_take_turns(tmp_path: Path) -> None:
    """Two hosts or workers starting together create the same file: none fails with "database is locked"."""
    context = multiprocessing.get_context("spawn")
    for attempt in range(3):
        path = str(tmp_path / f"community-{attempt}.db")
        start = context.Event()
        openers = [context.Process(target=open_community_file, args=(path, start)) for _ in range(6)]
        for opener in openers:
            opener.start()
        time.sleep(1.0)  # every child imported healthqa and waits
        start.set()
        for opener in openers:
            opener.join(60)
        assert [opener.exitcode for opener in openers] == [0] * 6
