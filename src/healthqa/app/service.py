"""What the HTTP layer needs from the library: one knowledge base, one Answerer, one symptom index and one
disease index per process."""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import threading
import time
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import anyio

from healthqa.answer.answerer import Answer, Answerer
from healthqa.app import generation as generation_parts
from healthqa.app.api.condition_search import NameSearch, candidates_for
from healthqa.app.api.symptom_search import NO_PHENOTYPES, SymptomQuery, SymptomSearch, run_symptom_query
from healthqa.app.errors import ApiError
from healthqa.app.ingest_paths import IngestGate, IngestTimedOut, confine, ingest_root, timed_out
from healthqa.app.inputs import clean_question
from healthqa.conditions import (
    Candidate,
    ConditionNotFoundError,
    DiseaseIndex,
    DiseaseRecord,
    disease_record,
)
from healthqa.config import Settings
from healthqa.errors import BadInputError, HealthQAError, NotFoundError
from healthqa.ingest import IngestLimits, StopSignal
from healthqa.retrieve.encoder import default_encoder
from healthqa.store import DocumentRecord, Store, document_by_former_number, open_store
from healthqa.symptoms.rerank import disorder_facts
from healthqa.symptoms.search import SymptomIndex, learned_order

log = logging.getLogger("healthqa.app")
T = TypeVar("T")

UNAVAILABLE = "The knowledge base is not available right now. Please try again later."
NO_TOPIC = (
    "There is no topic with this key. Topics are named by their key (such as medquad:GARD_0000001), "
    "not by a number: a topic's number changes when the knowledge base is updated."
)
def settle_heap(*, release_previous: bool = False) -> None:
    """Take what is loaded now out of the cyclic garbage collector's walks (``gc.freeze``).

    A worker holds over a million long-lived objects (passages, name index, caches' keys); each full
    collection walks them all, ~320 ms on this project's machine during which the worker answers nobody: the
    p99 spikes of the load test, cached answers included. Frozen objects are never walked (reference counting
    still frees them). ``release_previous`` first hands the objects frozen before back to the collector, so
    that cycles among what a reload replaced are freed.
    """
    if release_previous:
        gc.unfreeze()
    gc.collect()
    gc.freeze()


# How often a worker looks for another worker's ingest (a one-row read).
GENERATION_CHECK_SECONDS = 2.0
# A rebuild that failed is tried again at the next check; one that keeps failing, after 4, 8, ... seconds,
# at most this long: each try costs seconds of CPU that the questions need.
MAX_RETRY_SECONDS = 60.0


