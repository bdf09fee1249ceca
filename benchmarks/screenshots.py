"""Screenshots of what a person sees: the answer, condition, symptom and emergency pages at phone and desktop widths.

Builds a small knowledge base from the three seed pages (``shared/seeds``) and, where ``shared/data`` is there,
the MedQuAD files, judged answers and Orphanet records about LEMS, flu and metformin; serves it with
``healthqa serve``; and has Chromium (Debian's, through Playwright) save full-page PNGs at 390 px (a phone) and
1280 px (a desktop) into ``--out`` (default ``test-output/screenshots``). It also measures the LEMS condition page
with its sections collapsed, in phone screens of 390 x 844 px, and prints a JSON summary.

    .venv/bin/python benchmarks/screenshots.py [--data ../shared/data] [--seeds ../shared/seeds] [--out DIR]
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO_ROOT.parent / "shared" / "data"
DEFAULT_SEEDS = REPO_ROOT.parent / "shared" / "seeds"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
# The MedQuAD topics the pages show: LEMS (the seeds' condition), flu (a list kept as a list) and metformin (a
# drug page MedQuAD ships without answers: the honest gap).
_TOPIC = re.compile(r"Lambert|<Focus>(Flu|Metformin)</Focus>")
_ORPHANET = re.compile(r'"Label"\s*:\s*"[^"]*(Lambert|yasthenic)', re.IGNORECASE)
PAGES: list[tuple[str, str]] = [
    ("answer", "/?" + urlencode({"q": "Is LEMS inherited?"})),
    ("answer-list", "/?" + urlencode({"q": "What are the symptoms of flu?"})),
    ("answer-gap", "/?" + urlencode({"q": "What are the side effects of metformin?"})),
    ("condition", "/diseases/LEMS"),
    ("symptoms", "/symptoms?" + urlencode({"q": "weak legs, dry mouth, droopy eyelids"})),
    ("emergency", "/?" + urlencode({"q": "My child swallowed bleach, what do I do?"})),
]


def extract_sources(data: Path, seeds: Path, folder: Path) -> list[Path]:
    """The folders to ingest: the seeds, and the extracts of ``data`` about the pages' topics (when present)."""
    sources = [seeds]
    medquad = data / "medquad"
    if medquad.is_dir():
        stems: list[str] = []
        for file in sorted(medquad.glob("*/*.xml")):
            text = file.read_text(encoding="utf-8", errors="replace")
            if _TOPIC.search(text):
                target = folder / "medquad" / file.parent.name / file.name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf-8")
                stems.append(f"_{file.stem}_Sec")
        sources.append(folder / "medquad")
        judged = data / "liveqa-med-2017" / "judged-answers-medquad.csv"
        if judged.is_file():
            with judged.open(encoding="utf-8", newline="") as handle:
                rows = list(csv.reader(handle))
            kept = [rows[0], *(row for row in rows[1:] if any(stem in row[0] for stem in stems))]
            (folder / "judged").mkdir()
            with (folder / "judged" / "judged-answers-medquad.csv").open("w", encoding="utf-8", newline="") as out:
                csv.writer(out).writerows(kept)
            sources.append(folder / "judged")
    packets = data / "orphanet" / "orphapackets-2025-12.jsonl.gz"
    if packets.is_file():
        with gzip.open(packets, "rt", encoding="utf-8") as handle:
            lines = [line for line in handle if _ORPHANET.search(line[:600])]
        (folder / "orphanet").mkdir()
        (folder / "orphanet" / "packets.jsonl.gz").write_bytes(gzip.compress("".join(lines).encode("utf-8")))
        sources.append(folder / "orphanet")
    return sources


def build(kb: Path, sources: list[Path]) -> None:
    from healthqa.ingest import ingest_path
    from healthqa.store import SQLiteStore

    store = SQLiteStore(kb)
    try:
        for source in sources:
            report = ingest_path(store, source)
            if not report.ok:
                raise SystemExit(f"ingest of {source} failed: {report.failures}")
    finally:
        store.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_healthy(url: str, process: subprocess.Popen[bytes], timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"healthqa serve exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit("healthqa serve did not become healthy")


def shoot(url: str, out: Path) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    summary: dict[str, Any] = {"pages": {}}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            for width_name, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
                page = browser.new_page(viewport=viewport)
                for name, path in PAGES:
                    page.goto(url + path)
                    height = page.evaluate("document.documentElement.scrollHeight")
                    file = out / f"{name}-{width_name}.png"
                    page.screenshot(path=str(file), full_page=True)
                    summary["pages"][f"{name}-{width_name}"] = {"file": str(file), "height_px": height}
                page.close()
            # The condition page on a phone, sections collapsed (as it opens): its height in phone screens.
            page = browser.new_page(viewport=PHONE)
            page.goto(url + "/diseases/LEMS")
            open_sections = page.evaluate("document.querySelectorAll('details[open]').length")
            height = page.evaluate("document.documentElement.scrollHeight")
            summary["lems_phone"] = {"height_px": height, "screens": round(height / PHONE["height"], 2),
                                     "open_sections": open_sections}
            page.close()
        finally:
            browser.close()
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--seeds", type=Path, default=DEFAULT_SEEDS)
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "test-output" / "screenshots")
    args = parser.parse_args()
    if not args.seeds.is_dir():
        raise SystemExit(f"the seed pages are not at {args.seeds} (give --seeds)")
    if not CHROMIUM.exists():
        raise SystemExit(f"{CHROMIUM} is missing: apt-get install -y chromium")
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        sources = extract_sources(args.data, args.seeds, folder / "sources")
        kb = folder / "kb.db"
        started = time.monotonic()
        build(kb, sources)
        port = free_port()
        env = {**os.environ, "HEALTHQA_DB": str(kb), "HEALTHQA_RATE_LIMIT": "0"}
        log = (folder / "server.log").open("wb")
        process = subprocess.Popen(
            [sys.executable, "-m", "healthqa", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            wait_healthy(url, process)
            ready_s = round(time.monotonic() - started, 1)
            summary = shoot(url, args.out)
        finally:
            process.terminate()
            process.wait(timeout=30)
            log.close()
    summary["knowledge_base"] = {"sources": [s.name for s in sources], "built_and_served_in_s": ready_s}
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
