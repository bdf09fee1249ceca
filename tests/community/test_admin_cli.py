"""``healthqa users outbox``, ``healthqa users moderator`` and ``healthqa moderate audit`` over a real file."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from community.conftest import LINK_BASE, PASSWORD, cheap_hasher
from healthqa.cli import main
from healthqa.community import Community


def test_outbox_moderator_and_audit(tmp_path: Path) -> None:
    path = tmp_path / "people.db"
    community = Community.open(path, hasher=cheap_hasher())
    community.accounts.sign_up("ann@example.org", "Ann", PASSWORD, True, LINK_BASE)
    community.close()
    runner = CliRunner()
    outbox = runner.invoke(main, ["users", "outbox", "--community-db", str(path)])
    assert outbox.exit_code == 0 and "To: ann@example.org" in outbox.output
    assert f"{LINK_BASE}/community/verify?token=" in outbox.output
    made = runner.invoke(main, ["users", "moderator", "ann@example.org", "--community-db", str(path)])
    assert made.exit_code == 0 and "Ann is now a moderator" in made.output
    assert Community.open(path, hasher=cheap_hasher()).accounts.by_email("ann@example.org").moderator
    missing = runner.invoke(main, ["users", "moderator", "nobody@example.org", "--community-db", str(path)])
    assert missing.exit_code == 1 and "no account with this email" in missing.output
    audit = runner.invoke(main, ["moderate", "audit", "--community-db", str(path)])
    assert audit.exit_code == 0 and "administrator  make moderator  account 1  admin command" in audit.output


def test_the_default_file_is_beside_the_knowledge_base(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["users", "outbox", "--db", str(tmp_path / "kb.db")],
                           env={"HEALTHQA_COMMUNITY_DB": ""})
    assert result.exit_code == 0 and (tmp_path / "kb.community.db").exists()
