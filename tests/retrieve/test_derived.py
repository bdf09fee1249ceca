"""The derived indexes of a knowledge-base generation (healthqa.retrieve.derived): written at ingest, memory-mapped
by the next process instead of rebuilt, replaced after a new generation, never trusted when damaged, built once
when processes race, and never a reason for an answerer to write to the store."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from healthqa.answer.answerer import Answerer
from healthqa.cli import main
from healthqa.records import SectionType
from healthqa.retrieve import derived
from healthqa.retrieve.lexical import passage_index, question_index
from healthqa.retrieve.vectors import VectorIndex
from healthqa.store import SQLiteStore
from kb_builders import DOCUMENTS, KALLMANN, build_kb, make_document, write_medquad_xml
from mapping import is_memory_mapped

MODEL = "test-model"


def _fake_vectors(store: SQLiteStore, model: str = MODEL) -> None:
    """A unit vector for every passage without one (fixed by its row id): vectors without loading a model."""
    rows = []
    for rowid, _ in store.vector_texts_missing(model):
        vector = np.random.default_rng(rowid).standard_normal(384).astype(np.float32)
        rows.append((rowid, (vector / np.linalg.norm(vector)).astype(np.float32).tobytes()))
    store.put_vectors(model, rows)




def _folder(kb: Path, generation: int) -> Path:
    return Path(f"{kb}.derived") / f"{generation}-v{derived.FORMAT_VERSION}"


@pytest.fixture()
def kb(tmp_path: Path) -> Path:
    path = build_kb(tmp_path / "kb.db", [KALLMANN, *DOCUMENTS])
    store = SQLiteStore(path)
    _fake_vectors(store)
    store.close()
    return path


def test_the_parts_are_written_once_memory_mapped_and_equal_to_indexes_built_from_the_store(kb: Path) -> None:
    store = SQLiteStore(kb)
    try:
        built = derived.prepare(store, None) and derived.ensure(store, MODEL)
        assert built is not None and built.vectors is not None and built.passage_lexical is not None
        folder = _folder(kb, store.generation())
        assert sorted(p.name for p in folder.iterdir()) == ["lexical", f"vectors-{MODEL}"]
        loaded = derived.load(store, MODEL)
        assert loaded is not None and loaded.passage_lexical is not None and loaded.question_lexical is not None
        assert loaded.vectors is not None
        # Memory-mapped, so the workers of a host share these pages.
        assert is_memory_mapped(loaded.vectors.matrix) and is_memory_mapped(loaded.passage_lexical.matrix.data)
        assert is_memory_mapped(loaded.passage_lexical.matrix.indices)
        assert is_memory_mapped(loaded.question_lexical.matrix.indptr)
        fresh_passages = passage_index(store)
        fresh_questions, _ = question_index(store)
        for query in ("lambert eaton inherited", "how is gout treated", "kallmann smell", "nothing-like-this"):
            assert loaded.passage_lexical.search(query, 20) == fresh_passages.search(query, 20)
            assert loaded.question_lexical.search(query, 20) == fresh_questions.search(query, 20)
        fresh_vectors = VectorIndex(*store.load_vectors(MODEL))
        near = np.array(fresh_vectors.matrix[0])
        assert loaded.vectors.nearest(near, 5) == fresh_vectors.nearest(near, 5)
        assert loaded.vectors.position == fresh_vectors.position
    finally:
        store.close()


def test_healthqa_ingest_writes_them_and_the_next_process_maps_them_without_rebuilding(tmp_path: Path) -> None:
    kb = tmp_path / "kb.db"
    sources = tmp_path / "sources"
    write_medquad_xml(sources, "0000001", "Zyxoplasia lambertosis", [
        ("information", "What is (are) Zyxoplasia lambertosis ?", "Zyxoplasia lambertosis is a test condition."),
        ("inheritance", "Is Zyxoplasia lambertosis inherited ?", "It is inherited in a recessive pattern."),
    ])
    result = CliRunner().invoke(main, ["ingest", "--db", str(kb), str(sources)])
    assert result.exit_code == 0, result.output
    store = SQLiteStore(kb)
    assert store.generation() == 2  # the documents' commit, then the vectors written after it
    store.close()
    folder = _folder(kb, 2)
    assert not _folder(kb, 1).exists()
    manifests = {part.name: (part / "manifest.json").stat().st_mtime_ns for part in folder.iterdir()}
    symptoms = [name for name in manifests if name.startswith("symptoms-")]  # keyed by the ontology files
    assert set(manifests) - set(symptoms) == {"lexical", "vectors-all-MiniLM-L6-v2", "tables", "names", "diseases",
                                              "condition-search"} and len(symptoms) == 1
    # Another process answers from them: it maps the files, builds nothing and writes nothing.
    script = (
        "import sys, numpy as np\n"
        "from healthqa.answer.answerer import Answerer\n"
        "from healthqa.store import SQLiteStore\n"
        "store = SQLiteStore(sys.argv[1])\n"
        "answerer = Answerer(store, in_memory=True)\n"
        "import mmap\n"
        "def mapped(a):\n"
        "    while a is not None:\n"
        "        if isinstance(a, (np.memmap, mmap.mmap)): return True\n"
        "        a = getattr(a, 'base', None)\n"
        "    return False\n"
        "assert mapped(answerer.ranker.index.matrix) and mapped(answerer.ranker.passage_lexical.matrix.indices)\n"
        "assert mapped(answerer.ranker.passages._mapped._rowids)\n"
        "assert answerer.unembedded == 0\n"
        "print(answerer.ask('is zyxoplasia lambertosis inherited?').answers[0].text)\n"
    )
    done = subprocess.run([sys.executable, "-c", script, str(kb)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "recessive" in done.stdout
    assert {part.name: (part / "manifest.json").stat().st_mtime_ns for part in folder.iterdir()} == manifests


def test_a_new_generation_gets_new_files_and_the_stale_ones_go(kb: Path) -> None:
    store = SQLiteStore(kb)
    try:
        first = store.generation()
        assert derived.prepare(store, None) is not None
        assert _folder(kb, first).is_dir()
        with store.ingest() as tx:
            tx.put_document(make_document("gard-new", "Quokkitis", [], [
                (SectionType.INFORMATION, "What is quokkitis?", "Quokkitis is a test condition of quokkas."),
            ]))
        assert store.generation() > first
        stale = derived.load(store, None)
        assert stale is not None and stale.passage_lexical is None  # the old files are not taken for the new state
        fresh = derived.prepare(store, None)
        assert fresh is not None and fresh.passage_lexical is not None
        assert [rowid for rowid, _ in fresh.passage_lexical.search("quokkitis", 5)]
        assert not _folder(kb, first).exists() and _folder(kb, store.generation()).is_dir()
    finally:
        store.close()


def _digest(path: Path) -> str:
    return hashlib.sha256(b"".join(p.read_bytes() for p in sorted(path.parent.glob(path.name + "*"))
                                   if p.is_file())).hexdigest()


def test_an_answerer_never_writes_to_the_store_and_answers_unembedded_passages_by_their_words(tmp_path: Path) -> None:
    kb = build_kb(tmp_path / "kb.db", [KALLMANN, *DOCUMENTS])  # not embedded: no ingest step ran
    before = _digest(kb)
    store = SQLiteStore(kb)
    try:
        missing = len(store.vector_texts_missing("all-MiniLM-L6-v2"))
        generation = store.generation()
        answerer = Answerer(store)
        assert answerer.unembedded == missing == store.passage_count()
        answer = answerer.ask("how is gout treated?")
        assert not answer.abstained and "Gout" in answer.answers[0].title
        assert len(store.vector_texts_missing("all-MiniLM-L6-v2")) == missing
        assert store.generation() == generation
    finally:
        store.close()
    assert _digest(kb) == before  # the database file (and its -wal, -shm) unchanged, byte for byte


@pytest.mark.parametrize("damage", ["truncated", "no manifest", "another knowledge base", "garbage manifest"])
def test_a_damaged_part_is_ignored_then_rebuilt_and_never_fails_an_ask(kb: Path, damage: str) -> None:
    store = SQLiteStore(kb)
    try:
        assert derived.prepare(store, None) is not None
        assert derived.ensure(store, MODEL) is not None
        folder = _folder(kb, store.generation())
        lexical, vectors = folder / "lexical", folder / f"vectors-{MODEL}"
        if damage == "truncated":
            data = (lexical / "passages-data.npy").read_bytes()
            (lexical / "passages-data.npy").write_bytes(data[: len(data) // 2])
            (vectors / "matrix.npy").write_bytes(b"\x93NUMPY")
        elif damage == "no manifest":
            (lexical / "manifest.json").unlink()
            (vectors / "manifest.json").unlink()
        elif damage == "another knowledge base":
            for part in (lexical, vectors):
                manifest = json.loads((part / "manifest.json").read_text())
                manifest["passages"] += 1
                (part / "manifest.json").write_text(json.dumps(manifest))
        else:
            (lexical / "manifest.json").write_text("{not json")
            (vectors / "manifest.json").write_text("[]")
        damaged = derived.load(store, MODEL)
        assert damaged is not None and damaged.passage_lexical is None and damaged.vectors is None
        answerer = Answerer(store, semantic=False, in_memory=True)  # rebuilds what it needs, answers
        assert not answerer.ask("how is gout treated?").abstained
        rebuilt = derived.ensure(store, MODEL)
        assert rebuilt is not None and rebuilt.passage_lexical is not None and rebuilt.vectors is not None
        assert not [p for p in folder.iterdir() if p.name.startswith(".tmp-")]
    finally:
        store.close()


def test_two_processes_racing_to_build_leave_one_valid_set(kb: Path) -> None:
    script = (
        "import sys\n"
        "from healthqa.retrieve import derived\n"
        "from healthqa.store import SQLiteStore\n"
        "store = SQLiteStore(sys.argv[1])\n"
        "built = derived.ensure(store, sys.argv[2])\n"
        "assert built is not None and built.passage_lexical is not None and built.vectors is not None\n"
    )
    racers = [subprocess.Popen([sys.executable, "-c", script, str(kb), MODEL], stderr=subprocess.PIPE, text=True)
              for _ in range(2)]
    for racer in racers:
        _, stderr = racer.communicate(timeout=300)
        assert racer.returncode == 0, stderr
    root = Path(f"{kb}.derived")
    assert sorted(p.name for p in root.iterdir() if p.is_dir()) == [_folder(kb, 1).name]
    assert sorted(p.name for p in _folder(kb, 1).iterdir()) == ["lexical", f"vectors-{MODEL}"]
    store = SQLiteStore(kb)
    try:
        loaded = derived.load(store, MODEL)
        assert loaded is not None and loaded.passage_lexical is not None and loaded.vectors is not None
    finally:
        store.close()


def test_vectors_are_saved_only_once_every_passage_has_one(tmp_path: Path) -> None:
    kb = build_kb(tmp_path / "kb.db", [KALLMANN, *DOCUMENTS])
    store = SQLiteStore(kb)
    try:
        rowid, _ = store.vector_texts_missing(MODEL)[0]
        store.put_vectors(MODEL, [(rowid, np.ones(384, np.float32).tobytes())])
        partial = derived.ensure(store, MODEL)
        assert partial is not None and partial.passage_lexical is not None and partial.vectors is None
        _fake_vectors(store)
        complete = derived.ensure(store, MODEL)
        assert complete is not None and complete.vectors is not None and len(complete.vectors) == store.passage_count()
    finally:
        store.close()


def test_switched_off_nothing_is_read_or_written(kb: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(derived.SWITCH, "off")
    store = SQLiteStore(kb)
    try:
        assert derived.ensure(store, MODEL) is None
        assert not Answerer(store, semantic=False, in_memory=True).ask("how is gout treated?").abstained
    finally:
        store.close()
    assert not os.path.exists(f"{kb}.derived")


def test_a_postgresql_knowledge_base_keeps_them_in_the_cache_folder_by_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from healthqa.store import open_store
    from postgres_server import temporary_database

    monkeypatch.setenv("HEALTHQA_CACHE_DIR", str(tmp_path / "cache"))
    with temporary_database() as url:
        store = open_store(url)
        try:
            with store.ingest() as tx:
                for document in [KALLMANN, *DOCUMENTS]:
                    tx.put_document(document)
            root = derived.derived_root(store)
            assert root is not None and root.parent == tmp_path / "cache" / "derived"
            built = derived.prepare(store, None)
            assert built is not None and built.passage_lexical is not None
            assert (root / f"{store.generation()}-v{derived.FORMAT_VERSION}" / "lexical" / "manifest.json").is_file()
            fresh = passage_index(store)
            assert built.passage_lexical.search("lambert eaton inherited", 10) == fresh.search(
                "lambert eaton inherited", 10)
        finally:
            store.close()


def _kb_of(path: Path, words: str) -> Path:
    """A knowledge base of one source, one document and one passage: two of them differ only in ``words``."""
    document = make_document("gard:1", "Zyxoplasia", [], [
        (SectionType.INFORMATION, "What is Zyxoplasia?", f"Zyxoplasia is a test condition with {words}."),
    ])
    return build_kb(path, [document])


@pytest.mark.parametrize("how", ["overwritten", "deleted and made again"])
def test_another_knowledge_base_made_at_the_same_path_never_uses_the_old_files(tmp_path: Path, how: str) -> None:
    kb = _kb_of(tmp_path / "kb.db", "quokka freckles")
    store = SQLiteStore(kb)
    built = derived.ensure(store, None)
    store.close()
    assert built is not None and built.passage_lexical is not None and "quokka" in built.passage_lexical.vocabulary
    inode = os.stat(kb).st_ino
    if how == "overwritten":  # cp other.db kb.db: the same inode, generation and counts, other content
        other = _kb_of(tmp_path / "other" / "kb.db", "hearing loss")
        with open(other, "rb") as source, open(kb, "r+b") as target:
            target.truncate(0)
            target.write(source.read())
        assert os.stat(kb).st_ino == inode
    else:
        for leftover in tmp_path.glob("kb.db-*"):
            leftover.unlink()
        kb.unlink()
        _kb_of(kb, "hearing loss")
    store = SQLiteStore(kb)
    try:
        assert store.generation() == built.generation
        again = derived.ensure(store, None)
        assert again is not None and again.passage_lexical is not None
        assert "quokka" not in again.passage_lexical.vocabulary
        assert again.passage_lexical.vocabulary == passage_index(store).vocabulary
    finally:
        store.close()


def _as_other_user(
    uid: int, script: str, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    if os.geteuid() != 0 or not Path("/usr/bin/setpriv").exists():
        pytest.skip("needs root and setpriv to run a process as another user (root reads any folder)")
    command = ["/usr/bin/setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
               sys.executable, "-c", script, *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, env=env)


_ASK = (
    "import sys\n"
    "from healthqa.answer.answerer import Answerer\n"
    "from healthqa.store import SQLiteStore\n"
    "store = SQLiteStore(sys.argv[1])\n"
    "answerer = Answerer(store, semantic=False, in_memory=True)\n"
    "assert answerer.derived is not None and answerer.derived.passage_lexical is None\n"
    "print(answerer.ask('what is zyxoplasia?').answers[0].text)\n"
)


def test_a_derived_folder_this_user_cannot_read_is_left_out_with_one_warning(tmp_path: Path) -> None:
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="healthqa-test-"))  # not under pytest's 0700 folder: others reach it
    try:
        kb = _kb_of(folder / "kb.db", "quokka freckles")
        store = SQLiteStore(kb)
        derived.ensure(store, None)
        store.close()
        nobody = 65534
        for path in (folder, *folder.glob("kb.db*")):
            if path.name != "kb.db.derived":
                os.chown(path, nobody, nobody)
        os.chmod(folder / "kb.db.derived", 0o700)  # root's: another user cannot even look inside
        done = _as_other_user(nobody, _ASK, str(kb), env={**os.environ, "HOME": str(folder)})
        assert done.returncode == 0, done.stderr
        assert "quokka freckles" in done.stdout
        assert done.stderr.count("cannot use the derived indexes") == 1
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_without_a_home_directory_the_caches_are_a_private_folder_of_the_process() -> None:
    script = (
        "import os, stat\n"
        "from healthqa.retrieve.encoder import cache_dir\n"
        "folder = cache_dir()\n"
        "assert folder == cache_dir() and folder.is_dir(), folder\n"
        "assert stat.S_IMODE(folder.stat().st_mode) == 0o700 and folder.stat().st_uid == os.getuid()\n"
        "print(folder)\n"
    )
    env = {name: value for name, value in os.environ.items()
           if name not in {"HOME", "XDG_CACHE_HOME", "HEALTHQA_CACHE_DIR"}}
    done = _as_other_user(54329, script, env=env)  # a user id without a passwd entry: no home to be found
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("no home directory") == 1
    assert not Path(done.stdout.strip()).exists()  # removed at the process's exit


def test_a_later_step_s_part_is_built_once_then_mapped_and_rebuilt_for_a_new_version(kb: Path) -> None:
    builds: list[int] = []

    def build() -> tuple[dict[str, np.ndarray], dict[str, object]]:
        builds.append(1)
        return {"numbers": np.arange(5, dtype=np.int32)}, {"label": "five"}

    def read(arrays: Mapping[str, np.ndarray], manifest: dict[str, object]) -> tuple[np.ndarray, object]:
        return arrays["numbers"], manifest["label"]

    store = SQLiteStore(kb)
    try:
        first = derived.mapped_part(store, "numbers", build, read)
        again = derived.mapped_part(store, "numbers", build, read)
        assert first is not None and again is not None
        assert again[0].tolist() == [0, 1, 2, 3, 4] and again[1] == "five"
        assert is_memory_mapped(again[0]) and len(builds) == 1
        assert (_folder(kb, store.generation()) / "numbers" / "manifest.json").is_file()
        derived.mapped_part(store, "numbers", build, read, version=2)  # another format of the part: rebuilt
        assert len(builds) == 2

        def unreadable(arrays: Mapping[str, np.ndarray], manifest: dict[str, object]) -> None:
            raise ValueError("not what this version reads")

        assert derived.mapped_part(store, "numbers", build, unreadable, version=2) is None
    finally:
        store.close()


def test_a_later_step_s_part_is_none_when_switched_off(kb: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(derived.SWITCH, "off")
    store = SQLiteStore(kb)
    try:
        assert derived.mapped_part(store, "numbers", lambda: ({}, {}), lambda arrays, manifest: 1) is None
    finally:
        store.close()
