"""Load and crash test of the communities (issue 20): readers and writers against ``healthqa serve``, killed with
SIGKILL mid-run and restarted; every acknowledged post must be in the community file afterwards.

Writes a one-condition knowledge base and a community file in a temporary folder, makes the accounts through the
library (readers get session cookies, writers personal tokens; writers are moderators, so the new-account
posting limits do not apply), starts ``healthqa serve``, then runs ``--readers`` clients that read a discussion
page (``GET /community/d/{id}``, HTML, with healthqa's answer beside it) and ``--writers`` clients that reply to
it (``POST /api/community/discussions/{id}/replies``), all in a loop for ``--seconds`` of serving. Halfway
through, the server's whole process group is killed with SIGKILL and started again (the model loads again: many
seconds), then the second half runs; requests that fail while it is down are counted apart from errors at any
other time. Prints one JSON object.

    nice .venv/bin/python benchmarks/community_load.py --readers 200 --writers 20 --seconds 60
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import httpx
from argon2 import PasswordHasher

from healthqa.community import Community
from healthqa.records import ParsedDocument, Passage, QAPair, SectionType, SourceInfo, Tier
from healthqa.store import SQLiteStore

GARD = SourceInfo("GARD", "NIH", "https://rarediseases.test", "CC BY 4.0", Tier.GOVERNMENT_REVIEWED)
INHERITANCE = ("While the condition is not known to follow a specific pattern of inheritance, there appears to be "
               "a genetic predisposition to autoimmune diseases in general.")


def build_kb(path: Path) -> None:
    passages = [Passage(INHERITANCE, SectionType.INHERITANCE, "LEMS_Sec1.txt", heading="Is LEMS genetic?",
                        updated="2020-05-01")]
    questions = [QAPair("Is Lambert-Eaton myasthenic syndrome genetic?", SectionType.INHERITANCE, "LEMS_Sec1.txt",
                        answer_id="LEMS_Sec1.txt")]
    document = ParsedDocument(source=GARD, key="lems", title="Lambert-Eaton myasthenic syndrome",
                              url="https://site.test/lems", focus=["Lambert-Eaton myasthenic syndrome"],
                              synonyms=["LEMS"], passages=passages, questions=questions, updated="2020-05-01")
    store = SQLiteStore(path)
    with store.ingest() as tx:
        tx.put_document(document)
    store.close()


def start_server(kb: Path, people: Path, port: int, log: Path, workers: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "HEALTHQA_DB": str(kb), "HEALTHQA_COMMUNITY_DB": str(people), "HEALTHQA_RATE_LIMIT": "0"}
    with log.open("ab") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "healthqa", "serve", "--host", "127.0.0.1", "--port", str(port),
             "--workers", str(workers)], env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 300
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
                if response.status == 200:
                    return process
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"the server did not start:\n{log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.2)


class Tally:
    def __init__(self) -> None:
        self.reads = self.writes = 0
        self.errors: list[str] = []
        self.down_errors = 0
        self.acknowledged: list[int] = []
        self.read_seconds: list[float] = []
        self.down = False
        self.started = time.monotonic()
        self.stop = 0.0  # when the clients stop: moved on after the restart, so the run has its full length


async def reader(client: httpx.AsyncClient, url: str, cookie: str, tally: Tally) -> None:
    while tally.down or time.monotonic() < tally.stop:
        started, was_down = time.monotonic(), tally.down
        try:
            response = await client.get(url, cookies={"hq_session": cookie})
            if response.status_code != 200 or "Answers from trusted sources" not in response.text:
                raise RuntimeError(f"read {response.status_code}")
            tally.reads += 1
            tally.read_seconds.append(time.monotonic() - started)
        except (httpx.HTTPError, RuntimeError) as error:
            if was_down or tally.down:
                tally.down_errors += 1
                await asyncio.sleep(0.2)
            else:
                at = time.monotonic() - tally.started
                tally.errors.append(f"{type(error).__name__} at {at:.1f} s: {error}"[:300])


async def writer(client: httpx.AsyncClient, url: str, token: str, tally: Tally, number: int) -> None:
    count = 0
    while tally.down or time.monotonic() < tally.stop:
        count += 1
        was_down = tally.down
        try:
            response = await client.post(url, json={"text": f"Writer {number}, reply {count}."},
                                         headers={"Authorization": f"Bearer {token}"})
            if response.status_code != 201:
                raise RuntimeError(f"write {response.status_code}: {response.text[:200]}")
            tally.acknowledged.append(int(response.json()["id"]))
            tally.writes += 1
        except (httpx.HTTPError, RuntimeError) as error:
            if was_down or tally.down:
                tally.down_errors += 1
                await asyncio.sleep(0.2)
            else:
                at = time.monotonic() - tally.started
                tally.errors.append(f"{type(error).__name__} at {at:.1f} s: {error}"[:300])


async def run(args: argparse.Namespace) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix="community-load-"))
    kb, people, log = folder / "kb.db", folder / "people.db", folder / "server.log"
    build_kb(kb)
    community = Community.open(people, hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    accounts = []
    for number in range(max(args.readers, args.writers)):
        email = f"person{number}@example.org"
        community.accounts.sign_up(email, f"Person {number}", "correct horse battery", True, "http://x")
        token = next(m.body.split("token=")[1].split()[0] for m in community.mailer.outbox(1))
        accounts.append(community.accounts.verify(token))
    writers = [community.accounts.set_moderator(a.email, True) for a in accounts[:args.writers]]
    place = community.discussions.join(writers[0], "ORPHA:43393", "Lambert-Eaton myasthenic syndrome")
    for account in accounts[1:]:
        community.discussions.join(account, place.condition_ref, place.name)
    opening = community.discussions.start(writers[0], place.id, "Is LEMS inherited?", "Is it inherited?")
    cookies = [community.accounts.new_session(a.id) for a in accounts[:args.readers]]
    tokens = [community.accounts.new_personal_token(w, "load") for w in writers]
    community.close()
    port = args.port
    server = start_server(kb, people, port, log, args.workers)
    tally = Tally()
    base = f"http://127.0.0.1:{port}"
    limits = httpx.Limits(max_connections=args.readers + args.writers + 10)
    started = tally.started = time.monotonic()
    tally.stop = started + args.seconds
    async with httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as client:
        tasks = [asyncio.create_task(reader(client, f"/community/d/{opening.id}", cookie, tally))
                 for cookie in cookies]
        tasks += [asyncio.create_task(writer(client, f"/api/community/discussions/{opening.id}/replies", token, tally,
                                             number)) for number, token in enumerate(tokens)]
        await asyncio.sleep(args.seconds / 2)
        acknowledged_before_kill = len(tally.acknowledged)
        tally.down = True
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()
        killed_at = time.monotonic() - started
        server = await asyncio.to_thread(start_server, kb, people, port, log, args.workers)
        tally.down = False
        restarted_after = time.monotonic() - started - killed_at
        tally.stop = time.monotonic() + args.seconds / 2  # the second half runs on the restarted server
        acknowledged_at_restart = len(tally.acknowledged)
        await asyncio.gather(*tasks)
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=60)
    stored = {row[0] for row in sqlite3.connect(people).execute("SELECT id FROM posts")}
    lost = sorted(set(tally.acknowledged) - stored)
    reads = sorted(tally.read_seconds)
    return {
        "readers": args.readers, "writers": args.writers, "seconds": args.seconds, "workers": args.workers,
        "reads": tally.reads, "writes_acknowledged": tally.writes, "errors": len(tally.errors),
        "error_examples": tally.errors[:5], "failed_while_down": tally.down_errors,
        "acknowledged_before_kill": acknowledged_before_kill, "killed_at_s": round(killed_at, 1),
        "restart_s": round(restarted_after, 1), "serving_again_at_s": round(killed_at + restarted_after, 1),
        "acknowledged_lost": len(lost),
        "acknowledged_after_restart": len(tally.acknowledged) - acknowledged_at_restart,
        "read_p50_ms": round(1000 * reads[len(reads) // 2]) if reads else None,
        "read_p95_ms": round(1000 * reads[int(len(reads) * 0.95)]) if reads else None,
        "cpus": os.cpu_count(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--readers", type=int, default=200)
    parser.add_argument("--writers", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--port", type=int, default=8765)
    print(json.dumps(asyncio.run(run(parser.parse_args())), indent=2))


if __name__ == "__main__":
    main()
