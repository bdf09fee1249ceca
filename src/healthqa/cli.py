"""The ``healthqa`` command: a thin layer over the library."""

from __future__ import annotations

import dataclasses
import json
import shlex
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import click
from tqdm import tqdm

from healthqa.cli_admin import admin_commands
from healthqa.cli_common import db_option
from healthqa.cli_common import fail as _fail
from healthqa.cli_common import open_or_exit as _open
from healthqa.errors import ConfigError, HealthQAError, NotFoundError
from healthqa.store import DocumentRecord, PassageRecord, Store, document_by_former_number
from healthqa.store.base import public_document, public_passage


class _Printable(Protocol):
    def to_json(self) -> dict[str, Any]: ...

    def lines(self) -> list[str]: ...


def _print_result(result: _Printable, as_json: bool) -> None:
    """A library result as JSON, or as its lines for people."""
    if as_json:
        click.echo(json.dumps(result.to_json(), indent=2, ensure_ascii=False))
        return
    for line in result.lines():
        click.echo(line)


def _progress_bar(label: str) -> Callable[[int], Callable[[], None]]:
    def start(total: int) -> Callable[[], None]:
        # tqdm hides itself when stderr is not a terminal (disable=None), so logs stay clean.
        bar = tqdm(total=total, desc=label, unit="file", disable=None, leave=False, file=sys.stderr)

        def tick() -> None:
            bar.update(1)
            if bar.n >= total:
                bar.close()

        return tick

    return start


@click.group()
@click.version_option(package_name="healthqa")
def main() -> None:
    """healthqa: answers to health questions, quoted from trusted sources."""


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--format", "format_", default=None, help="Force a reader (medquad, judged-csv, mediqa, webpage)."
)
@db_option
def ingest(paths: tuple[Path, ...], format_: str | None, db: str | None) -> None:
    """Ingest files or folders of trusted sources into the knowledge base.

    Each PATH is one transaction. A bad file is reported on one line and skipped; the exit
    status is 1 when any file failed.
    """
    from healthqa.ingest import ingest_path

    store = _open(db)
    failed = False
    try:
        for path in paths:
            try:
                report = ingest_path(store, path, format=format_, progress=_progress_bar(path.name))
            except HealthQAError as error:
                click.echo(f"error: {error}", err=True)
                failed = True
                continue
            for failure in report.failures:
                click.echo(f"error: {failure}", err=True)
            stats = report.stats
            click.echo(
                f"{path}: {report.files} files, {stats.documents_added} documents added, "
                f"{stats.documents_replaced} replaced, {stats.documents_removed} removed, "
                f"{stats.documents_unchanged + stats.files_skipped_unchanged} unchanged, "
                f"{len(report.failures)} failed"
            )
            failed = failed or not report.ok
        _prepare_generation(db, store)
    finally:
        store.close()
    if failed:
        sys.exit(1)


def _prepare_generation(db: str | None, store: Store) -> None:
    """An ingest's last step (healthqa.app.generation.prepare), with the embedding's progress said in lines."""
    from healthqa.app import embed_first, generation
    from healthqa.retrieve.encoder import Encoder

    embed_first(db, lambda line: click.echo(line, err=True), quiet_below=EMBED_QUIETLY_BELOW)
    try:
        generation.prepare(store, Encoder())  # the query models, the derived indexes
    except HealthQAError as error:  # the knowledge base is saved; the next start builds what is missing
        click.echo(f"warning: the derived indexes were not written: {error}", err=True)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
@db_option
def sources(as_json: bool, db: str | None) -> None:
    """List the sources in the knowledge base with their counts and newest date."""
    store = _open(db)
    try:
        summaries = store.sources()
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps([dataclasses.asdict(s) for s in summaries], indent=2))
        return
    if not summaries:
        click.echo("The knowledge base is empty: run `healthqa ingest PATH`.")
        return
    for s in summaries:
        click.echo(
            f"{s.name} [{s.tier}] {s.documents} documents, {s.passages} passages, {s.questions} questions, "
            f"newest {s.newest or 'undated'} - {s.licence}"
        )