class TopicMoved(Exception):
    """A topic asked for by its former row number: answer with a redirect to its key."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


class Service:
    """Opens the store and loads the answering model once (``start``); answers from threads."""

    def __init__(self, settings: Settings, store_url: str | None = None) -> None:
        self.settings = settings
        self.store_url = store_url
        self.store: Store | None = None
        self.answerer: Answerer | None = None
        self.problem = "not started"
        self._executor = ThreadPoolExecutor(
            max_workers=settings.answer_threads, thread_name_prefix="healthqa-answer"
        )
        self._ingest_lock = threading.Lock()
        self._ingest_gate = IngestGate()  # one HTTP ingest job at a time, within HEALTHQA_INGEST_TIMEOUT
        # The symptom index takes seconds to build over the whole catalogue: once per process, on first use.
        self._symptom_index: SymptomIndex | None = None
        self._symptom_lock = threading.Lock()
        # The disease index groups every document (about two seconds on the full knowledge base): the same.
        self._disease_index: DiseaseIndex | None = None
        self._name_search: NameSearch | None = None  # built with the disease index, for the search box
        self._disease_lock = threading.Lock()
        # The knowledge base's generation the in-memory structures were built from; another worker's
        # ingest raises it, and this worker then rebuilds in the background (see follow_ingests).
        self._generation = 0
        self._generation_checked = 0.0
        self._reloading = False  # a rebuild (or this worker's own ingest) is under way
        self._reload_lock = threading.Lock()
        self._rebuild_failures, self._retry_at = 0, 0.0  # failures in a row delay the next try (MAX_RETRY_SECONDS)
        self._reload_thread: threading.Thread | None = None  # the rebuild started by this worker's last ingest

    def start(self) -> None:
        """Blocking: opens the knowledge base and builds the Answerer (loads the sentence model)."""
        # What an earlier start in this process froze goes back to the collector; building the disease index
        # below ends with settle_heap, which freezes what is loaded now.
        gc.unfreeze()
        try:
            self.store = open_store(self.store_url)
            self._generation = self.store.generation()
            self.answerer = Answerer.prepared(self.store, in_memory=True, cache_size=self.settings.answer_cache)
            # Answer pages link each recognised condition to its disease page, so the disease index
            # is needed by the first answer: build it now rather than make that person wait seconds.
            self._disease_indexes()
            self.problem = ""
        except HealthQAError as error:
            # Keep serving: /healthz says 503 and every request that needs the knowledge base too.
            self.problem = str(error)
            log.error("the knowledge base is unavailable: %s", error)

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
        if self.store is not None:
            self.store.close()

    def healthy(self) -> bool:
        return self.store is not None and self.answerer is not None and self.store.healthy()

    def require_store(self) -> Store:
        if self.store is None:
            raise ApiError(503, "unavailable", UNAVAILABLE)
        return self.store

    def document(self, ref: str) -> DocumentRecord:
        """A document by its key, the stable public reference; 404 when there is none.

        Raises :class:`TopicMoved` when ``ref`` is not a key but the number of a document in this generation
        (an old ``/topics/<number>`` URL): the caller redirects to the key, which survives a re-ingest.
        """
        store = self.require_store()
        try:
            return store.document(ref)
        except NotFoundError:
            pass
        numbered = document_by_former_number(store, ref)
        if numbered is not None:
            raise TopicMoved(numbered.key)
        raise ApiError(404, "not_found", NO_TOPIC)

    def clean(self, text: str) -> str:
        return clean_question(text, self.settings.max_question_length)

    def follow_ingests(self, every: float = GENERATION_CHECK_SECONDS) -> bool:
        """Start a background rebuild when another process's ingest changed the knowledge base.

        Called before each request; reads the store's generation at most every ``every`` seconds (one tiny query).
        Requests keep the previous answerer and indexes until the new ones are ready. Returns whether one started.
        """
        store = self.store
        now = time.monotonic()
        if store is None or self._reloading or now - self._generation_checked < every or now < self._retry_at:
            return False
        self._generation_checked = now
        return self._start_reload(store, "after another worker's ingest") is not None

    def _start_reload(self, store: Store, after: str, *, own_ingest: bool = False) -> threading.Thread | None:
        """A thread rebuilding the answerer when the knowledge base's generation is not the one served (or, after
        this worker's ``own_ingest``, when there is no answerer); None when no rebuild is due or one runs already."""
        try:
            generation = store.generation()
        except HealthQAError as error:
            log.error("cannot read the knowledge base's generation: %s", error)
            return None
        if generation == self._generation and not (own_ingest and self.answerer is None):
            return None
        with self._reload_lock:
            if self._reloading:
                return None
            self._reloading = True
        thread = threading.Thread(
            target=self._reload, args=(store, generation, after, own_ingest), name="healthqa-reload", daemon=True
        )
        try:
            thread.start()
        except BaseException:
            with self._reload_lock:
                self._reloading = False  # else no check would ever start a reload again
            raise
        return thread

    def _reload(self, store: Store, generation: int, after: str, own_ingest: bool = False) -> None:
        try:
            with self._ingest_lock:
                if self._rebuild(store, generation, after, own_ingest):
                    log.info("the knowledge base changed (generation %d): reloaded", generation)
        except Exception as error:  # a thread's uncaught error would only be printed
            log.error("the reload failed (%s); a later check retries it", _described(error))
        finally:
            with self._reload_lock:  # whatever happened, the next check may start a reload again
                self._reloading = False

    def _rebuild(self, store: Store, generation: int, after: str, own_ingest: bool = False) -> bool:
        """Serve a new answerer over ``store`` as ``generation``; on any error keep serving the previous one.

        Called under the ingest lock. ``generation``, read before the build, is recorded once it succeeded: a
        failed one leaves the difference for :meth:`follow_ingests` to retry (as an ingest committed meanwhile).
        Only this worker's ``own_ingest`` embeds here (not within the ingest's time limit); after another
        process's, new passages are found by their words until it embeds them and advances the generation.
        """
        try:
            encoder = getattr(self.answerer, "encoder", None) or default_encoder()  # the model is reused
            if own_ingest:  # embeds (advancing the generation) and writes the derived files
                generation_parts.prepare(store, encoder)
                generation = store.generation()
            answerer = Answerer(store, encoder=encoder, in_memory=True, cache_size=self.settings.answer_cache)
        except Exception as error:  # whatever broke, the previous answerer still answers
            self._rebuild_failures += 1
            failures = self._rebuild_failures
            delay = 0.0 if failures == 1 else min(MAX_RETRY_SECONDS, GENERATION_CHECK_SECONDS * 2 ** (failures - 1))
            self._retry_at = time.monotonic() + delay
            log.error(
                "cannot rebuild the answerer %s (%s, %d in a row): answering from the previous state; "
                "retrying in %g s at the earliest", after, _described(error), failures, delay,
            )
            return False
        self._drop_indexes()
        self.answerer = answerer
        self._generation = generation
        self._rebuild_failures, self._retry_at = 0, 0.0
        # One full collection (a pause of a few hundred ms) per rebuild: the replaced answerer and indexes were
        # frozen, hand them back to the collector (see settle_heap).
        settle_heap(release_previous=True)
        return True

    def reload_pending(self) -> bool:
        """Whether this worker answers from an older state than the knowledge base's (a rebuild is due)."""
        store = self.store
        if store is None or self.answerer is None:
            return True
        try:
            return store.generation() != self._generation
        except HealthQAError:
            return True

    def _drop_indexes(self) -> None:
        """Forget the symptom and disease indexes: rebuilt on next use, over the changed knowledge base."""
        with self._symptom_lock:
            self._symptom_index = None
        with self._disease_lock:
            self._disease_index, self._name_search = None, None

    async def ask(self, question: str, top: int = 3) -> Answer:
        """Answer in a worker thread; 504 when it takes longer than the configured timeout."""
        self.follow_ingests()
        answerer = self.answerer
        if answerer is None:
            raise ApiError(503, "unavailable", UNAVAILABLE)
        if self.settings.log_questions:
            log.info("question: %s", question)
        # A question asked before is answered here, without the hop to a worker thread.
        cached = answerer.cached(question, top)
        if cached is not None:
            return cached
        return await self._in_worker(
            "answer_timeout", "Answering", partial(answerer.ask, question, top), ", perhaps with a shorter question"
        )

    def symptom_index(self) -> SymptomIndex:
        """Blocking: the symptom index, built on first use by one thread while the others wait for it.

        503 when the knowledge base holds no Orphanet phenotype annotations.
        """
        store = self.require_store()
        index = self._symptom_index
        if index is None:
            with self._symptom_lock:
                index = self._symptom_index
                if index is None:
                    index = self._symptom_index = self._build_symptom_index(store, self.disease_index())
                    settle_heap()  # out of the collector's walks too, without the garbage made meanwhile
        if not len(index):
            raise ApiError(503, "no_phenotype_data", NO_PHENOTYPES)
        return index

    @staticmethod
    def _build_symptom_index(store: Store, conditions: DiseaseIndex) -> SymptomIndex:
        try:
            index = SymptomIndex.from_store(store, conditions=conditions)
            # The phrase matcher builds its tables on first use without a lock: build them here, under ours.
            index.hpo.match("dry mouth")
            if learned_order() is not None:  # so does the second stage its table of the disorders (about 0.8 s)
                disorder_facts(index)
        except HealthQAError as error:
            log.error("cannot build the symptom index: %s", error)
            raise ApiError(503, "unavailable", UNAVAILABLE) from error
        return index

    async def symptoms(self, query: SymptomQuery) -> SymptomSearch:
        """Rank rare disorders for ``query`` in a worker thread; 504 past the configured timeout."""
        self.follow_ingests()
        if self.settings.log_questions:
            log.info("symptoms: %s", query.text)
        # Not under the timeout: the first request waits for the index, which is built only once.
        index = await anyio.to_thread.run_sync(self.symptom_index)
        return await self._in_worker(
            "symptoms_timeout", "The search", partial(run_symptom_query, index, query), ", perhaps with fewer words"
        )

    def disease_index(self) -> DiseaseIndex:
        """Blocking: the disease index, built on first use by one thread while the others wait for it."""
        return self._disease_indexes()[0]

    def _disease_indexes(self) -> tuple[DiseaseIndex, NameSearch]:
        store = self.require_store()
        index, search = self._disease_index, self._name_search
        if index is None or search is None:
            with self._disease_lock:
                index, search = self._disease_index, self._name_search
                if index is None or search is None:
                    index, search = self._build_disease_indexes(store)
                    self._disease_index, self._name_search = index, search
                    settle_heap()
        return index, search

    @staticmethod
    def _build_disease_indexes(store: Store) -> tuple[DiseaseIndex, NameSearch]:
        try:
            # Mapped from the generation's derived files (name matcher included): milliseconds, pages shared.
            index = DiseaseIndex.load(store)
            search = NameSearch.load(store)
        except HealthQAError as error:
            log.error("cannot build the disease index: %s", error)
            raise ApiError(503, "unavailable", UNAVAILABLE) from error
        return index, search

    async def _in_worker(self, code: str, what: str, call: Callable[[], T], advice: str = "") -> T:
        """Run ``call`` in the worker pool; 504 (``code``) past the configured timeout."""
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self._executor, call)
        try:
            return await asyncio.wait_for(future, self.settings.answer_timeout)
        except TimeoutError:
            raise ApiError(
                504, code,
                f"{what} took longer than {self.settings.answer_timeout:g} seconds. Please try again{advice}.",
            ) from None

    async def disease(self, ref: str, phenotypes: int = 10) -> DiseaseRecord:
        """The record of the condition ``ref`` names (``healthqa disease``), built in a worker thread.

        Raises :class:`ConditionNotFoundError` or :class:`AmbiguousConditionError` for the caller to show;
        504 past the configured timeout.
        """
        self.follow_ingests()
        store = self.require_store()
        # Not under the timeout: the first request waits for the index, which is built only once.
        index = await anyio.to_thread.run_sync(self.disease_index)
        try:
            record = await self._in_worker(
                "disease_timeout", "Gathering the sources",
                partial(disease_record, store, ref, index=index, phenotypes=phenotypes),
            )
        except ConditionNotFoundError:
            raise
        except NotFoundError as error:
            # A document of the index went away: an ingest replaced it after the index was built.
            raise ApiError(503, "unavailable", "The knowledge base changed just now. Please try again.") from error
        return record

    async def disease_candidates(self, text: str) -> list[Candidate]:
        """Conditions for a search box (see :func:`healthqa.app.api.condition_search.candidates_for`)."""
        self.follow_ingests()
        store = self.require_store()
        index, search = await anyio.to_thread.run_sync(self._disease_indexes)
        return await self._in_worker(
            "disease_timeout", "The search", partial(candidates_for, index, search, store, text)
        )

    async def conditions_in(self, names: list[str]) -> list[Candidate]:
        """The conditions ``names`` resolve to, once each, leaving out the names that fit none or several."""
        if not names:
            return []
        store = self.require_store()
        index = await anyio.to_thread.run_sync(self.disease_index)
        return await self._in_worker(
            "disease_timeout", "Looking up the conditions", partial(conditions_named, index, store, names)
        )

    def ingest(self, paths: list[str]) -> list[dict[str, Any]]:
        """Ingest paths under the ingest folder (one transaction each), then rebuild the Answerer if anything
        changed. 422 ``path_refused`` for a path outside it (:mod:`healthqa.app.ingest_paths`), 409 while another
        ingest runs here, 504 past ``HEALTHQA_INGEST_TIMEOUT``.

        The time limit covers reading and saving. The rebuild runs in the background once the paths are saved;
        the answer waits for it as long as the time limit still allows, else answers at once (``reload_pending``
        then says the rebuild is still under way). Paths in the answer are the client's, or relative to the
        ingest folder; the knowledge base's path is never shown.
        """
        settings = self.settings
        root = ingest_root(settings)
        resolved = confine(paths, root)
        store = self.require_store()
        base = root.resolve()
        # Within the folder, each file is checked again as the walk meets it (a link inside may point out), and
        # opened beneath the folder as it is read (a file swapped meanwhile is refused).
        limits = IngestLimits(
            settings.ingest_max_files, settings.ingest_max_file_bytes, within=base,
            max_expanded_bytes=settings.ingest_max_expanded_bytes,
        )
        deadline = time.monotonic() + settings.ingest_timeout
        describe = partial(public_failure, base=base, store=store)
        job = partial(self._ingest_job, store, resolved, limits, describe)
        order = [str(p) for p in resolved]
        # Paths as the client wrote them, or relative to the ingest folder: the server's own folders are not shown.
        shown = [
            _relative(path, base) if os.path.isabs(given) else given for given, path in zip(paths, order, strict=True)
        ]
        try:
            results = self._ingest_gate.run(
                job, settings.ingest_timeout, lambda saved: len(_saved_indexes(order, saved)) == len(order)
            )
        except IngestTimedOut as stopped:
            saved = _saved_indexes(order, stopped.saved)
            raise timed_out(settings.ingest_timeout, [shown[i] for i in saved]) from None
        for result, path in zip(results, shown, strict=True):
            result["path"] = path
        reload = self._reload_thread
        if reload is not None:
            reload.join(max(0.0, deadline - time.monotonic()))
        return results

    def _ingest_job(
        self, store: Store, paths: list[Path], limits: IngestLimits, describe: Callable[[HealthQAError], str],
        stop: StopSignal,
    ) -> list[dict[str, Any]]:
        self._reload_thread = None
        try:
            with self._ingest_lock:
                with self._reload_lock:
                    # This worker's own change: follow_ingests must not start a second rebuild meanwhile.
                    self._reloading = True
                try:
                    return self._ingest_locked(store, [str(p) for p in paths], limits, stop, describe)
                finally:
                    with self._reload_lock:
                        self._reloading = False
        finally:
            # What was saved is served once rebuilt, in the background: whether the answer was sent (200), or the
            # time limit passed (504, and this job stopped at a file boundary after its earlier paths were saved).
            self._reload_thread = self._start_reload(store, "after an ingest", own_ingest=True)

    def _ingest_locked(
        self, store: Store, paths: list[str], limits: IngestLimits | None = None,
        stop: Callable[[], bool] | None = None, describe: Callable[[HealthQAError], str] = str,
    ) -> list[dict[str, Any]]:
        from healthqa.ingest import ingest_path

        results: list[dict[str, Any]] = []
        for path in paths:
            try:
                report = ingest_path(store, path, limits=limits, stop=stop)
            except HealthQAError as error:
                results.append({"path": path, "ok": False, "files": 0, "failures": [describe(error)]})
                continue
            stats = asdict(report.stats)
            results.append({
                "path": path, "ok": report.ok, "files": report.files, **stats,
                "failures": [describe(failure) for failure in report.failures],
            })
        return results


