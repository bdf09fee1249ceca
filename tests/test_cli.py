from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner, Result

from healthqa.cli import main
from healthqa.records import SectionType
from kb_builders import KnowledgeBases, make_document, write_medquad_file


def run(*args: str) -> subprocess.CompletedProcess[str]:
    """The installed command in a real process, as a user runs it."""
    return subprocess.run([sys.executable, "-m", "healthqa", *args], capture_output=True, text=True,
                          timeout=120, check=False)


def run_here(*args: str) -> Result:
    """The command in this process: an ingest embeds with the model this test session has loaded already (a
    new process spends ~6 s importing it); ``run`` covers the real process."""
    return CliRunner().invoke(main, list(args))


# The ingest tests below check what the CLI prints and keeps; what an ingest stores is checked on both backends
# by the store contract (tests/store) and the deployment (tests/deploy). The round trip runs real processes
# (~10 s); the others ingest in this process (``run_here``).
ON_SQLITE = KnowledgeBases("sqlite")


def test_ingest_sources_show_round_trip(medquad_folder: Path, tmp_path: Path) -> None:
    db = ON_SQLITE.empty(tmp_path / "kb.db")
    result = run("ingest", "--db", db, str(medquad_folder))
    assert result.returncode == 0, result.stderr
    assert "2 documents added" in result.stdout and "0 failed" in result.stdout

    sources = json.loads(run("sources", "--json", "--db", db).stdout)
    by_name = {s["name"]: s for s in sources}
    assert by_name["GARD"]["documents"] == 1 and by_name["GARD"]["passages"] == 2
    assert by_name["GARD"]["questions"] == 2
    assert {"name", "documents", "passages", "questions", "newest"} <= set(sources[0])

    shown = run("show", "--db", db, "GARD_0000001_Sec2.txt")
    assert shown.returncode == 0
    assert "Medicines lower uric acid" in shown.stdout and "GARD" in shown.stdout
    assert "https://example.test/0000001" in shown.stdout
    document = json.loads(run("show", "--json", "--db", db, "medquad:GARD_0000001").stdout)
    assert document["title"] == "Gout" and ["UMLS", "C0018099"] in document["codes"]
    # Row ids change on re-ingest: the JSON names the document by key and its passages by public id only.
    assert "id" not in document and document["key"] == "medquad:GARD_0000001"
    for part in document["passages"] + document["questions"]:
        assert part["public_id"] and "rowid" not in part and "document_id" not in part
    passage = json.loads(run("show", "--json", "--db", db, "GARD_0000001_Sec2.txt").stdout)
    assert passage["public_id"] == "GARD_0000001_Sec2.txt" and not {"rowid", "document_id"} & set(passage)

    missing = run("show", "--db", db, "nothing-here")
    assert missing.returncode == 1 and "nothing-here" in missing.stderr


def test_show_takes_keys_and_names_the_key_of_an_old_document_number(
    tmp_path: Path, kb_backend: KnowledgeBases,
) -> None:
    section = [(SectionType.INFORMATION, "What is it?", "Some text.")]
    # Rows 1, 2, 3; the second document's key is "1", which is also the first document's row number.
    db = kb_backend.build(tmp_path / "kb.db", [make_document("gout", "Gout", [], section),
                                               make_document("1", "Numbered topic", [], section),
                                               make_document("lems", "LEMS", [], section)])
    by_key = run("show", "--db", db, "1")
    assert by_key.returncode == 0 and by_key.stdout.startswith("Numbered topic  [1]"), by_key.stdout
    by_number = run("show", "--db", db, "3")
    assert by_number.returncode == 0 and by_number.stdout.startswith("LEMS  [lems]")
    assert "healthqa show lems" in by_number.stderr and "number" in by_number.stderr
    missing = run("show", "--db", db, "99")
    assert missing.returncode == 1 and "99" in missing.stderr


def test_reingest_is_a_no_op_and_changes_replace(medquad_folder: Path, tmp_path: Path) -> None:
    db = ON_SQLITE.empty(tmp_path / "kb.db")
    run_here("ingest", "--db", db, str(medquad_folder))
    again = run_here("ingest", "--db", db, str(medquad_folder))
    assert "0 documents added, 0 replaced, 0 removed, 2 unchanged" in again.stdout
    write_medquad_file(medquad_folder / "2_GARD_QA", "0000001", "Gout", [
        ("information", "What is (are) Gout ?", "Gout is arthritis caused by uric acid crystals."),
    ])
    (medquad_folder / "6_NINDS_QA" / "0000002.xml").unlink()
    changed = run_here("ingest", "--db", db, str(medquad_folder))
    assert "1 replaced, 1 removed" in changed.stdout, changed.stdout
    sources = {s["name"]: s for s in json.loads(run("sources", "--json", "--db", db).stdout)}
    assert sources["GARD"]["passages"] == 1 and sources.get("NINDS", {"documents": 0})["documents"] == 0
    assert "uric acid crystals" in run("show", "--db", db, "GARD_0000001_Sec1.txt").stdout