def _passage_json(record: PassageRecord) -> dict[str, Any]:
    return public_passage(record)


def _document_json(record: DocumentRecord) -> dict[str, Any]:
    return public_document(record, with_origin=True)


@main.command()
@click.argument("ref")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@db_option
def show(ref: str, as_json: bool, db: str | None) -> None:
    """Show a passage (by its public id) or a document (by its key) with its provenance."""
    store = _open(db)
    try:
        try:
            passage = store.passage(ref)
        except NotFoundError:
            try:
                document = store.document(ref)
            except NotFoundError:
                numbered = document_by_former_number(store, ref)
                if numbered is None:
                    _fail(NotFoundError(f"no passage or document with id {ref!r}"))
                # A row number changes when the document is re-ingested: name the key, which does not.
                click.echo(f"note: {ref} is a document number, which changes when the knowledge base is "
                           f"re-ingested; this document's key is {numbered.key}: "
                           f"healthqa show {shlex.quote(numbered.key)}", err=True)
                document = numbered
            _print_document(document, as_json)
            return
        _print_passage(passage, as_json)
    finally:
        store.close()


def _print_passage(p: PassageRecord, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(_passage_json(p), indent=2))
        return
    click.echo(f"{p.public_id} - {p.section}")
    click.echo(f"From: {p.title} ({p.source}, {p.tier.replace('_', ' ')}), dated {p.updated or 'undated'}")
    if p.url:
        click.echo(f"Link: {p.url}")
    click.echo(f"Licence: {p.licence}")
    if p.heading:
        click.echo(f"\n{p.heading}")
    click.echo(f"\n{p.text}")


def _print_document(d: DocumentRecord, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(_document_json(d), indent=2))
        return
    click.echo(f"{d.title}  [{d.key}]")
    click.echo(f"Source: {d.source} ({d.tier.replace('_', ' ')}); licence: {d.licence}")
    click.echo(f"Updated: {d.updated or 'undated'}" + (f"; reviewed by {d.reviewer}" if d.reviewer else ""))
    if d.url:
        click.echo(f"Link: {d.url}")
    other_names = [name for name, kind in d.names if kind != "title"]
    if other_names:
        click.echo("Also called: " + "; ".join(other_names))
    if d.codes:
        click.echo("Codes: " + ", ".join(f"{system}:{code}" for system, code in d.codes))
    for p in d.passages:
        click.echo(f"\n## {p.heading or p.section} ({p.section}; {p.public_id}; {p.updated or 'undated'})")
        click.echo(p.text)
    for o in d.organisations:
        click.echo(f"\nOrganisation: {o.name}; {o.address}; {o.phone}; {o.email}; {o.url}".rstrip("; "))
    for m in d.drugs:
        click.echo(f"Drug: {m.brand} (generic: {m.generic})")
    if d.references:
        click.echo("\nReferences:")
        for ref in d.references:
            click.echo(f"- {ref}")


@main.command()
@click.argument("name", type=click.Choice(["medquad", "orphanet"]))
@click.option("--url", default=None, help="Download from this URL instead of the publisher's.")
@click.option(
    "--dest", type=click.Path(path_type=Path), default=None, help="Sources folder (default: HEALTHQA_SOURCES)"
)
def fetch(name: str, url: str | None, dest: Path | None) -> None:
    """Download a public data release into the sources folder, verified, never half-written."""
    from healthqa.ingest.fetch import fetch as fetch_release

    bar = tqdm(desc=name, unit="B", unit_scale=True, disable=None, leave=False, file=sys.stderr)

    def progress(done: int, total: int | None) -> None:
        bar.total = total
        bar.update(done - bar.n)

    try:
        folder = fetch_release(name, dest, url=url, progress=progress)
    except HealthQAError as error:
        bar.close()
        _fail(error)
    bar.close()
    click.echo(f"{name}: {folder}")