def public_failure(error: HealthQAError, base: Path, store: Store) -> str:
    """An ingest failure as an HTTP answer shows it: paths relative to the ingest folder ``base``, the knowledge
    base named, never its path (issue 21: the server's paths are not the client's business)."""
    if isinstance(error, BadInputError):
        return f"{_relative(error.source, base)}: {_scrubbed(error.reason, base, store)}"
    return _scrubbed(str(error), base, store)


def _relative(source: str, base: Path) -> str:
    path = Path(source)
    if not path.is_relative_to(base):
        return "(a path outside the ingest folder)"
    relative = path.relative_to(base)
    return str(relative) if relative.parts else "."


def _scrubbed(text: str, base: Path, store: Store) -> str:
    database = {store.url, os.path.abspath(store.url), os.path.realpath(store.url)} - {""}
    for known in sorted(database, key=len, reverse=True):
        text = text.replace(known, "the knowledge base")
    return text.replace(str(base) + os.sep, "").replace(str(base), ".")


def _saved_indexes(paths: list[str], saved: list[str]) -> list[int]:
    """The indexes in ``paths`` of the ``saved`` ones (in order, a subsequence of ``paths``)."""
    found: list[int] = []
    for index, path in enumerate(paths):
        if len(found) < len(saved) and saved[len(found)] == path:
            found.append(index)
    return found


def _described(error: BaseException) -> str:
    """An error for the log: healthqa's own say what is wrong; any other only its type and where it was raised,
    as its message could quote any text it was handed."""
    if isinstance(error, HealthQAError):
        return str(error)
    frames = traceback.extract_tb(error.__traceback__)
    where = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
    return f"{type(error).__name__}{where}"


def conditions_named(index: DiseaseIndex, store: Store, names: list[str]) -> list[Candidate]:
    found: dict[int, Candidate] = {}
    for name in names:
        try:
            record = index.resolve(name, store)
        except (ConditionNotFoundError, NotFoundError):
            continue  # ambiguous or unknown: the name stays plain text
        found.setdefault(record, index.candidate(record))
    return list(found.values())