def test_bad_files_are_reported_one_line_each_and_the_rest_is_ingested(medquad_folder: Path, tmp_path: Path) -> None:
    db = ON_SQLITE.empty(tmp_path / "kb.db")
    broken = medquad_folder / "2_GARD_QA" / "0000009.xml"
    broken.write_text('<?xml version="1.0"?><Document id="9"><Focus>Broken', encoding="utf-8")
    unknown = tmp_path / "mystery.bin"
    unknown.write_bytes(b"\x00\x01\x02\xff" * 50)
    result = run_here("ingest", "--db", db, str(medquad_folder), str(unknown))
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 2
    assert str(broken) in errors[0] and str(unknown) in errors[1]
    assert "2 documents added" in result.stdout
    sources = {s["name"]: s for s in json.loads(run("sources", "--json", "--db", db).stdout)}
    assert sources["GARD"]["documents"] == 1


def test_missing_path_is_a_clear_error(tmp_path: Path) -> None:
    result = run_here("ingest", "--db", str(tmp_path / "kb.db"), str(tmp_path / "nope"))
    assert result.exit_code == 1 and "nope" in result.output and "no such file" in result.output


def test_healthqa_db_environment_variable_is_honoured(medquad_folder: Path, tmp_path: Path) -> None:
    # SQLite only: it checks that the file HEALTHQA_DB names was made.
    db = tmp_path / "from-env.db"
    runner = CliRunner(env={"HEALTHQA_DB": str(db)})
    assert runner.invoke(main, ["ingest", str(medquad_folder)]).exit_code == 0
    assert db.exists()
    assert json.loads(runner.invoke(main, ["sources", "--json"]).output)


def test_empty_knowledge_base_says_how_to_fill_it(tmp_path: Path, kb_backend: KnowledgeBases) -> None:
    result = run_here("sources", "--db", kb_backend.empty(tmp_path / "kb.db"))
    assert result.exit_code == 0 and "healthqa ingest" in result.output


def test_rerank_prints_every_answer_in_healthqa_order(tmp_path: Path) -> None:
    mediqa = tmp_path / "qa.xml"
    mediqa.write_text(
        """<?xml version="1.0" encoding="UTF-8"?>
<MEDIQA2019-Task3-QA-TestSet>
  <Question QID="7"><QuestionText>How is gout treated?</QuestionText><AnswerList>
    <Answer AID="7_Answer1" SystemRank="1"><AnswerURL>https://www.example.gov/a</AnswerURL>
      <AnswerText>Kidney stones: Kidney stones form in the kidney from minerals in urine.</AnswerText></Answer>
    <Answer AID="7_Answer2" SystemRank="2"><AnswerURL>https://medlineplus.gov/gout.html</AnswerURL>
      <AnswerText>Gout (Treatment): Gout is treated with medicines that ease pain and lower uric acid.
      </AnswerText></Answer>
  </AnswerList></Question>
</MEDIQA2019-Task3-QA-TestSet>
""",
        encoding="utf-8",
    )
    result = run("rerank", str(mediqa))
    assert result.returncode == 0, result.stderr
    rows = [line.split(",") for line in result.stdout.splitlines()]
    assert sorted(aid for _, aid, _ in rows) == ["7_Answer1", "7_Answer2"]
    assert all(qid == "7" and label in {"0", "1"} for qid, _, label in rows)
    assert rows[0][1] == "7_Answer2"  # the answer about gout treatment comes first

    broken = tmp_path / "broken.xml"
    broken.write_text("<MEDIQA2019-Task3-QA-TestSet><Question", encoding="utf-8")
    failed = run("rerank", str(broken))
    assert failed.returncode == 1 and str(broken) in failed.stderr


def test_ask_prints_no_dangling_separator_and_a_quiet_stderr(tmp_path: Path, kb_backend: KnowledgeBases) -> None:
    """A passage without a link ends its line with the date, not "; "; loading the model draws no bar on stderr;
    an emergency lists one action a line, the most likely first."""
    unlinked = make_document("saved", "Gout", ["podagra"], [
        (SectionType.CAUSES, "What causes gout?", "Gout is caused by too much uric acid in the blood."),
    ], url="")
    db = kb_backend.build(tmp_path / "kb.db", [unlinked])
    result = run("ask", "--db", db, "what causes gout? my son swallowed bleach")
    assert result.returncode == 0, result.stderr
    assert "too much uric acid" in result.stdout
    assert not any(line.rstrip().endswith(";") for line in result.stdout.splitlines()), result.stdout
    assert "GARD (government reviewed), 2020-05-01\n" in result.stdout
    assert result.stderr == "", result.stderr  # no "Loading weights" bar, no warning
    emergency = result.stdout.split("Understood:")[0]
    assert emergency.index("Poison Control: 1-800-222-1222") < emergency.index("911") < emergency.index("988")


def test_the_command_modules_stay_under_600_lines_and_every_command_is_on_the_main_group() -> None:
    import healthqa.cli
    import healthqa.cli_admin

    for module in (healthqa.cli, healthqa.cli_admin):
        assert module.__file__ is not None
        assert len(Path(module.__file__).read_text(encoding="utf-8").splitlines()) < 600, module.__name__
    assert {"ingest", "ask", "serve", "users", "moderate", "migrate"} <= set(main.commands)
    done = run("migrate", "--help")
    assert done.returncode == 0 and "then the passage vectors" in " ".join(done.stdout.split())
    assert "One transaction: a copy that fails writes nothing" not in done.stdout