# Fewer passages than this embed in seconds: the CLI says nothing about them (its stderr stays quiet).
EMBED_QUIETLY_BELOW = 2000


def _answerer(db: str | None, semantic: bool = True, in_memory: bool = False) -> Any:
    from healthqa.answer.answerer import Answerer
    from healthqa.retrieve.encoder import MODEL_NAME

    store = _open(db)
    try:
        if semantic and store.vector_texts_missing(MODEL_NAME):
            # Not prepared by an ingest of this version: embedded first, as an ingest would (minutes for a large
            # knowledge base, said in a few lines). healthqa.app is slow to import: only then.
            from healthqa.app import embed_first

            embed_first(db, lambda line: click.echo(line, err=True), quiet_below=EMBED_QUIETLY_BELOW)
        return Answerer(store, semantic=semantic, in_memory=in_memory)
    except HealthQAError as error:
        _fail(error)


@main.command()
@click.argument("question")
@click.option("--json", "as_json", is_flag=True, help="Print the answer object as JSON.")
@click.option("--top", default=3, show_default=True, help="How many passages to quote.")
@db_option
def ask(question: str, as_json: bool, top: int, db: str | None) -> None:
    """Answer QUESTION with quoted, cited passages, or say that no trusted answer was found."""
    from healthqa.answer.fact_sentences import fact_sentence
    from healthqa.answer.wording import NO_ANSWER

    answerer = _answerer(db)
    answer = answerer.ask(question, top=top)
    if as_json:
        click.echo(json.dumps(answer.to_json(), indent=2, ensure_ascii=False))
        return
    if answer.emergency:
        # One action a line, the most likely first for what the question describes (as on the web page).
        click.secho("EMERGENCY: this may be an emergency.", fg="red", bold=True)
        for action in answer.emergency_actions:
            click.secho(f"  - {action.label}: {action.number}. {action.when}", fg="red", bold=True)
        click.echo()
    focus = ", ".join(answer.focus) or "not recognised"
    click.echo(f"Understood: about {focus}; question type: {answer.type}\n")
    if answer.abstained:
        click.echo(f"{NO_ANSWER} {answer.reason}")
    if answer.mentioned:  # no page is about what the question names; the passages only mention it
        click.echo(answer.mentioned + "\n")
    if answer.gap:  # no passage shown answers the type asked: say so, with where the trusted source has it
        click.echo(answer.gap.wording)
        for page in answer.gap.pages:
            click.echo(f"  The trusted source has it at: {page.source}, {page.title}: {page.url}")
        click.echo()
    for number, item in enumerate(answer.answers, 1):
        click.secho(f"[{number}] {item.title} - {item.section}", bold=True)
        link = f"; {item.url}" if item.url else ""
        date = item.date or "date not given by the source"
        click.echo(f"    {item.source} ({item.tier.replace('_', ' ')}), {date}{link}")
        click.echo(f"    id {item.id}, score {item.score}")
        if item.key_sentences and not answer.gap:
            click.echo("    In short (quoted): " + " ".join(" ".join(s.split()) for s in item.key_sentences))
        click.echo("    " + "\n    ".join(_wrap(item.text)) + "\n")
    for listed in answer.structured:  # organisations, drug-table rows: the page's words under our labels
        click.secho(f"{listed.label} - {listed.title}", bold=True)
        for label, value in listed.labelled:
            click.echo(f"    {label}: {value}")
        click.echo(f"    {listed.source}, {listed.date or 'date not given by the source'}; {listed.cited_as}\n")
    for fact in answer.facts:  # a plain sentence around the catalogue's value, never a bare code
        click.echo(f"{fact_sentence(fact, fact.title)} - {fact.title}, {fact.attribution}")
    if answer.related:
        click.echo("Related questions:")
        for related in answer.related:
            click.echo(f"  - {related.question}")
    click.echo(f"\n{answer.disclaimer}")


