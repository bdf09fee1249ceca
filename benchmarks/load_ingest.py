"""Load test with an HTTP ingest in the middle: no request fails, and every worker answers from the new content.

Issue 21, defect 1: an ``POST /api/ingest`` made while clients were asking questions failed with a 500 and left
the worker that took it on the old knowledge base for good (the query encoder raced the ingest's passage
embedding on one tokenizer; the worker had recorded the new generation before the rebuild failed). This
script repeats that situation and measures it:

1. A knowledge base: a copy (SQLite backup) of ``--db``, or, by default, a small one written here from
   ``--base-docs`` made-up MedQuAD documents with their vectors, so that workers start in seconds.
2. ``healthqa serve --workers N`` as a real process (``HEALTHQA_RATE_LIMIT=0``, an admin token, and the
   ingest folder as both ``HEALTHQA_INGEST_ROOT`` and ``HEALTHQA_SOURCES``, so that the ingest path is allowed
   whichever of the two settings confines it).
3. ``--clients`` threads, each on its own keep-alive connection (the server's workers take connections in
   turn, so every worker gets some), ask questions the old content answers for ``--before`` seconds. The
   workers keep no answers (``--answer-cache 0``): every question is encoded, as the ingest embeds passages.
   Which worker holds a connection is read from ``/proc`` (the server socket whose peer is the client's
   port, and the worker process holding it): no header or server change is needed.
4. One ``POST /api/ingest`` of a folder of ``--new-docs`` new documents (their passages are embedded by the
   ingest, while the questions go on: the race of the issue). From then on each client alternates a question
   only the new content answers with the earlier ones.
5. Per worker: when its answers to that question came from the new content for good (the first new answer
   after its last old one), in seconds since the ingest was sent and since its answer arrived; the run ends
   when every worker got there (then ``--settle`` more seconds, to catch one going back) or after ``--limit``.

Reported per run and as medians over ``--runs``: errors (non-200 answers, exceptions, a failed ingest) by kind,
answers, the ingest's status, seconds and ``reload_pending``, and the seconds until every worker answers from
the new content. A line per run goes to stderr; one JSON object to stdout. Exit status 1 when a run had an
error or a worker that never answered from the new content (or one that did not get a connection).

    python benchmarks/load_ingest.py [--db KB] [--workers 2] [--clients 6] [--before 10] [--limit 60]
        [--settle 3] [--runs 3] [--answer-cache 0] [--base-docs 60] [--new-docs 100]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import secrets
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from load import Server

NEW_TITLE = "Zyxoquilt flerbitis"
NEW_QUESTION = "what is zyxoquilt flerbitis"
SYLLABLES = "bra cen dol fim gor hul jex kav lum mor nep pri ros sul tav vex wim dar gel tor".split()
KINDS = "syndrome disease dystrophy fever anemia neuropathy".split()
FILLER = (
    "Symptoms may include muscle weakness, fatigue, joint pain, headaches and trouble sleeping; they often begin "
    "in childhood and can change over time. Doctors diagnose it with a physical examination, blood tests and "
    "imaging, and may refer the person to a specialist. Treatment depends on the symptoms and may include "
    "medicines, physical therapy and regular check-ups with a care team that knows the condition well."
)
SECTIONS = [
    ("information", "What is (are) {name} ?", "{name} is a rare condition that affects the nerves and muscles. "),
    ("symptoms", "What are the symptoms of {name} ?", "The signs of {name} vary from person to person. "),
    ("causes", "What causes {name} ?", "{name} is caused by changes in a gene that controls muscle repair. "),
    ("treatment", "What are the treatments for {name} ?", "There is no cure for {name}, but care helps. "),
]


# --- the knowledge base and the new content -------------------------------------------------------------

def condition_names(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    names: dict[str, None] = {}
    while len(names) < count:
        word = "".join(rng.choice(SYLLABLES) for _ in range(3)).capitalize()
        names[f"{word} {rng.choice(KINDS)}"] = None
    return list(names)


def write_documents(folder: Path, names: Sequence[str], prefix: str) -> None:
    """MedQuAD-like XML documents (a GARD collection folder), one per name, four sections each."""
    collection = folder / "2_GARD_QA"
    collection.mkdir(parents=True, exist_ok=True)
    for number, name in enumerate(names):
        stem = f"{prefix}{number:05d}"
        root = ET.Element("Document", id=stem, source="GARD", url=f"https://example.test/{stem}")
        ET.SubElement(root, "Focus").text = name
        ET.SubElement(root, "FocusAnnotations")
        pairs = ET.SubElement(root, "QAPairs")
        for pid, (qtype, question, lead) in enumerate(SECTIONS, 1):
            pair = ET.SubElement(pairs, "QAPair", pid=str(pid))
            ET.SubElement(pair, "Question", qid=f"{stem}-{pid}", qtype=qtype).text = question.format(name=name)
            ET.SubElement(pair, "Answer").text = lead.format(name=name) + FILLER
        ET.ElementTree(root).write(collection / f"{stem}.xml", encoding="UTF-8", xml_declaration=True)


def build_base(path: Path, folder: Path, names: Sequence[str]) -> None:
    """A knowledge base of ``names`` with every vector, so that workers start without embedding."""
    from healthqa.answer.rank import build_vectors
    from healthqa.ingest import ingest_path
    from healthqa.retrieve.encoder import default_encoder
    from healthqa.store import SQLiteStore

    write_documents(folder, names, "9")
    store = SQLiteStore(path)
    try:
        report = ingest_path(store, folder)
        if not report.ok:
            raise RuntimeError(f"the base documents did not ingest: {report.failures[:3]}")
        build_vectors(store, default_encoder())
    finally:
        store.close()


def copy_db(source: Path, target: Path) -> None:
    """A consistent copy, WAL included (SQLite's backup API)."""
    with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as src, sqlite3.connect(target) as dst:
        src.backup(dst)


def questions_for(names: Sequence[str]) -> list[str]:
    return [q.format(name=name.lower()) for name in names[:40] for q in ("what causes {name}", "how is {name} treated")]


# --- which worker holds a connection -------------------------------------------------------------------

def worker_of(client_port: int, server_port: int, workers: Sequence[int]) -> int | None:
    """The worker process holding the server side of the connection from ``client_port`` (Linux /proc)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, remote = (int(address.rsplit(":", 1)[1], 16) for address in fields[1:3])
            if local == server_port and remote == client_port:
                inodes.add(f"socket:[{fields[9]}]")
    for pid in workers:
        try:
            descriptors = list(Path(f"/proc/{pid}/fd").iterdir())
        except OSError:
            continue
        for descriptor in descriptors:
            try:
                if os.readlink(descriptor) in inodes:
                    return pid
            except OSError:
                continue
    return None


# --- one run -------------------------------------------------------------------------------------------

@dataclass
class Run:
    port: int
    workers: list[int]
    questions: list[str]
    stop: threading.Event = field(default_factory=threading.Event)
    ingest_sent: float | None = None  # monotonic; None until the ingest is sent
    errors: Counter[str] = field(default_factory=Counter)
    answers: int = 0
    # (worker, time, from the new content) for every answer to NEW_QUESTION after the ingest was sent
    new_question: list[tuple[int | None, float, bool]] = field(default_factory=list)
    answered_before: int = 0  # NEW_QUESTION answered from content before the ingest: must stay 0
    connections: Counter[int | None] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def client(self, number: int) -> None:
        connection: http.client.HTTPConnection | None = None
        worker: int | None = None
        turn = number
        asked_new_before = False
        while not self.stop.is_set():
            if connection is None:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                worker = None
            sent = self.ingest_sent
            if sent is None and not asked_new_before:
                question, asked_new_before = NEW_QUESTION, True
            elif sent is not None and turn % 2 == 0:
                question = NEW_QUESTION
            else:
                question = self.questions[turn % len(self.questions)]
            turn += 1
            try:
                connection.request("GET", "/api/ask?" + urlencode({"q": question}))
                response = connection.getresponse()
                body = response.read()
            except (OSError, http.client.HTTPException) as error:
                with self.lock:
                    self.errors[type(error).__name__] += 1
                connection.close()
                connection = None
                continue
            if worker is None and connection.sock is not None:
                worker = worker_of(connection.sock.getsockname()[1], self.port, self.workers)
                with self.lock:
                    self.connections[worker] += 1
            now = time.monotonic()
            if response.status != 200:
                with self.lock:
                    self.errors[f"status {response.status}"] += 1
                continue
            answer = json.loads(body)
            new = not answer["abstained"] and any(item["title"] == NEW_TITLE for item in answer["answers"])
            with self.lock:
                self.answers += 1
                if question == NEW_QUESTION:
                    if sent is None:
                        self.answered_before += new
                    else:
                        self.new_question.append((worker, now, new))
            if response.will_close:
                connection.close()
                connection = None
        if connection is not None:
            connection.close()

    def settled(self) -> dict[int, float]:
        """Per worker, when its answers came from the new content for good: its first new one after its last old
        one (so far)."""
        with self.lock:
            events = sorted(self.new_question, key=lambda event: event[1])
        found: dict[int, float] = {}
        for worker, at, new in events:
            if worker is None:
                continue
            if not new:
                found.pop(worker, None)
            elif worker not in found:
                found[worker] = at
        return found


def ingest(port: int, token: str, folder: Path, timeout: float) -> tuple[int, dict[str, Any]]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(
            "POST", "/api/ingest", body=json.dumps({"paths": [str(folder)]}),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    try:
        data: dict[str, Any] = json.loads(body)
    except ValueError:
        data = {"body": body[:200].decode(errors="replace")}
    return response.status, data


def one_run(args: argparse.Namespace, base_db: Path, new_names: Sequence[str], questions: list[str]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="healthqa-load-ingest-") as scratch:
        root = Path(scratch) / "sources"
        new_folder = root / "new"
        write_documents(new_folder, new_names, "8")
        kb = Path(scratch) / "kb.db"
        copy_db(base_db, kb)
        token = secrets.token_urlsafe(32)
        # Server passes its own environment on: what the ingest needs goes there.
        os.environ.update({
            "HEALTHQA_ADMIN_TOKEN": token, "HEALTHQA_INGEST_ROOT": str(root), "HEALTHQA_SOURCES": str(root),
        })
        server = Server(kb, args.workers, Path(scratch) / "server.log")
        try:
            server.wait_ready()
            run = Run(server.port, server.worker_pids(), questions)
            clients = [threading.Thread(target=run.client, args=(n,), daemon=True) for n in range(args.clients)]
            for thread in clients:
                thread.start()
            time.sleep(args.before)
            run.ingest_sent = sent = time.monotonic()
            status, body = ingest(server.port, token, new_folder, args.limit)
            done = time.monotonic()
            if status != 200:
                run.errors[f"ingest status {status}"] += 1
            while time.monotonic() < done + args.limit and set(run.settled()) < set(run.workers):
                time.sleep(0.2)
            if set(run.settled()) >= set(run.workers):
                time.sleep(args.settle)  # a worker that goes back to the old content shows here
            run.stop.set()
            for thread in clients:
                thread.join(timeout=120)
            settled = run.settled()
            log_tail = server.log_tail(20)
        finally:
            server.stop()
    reached = {str(pid): round(settled[pid] - sent, 2) for pid in run.workers if pid in settled}
    all_reached = len(reached) == len(run.workers)
    return {
        "errors": sum(run.errors.values()), "errors_by_kind": dict(run.errors), "answers": run.answers,
        "ingest": {
            "status": status, "seconds": round(done - sent, 2), "reload_pending": body.get("reload_pending"),
            "documents_added": sum(r.get("documents_added", 0) for r in body.get("results", [])),
        },
        "workers": len(run.workers),
        "connections_per_worker": {str(pid): run.connections[pid] for pid in run.workers},
        "unidentified_connections": run.connections[None],
        "new_content_before_ingest": run.answered_before,
        "seconds_since_sent_per_worker": reached,
        "all_workers_new_since_sent": round(max(settled[p] for p in run.workers) - sent, 2) if all_reached else None,
        "all_workers_new_since_answer": (
            round(max(0.0, max(settled[p] for p in run.workers) - done), 2) if all_reached else None
        ),
        "server_log_tail": log_tail if run.errors or not all_reached else "",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, help="a knowledge base to copy (default: a small made-up one)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=6)
    parser.add_argument("--before", type=float, default=10.0, help="seconds of questions before the ingest")
    parser.add_argument("--limit", type=float, default=60.0, help="seconds to wait for the new content")
    parser.add_argument("--settle", type=float, default=3.0, help="seconds of questions once every worker has it")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--answer-cache", type=int, default=0, help="HEALTHQA_ANSWER_CACHE of the workers (default 0: "
                                                                     "every question is encoded, as in the issue)")
    parser.add_argument("--base-docs", type=int, default=60)
    parser.add_argument("--new-docs", type=int, default=100, help="new documents ingested (the first answers "
                                                                  "the new question)")
    args = parser.parse_args()
    os.environ["HEALTHQA_RATE_LIMIT"] = "0"
    os.environ["HEALTHQA_ANSWER_CACHE"] = str(args.answer_cache)
    names = condition_names(args.base_docs + args.new_docs, seed=21)
    base_names, new_names = names[:args.base_docs], [NEW_TITLE, *names[args.base_docs:]][:args.new_docs]
    with tempfile.TemporaryDirectory(prefix="healthqa-load-ingest-base-") as scratch:
        if args.db is not None:
            base_db = args.db
            from healthqa.store import SQLiteStore

            store = SQLiteStore(base_db)
            try:  # every 50th stored question: a spread over the sources, each answered by the old content
                questions = [record.text for n, record in enumerate(store.iter_questions()) if n % 50 == 0][:80]
            finally:
                store.close()
        else:
            base_db = Path(scratch) / "base.db"
            start = time.monotonic()
            build_base(base_db, Path(scratch) / "base", base_names)
            print(f"base knowledge base: {len(base_names)} documents in {time.monotonic() - start:.0f}s",
                  file=sys.stderr)
            questions = questions_for(base_names)
        runs = []
        for number in range(1, args.runs + 1):
            result = one_run(args, base_db, new_names, questions)
            runs.append(result)
            print(f"run {number}: {result['errors']} errors {result['errors_by_kind']}, {result['answers']} answers; "
                  f"ingest {result['ingest']['status']} in {result['ingest']['seconds']}s "
                  f"(reload_pending {result['ingest']['reload_pending']}); every worker on the new content "
                  f"{result['all_workers_new_since_sent']}s after it was sent, "
                  f"{result['all_workers_new_since_answer']}s after its answer; per worker "
                  f"{result['seconds_since_sent_per_worker']}, connections {result['connections_per_worker']}",
                  file=sys.stderr)
    reached = [r["all_workers_new_since_answer"] for r in runs if r["all_workers_new_since_answer"] is not None]
    failed = any(
        r["errors"] or r["all_workers_new_since_answer"] is None or r["new_content_before_ingest"]
        or not all(r["connections_per_worker"].values())
        for r in runs
    )
    summary = {
        "workers": args.workers, "clients": args.clients, "new_docs": len(new_names), "runs": runs,
        "errors": sum(r["errors"] for r in runs), "answers": sum(r["answers"] for r in runs),
        "runs_with_every_worker_on_new_content": len(reached),
        "median_all_workers_new_since_answer": statistics.median(reached) if reached else None,
        "median_all_workers_new_since_sent": statistics.median(
            r["all_workers_new_since_sent"] for r in runs if r["all_workers_new_since_sent"] is not None
        ) if reached else None,
        "median_ingest_seconds": statistics.median(r["ingest"]["seconds"] for r in runs),
        "ok": not failed,
    }
    print(json.dumps(summary, indent=2))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