def _wrap(text: str, width: int = 100) -> list[str]:
    """``text`` wrapped at ``width``, its paragraphs and list items (see text_blocks) each on their own lines."""
    import textwrap

    from healthqa.answer.wording import plain_lines

    lines: list[str] = []
    for paragraph in plain_lines(text) or [""]:
        indent = "    " if paragraph.startswith("  - ") else ""
        lines += textwrap.wrap(paragraph, width, subsequent_indent=indent) or [""]
    return lines


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--top", default=10, show_default=True)
@click.option("--format", "format_", type=click.Choice(["trec", "jsonl"]), default="trec", show_default=True)
@db_option
def batch(file: Path, top: int, format_: str, db: str | None) -> None:
    """Answer one question per line of FILE ({"id": ..., "question": ...}); print a TREC run or JSON lines."""
    questions: list[tuple[str, str]] = []
    with file.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                questions.append((str(record["id"]), str(record["question"])))
            except (json.JSONDecodeError, KeyError, TypeError) as error:
                _fail(HealthQAError(f"{file}:{number}: not a {{\"id\", \"question\"}} JSON object ({error})"))
    # In-memory full-text indexes take seconds to build and save tens of milliseconds per question.
    answerer = _answerer(db, in_memory=len(questions) > 100)
    for qid, question in questions:
        if format_ == "trec":
            for rank, (public_id, score) in enumerate(answerer.rank_ids(question, top), 1):
                click.echo(f"{qid} Q0 {public_id} {rank} {score:.4f} healthqa")
        else:
            answer = answerer.ask(question, top=top)
            click.echo(json.dumps({"id": qid, **answer.to_json()}, ensure_ascii=False))


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def rerank(file: Path) -> None:
    """Re-rank the candidate answers of a MEDIQA 2019 QA file; print QID,AID,LABEL lines in healthqa's order."""
    from healthqa.mediqa.rerank import rerank_file

    try:
        rows = rerank_file(file)
    except HealthQAError as error:
        _fail(error)
    for qid, aid, label in rows:
        click.echo(f"{qid},{aid},{label}")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="Port.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64), help="Worker processes.")
@db_option
def serve(host: str, port: int, workers: int, db: str | None) -> None:
    """Serve the HTTP API and the web pages (settings: the HEALTHQA_* environment variables)."""
    import functools
    import os

    import uvicorn

    from healthqa.app import create_app
    from healthqa.app.server.protocol import server_options
    from healthqa.config import Settings, database_url

    try:
        settings = Settings.from_env()
    except HealthQAError as error:
        _fail(error)
    target = db or database_url()
    # Questions never appear here, nor in the access log (paths only, no query strings).
    click.echo(f"healthqa: serving {target} on http://{host}:{port} with {workers} worker(s)", err=True)
    log_config = _serve_log_config()
    # uvicorn would believe X-Forwarded-For from 127.0.0.1 (FORWARDED_ALLOW_IPS): the guard decides instead,
    # from HEALTHQA_TRUSTED_PROXIES (healthqa.app.ratelimit).
    if workers == 1:
        # It listens at once; until ready, each request is told "healthqa is getting ready" (503).
        app = create_app(target, settings, ready_in_background=True)
        uvicorn.run(app, host=host, port=port, access_log=False, log_config=log_config, proxy_headers=False,
                    **server_options())
        return
    import logging.config

    from healthqa.app.server import workers as server_workers

    os.environ["HEALTHQA_DB"] = target  # the workers build their app from the environment
    options: dict[str, Any] = {"app": "healthqa.app:app_from_env", "factory": True, "access_log": False,
                               "log_config": log_config, "proxy_headers": False, **server_options()}
    if not server_workers.available():
        uvicorn.run(host=host, port=port, workers=workers, **options)
        return
    logging.config.dictConfig(log_config)
    try:
        sock = server_workers.listening_socket(host, port)
    except OSError as error:
        _fail(ConfigError(f"cannot listen on {host}:{port}: {error.strerror or error}"))
    bound_host, bound_port = sock.getsockname()[:2]
    click.echo(f"healthqa: listening on http://{bound_host}:{bound_port} ({workers} workers)", err=True)
    with server_workers.shared_lock("first-embedding") as first_embedding:
        # Each worker listens at once and answers "healthqa is getting ready" (503) until its app is ready;
        # the first to take the lock embeds the passages missing a vector, the others then find none missing.
        options["app"] = functools.partial(create_app, target, getting_ready_page=True,
                                           first_embedding_lock=first_embedding)
        pool = server_workers.Workers(sock, workers, options)
        pool.run()
    if pool.failed:
        sys.exit(3)


def _serve_log_config() -> dict[str, Any]:
    """uvicorn's logging, plus healthqa's own loggers (the access log: method, route template, status, duration)."""
    import copy

    from uvicorn.config import LOGGING_CONFIG

    config: dict[str, Any] = copy.deepcopy(LOGGING_CONFIG)
    config["loggers"]["healthqa"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    # Every line written (uvicorn's own included) escapes the values it quotes: no request can forge a line.
    config.setdefault("filters", {})["escape"] = {"()": "healthqa.app.logsafe.EscapeFilter"}
    for handler in config["handlers"].values():
        handler["filters"] = [*handler.get("filters", []), "escape"]
    return config


@main.command()
@click.argument("text", required=False, default="")
@click.option("--terms", default="", help="HPO ids to use instead of the text, e.g. HP:0000217,HP:0000508.")
@click.option("--top", default=10, show_default=True, type=click.IntRange(1, 100), help="How many to show.")
@click.option("--json", "as_json", is_flag=True, help="Print {terms, diseases} as JSON.")
@db_option
def symptoms(text: str, terms: str, top: int, as_json: bool, db: str | None) -> None:
    """Rare conditions whose recorded features (Orphanet) overlap the symptoms in TEXT.

    TEXT is mapped to Human Phenotype Ontology terms and the mapping is shown; correct it with --terms.
    This is information to discuss with a doctor, not a diagnosis. When a trusted source says that one of
    the first five conditions needs urgent care, its sentence is quoted first, with whom to call.
    """
    from healthqa.conditions import index_for
    from healthqa.symptoms.search import search_symptoms

    if not text.strip() and not terms.strip():
        _fail(HealthQAError("give a description of the symptoms, or HPO ids with --terms"))
    store = _open(db)
    try:
        # The condition index links other sources' pages to Orphanet's disorders, for the urgency marks.
        ids = [t for t in terms.split(",") if t.strip()]
        result = search_symptoms(store, text, ids, top, conditions=index_for(store))
    except HealthQAError as error:
        _fail(error)
    finally:
        store.close()
    _print_result(result, as_json)


@main.command()
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print the record as JSON.")
@click.option("--features", default=10, show_default=True, type=click.IntRange(0, 200),
              help="How many recorded clinical features to show.")
@db_option
def disease(name: str, as_json: bool, features: int, db: str | None) -> None:
    """Everything the sources say about one condition, source by source and section by section.

    NAME is a name or synonym ("Eaton-Lambert syndrome"), an abbreviation ("LEMS"), a code ("ORPHA:43393",
    "OMIM:245550") or a document key ("medquad:GARD_0003459"). Every passage is quoted with its source and
    date; where the sources agree, disagree or have gone out of date is shown at the end.
    """
    from healthqa.conditions import disease_record

    store = _open(db)
    try:
        record = disease_record(store, name, phenotypes=features)
    except HealthQAError as error:
        _fail(error)
    finally:
        store.close()
    _print_result(record, as_json)


# The administrators' commands (communities, moving a knowledge base) live in healthqa.cli_admin.
for _command in admin_commands():
    main.add_command(_command)
