"""The disease index and the condition name search, mapped from a generation's derived files, answer exactly as
the implementation they replaced (Python objects built in every process) and as the same index built in memory.

Three indexes of one knowledge base: ``legacy`` (``healthqa/conditions/_link.py`` and
``healthqa/app/api/condition_search.py`` as of ``--legacy-commit``, read with ``git show``), ``memory``
(``DiseaseIndex.from_store``) and ``mapped`` (``DiseaseIndex.load``, from ``<db>.derived``: built there first if
missing). Compared:

- every document, resolved by its title and by its key: the record or the error (its type, message and
  candidates); then its record_of, members, canonical_name, names_of, candidate, head and link_reason;
- ``disease_record(...).to_json()`` for a sample of references: titles, ORPHA/OMIM/UMLS codes, abbreviations;
- suggestions, ``NameSearch.find`` and ``candidates_for`` for misspelled names (a letter dropped, two swapped);
- records_named for a sample of names, is_specific for every UMLS code, drug_names and len.

Writes into ``<db>.derived``: run it on a copy of a knowledge base.

    nice python benchmarks/diseases_equal.py --kb /tmp/copy/kb.db [--sample 300]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from _legacy import legacy_module
from healthqa.app.api.condition_search import NameSearch, candidates_for
from healthqa.conditions import AmbiguousConditionError, ConditionNotFoundError, DiseaseIndex, disease_record
from healthqa.conditions._names import abbreviation
from healthqa.store.sqlite import SQLiteStore


def outcome(call: Any) -> Any:
    try:
        return ("ok", call())
    except ConditionNotFoundError as error:
        return (type(error).__name__, str(error), [c.to_json() for c in error.candidates])
    except KeyError as error:
        return ("KeyError", str(error))


def misspell(name: str, rng: random.Random) -> str:
    letters = [i for i, c in enumerate(name) if c.isalpha()]
    if len(letters) < 5:
        return name
    i = rng.choice(letters[1:-1])
    if rng.random() < 0.5:
        return name[:i] + name[i + 1:]
    return name[:i] + name[i + 1] + name[i] + name[i + 2:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kb", type=Path, required=True)
    parser.add_argument("--sample", type=int, default=300)
    parser.add_argument("--legacy-commit", default="bc6716e")
    args = parser.parse_args()
    rng = random.Random(19)

    legacy_link = legacy_module(args.legacy_commit, "src/healthqa/conditions/_link.py", "legacy_link")
    # The same error classes as today's, so that either module's code catches the other's errors.
    setattr(legacy_link, "ConditionNotFoundError", ConditionNotFoundError)  # noqa: B010 - a module's global
    setattr(legacy_link, "AmbiguousConditionError", AmbiguousConditionError)  # noqa: B010
    legacy_search = legacy_module(args.legacy_commit, "src/healthqa/app/api/condition_search.py", "legacy_search")

    class TiesInOrder(legacy_search.NameSearch):  # type: ignore[misc,name-defined]
        """The legacy search, but names that rank alike (the same name on several documents) in the order
        they were added, as today's search puts them: the legacy order of those was a set's."""

        def find(self, text: str) -> list[int]:
            query = legacy_search.normalise(text)
            if len(query) < legacy_search._MIN_PREFIX:
                return []
            hits: set[int] | None = None
            for word in query.split():
                found = self._starting(word)
                hits = found if hits is None else hits & found
                if not hits:
                    return []

            def rank(entry: int) -> tuple[bool, bool, bool, int, str, int]:
                name, _doc_id, synonym = self._names[entry]
                return (name != query, not name.startswith(query), synonym, len(name), name, entry)

            return [self._names[entry][1] for entry in sorted(hits or (), key=rank)]
    store = SQLiteStore(args.kb)
    started = time.perf_counter()
    legacy = legacy_link.DiseaseIndex.from_store(store)
    print(f"legacy built in {time.perf_counter() - started:.2f} s")
    started = time.perf_counter()
    memory = DiseaseIndex.from_store(store)
    print(f"memory built in {time.perf_counter() - started:.2f} s")
    started = time.perf_counter()
    mapped = DiseaseIndex.load(store)
    print(f"mapped (load, building the part if missing) in {time.perf_counter() - started:.2f} s")
    started = time.perf_counter()
    mapped = DiseaseIndex.load(store)
    print(f"mapped (load) in {1000 * (time.perf_counter() - started):.1f} ms")
    searches: dict[str, Any] = {"legacy": TiesInOrder(store.iter_names()), "memory": NameSearch(store.iter_names()),
                "mapped": NameSearch.load(store)}
    legacy_as_is = legacy_search.NameSearch(store.iter_names())
    indexes = {"legacy": legacy, "memory": memory, "mapped": mapped}
    counts: Counter[str] = Counter()
    differences: Counter[str] = Counter()
    tie_order = [0, 0]  # texts whose legacy find / candidates_for order differs only by the order of ties

    def compare(what: str, call: Any) -> None:
        results = {name: outcome(lambda index=index: call(index)) for name, index in indexes.items()}
        counts[what] += 1
        if not results["legacy"] == results["memory"] == results["mapped"]:
            differences[what] += 1
            if differences[what] <= 3:
                print(f"DIFFERENT {what}: {results}")

    heads = list(store.iter_document_heads())
    for done, head in enumerate(heads):
        if done % 5000 == 0:
            print(f"{done} documents compared", flush=True)
        for ref in (head.title, head.key):
            compare("resolve", lambda index, ref=ref: index.resolve(ref, store))
        compare("record_of", lambda index, d=head.id: index.record_of(d))
        compare("members", lambda index, d=head.id: index.members(index.record_of(d)))
        compare("canonical_name", lambda index, d=head.id: index.canonical_name(index.record_of(d)))
        compare("names_of", lambda index, d=head.id: index.names_of(d))
        compare("candidate", lambda index, d=head.id: index.candidate(index.record_of(d)).to_json())
        compare("head", lambda index, d=head.id: index.head(d))
        compare("link_reason", lambda index, d=head.id: index.link_reason(d))
    compare("len", len)
    compare("drug_names", lambda index: index.drug_names)
    compare("record_of(unknown)", lambda index: index.record_of(10 ** 9))

    codes = list(store.iter_codes())
    for code in {c for _, s, c in codes if s == "UMLS"}:
        compare("is_specific", lambda index, c=code: index.is_specific("UMLS", c))
    names = [name for _, name, _ in store.iter_names()]
    abbreviations = sorted({a for a in (abbreviation(n) for n in names) if a})
    orpha = sorted({f"ORPHA:{c}" for _, s, c in codes if s == "ORPHA"})
    omim = sorted({f"OMIM:{c}" for _, s, c in codes if s == "OMIM"})
    umls = sorted({c for _, s, c in codes if s == "UMLS"})
    refs = ["ORPHA:43393", "LEMS", "lems", "Lambert-Eaton myasthenic syndrome", "diabetes", "gout", "LES",
            *rng.sample([h.title for h in heads], args.sample), *rng.sample(orpha, min(args.sample, len(orpha))),
            *rng.sample(omim, min(args.sample // 3, len(omim))), *rng.sample(umls, min(args.sample // 3, len(umls))),
            *rng.sample(abbreviations, min(args.sample // 2, len(abbreviations)))]
    for ref in refs:
        compare("disease_record", lambda index, ref=ref: disease_record(store, ref, index=index).to_json())
    for name in rng.sample(names, args.sample):
        compare("records_named", lambda index, n=name: [c.to_json() for c in index.records_named(n)])
    misspelled = [misspell(name, rng) for name in rng.sample(names, args.sample)]
    for text in [*misspelled, "lambert", "lambert eaton", "lamber-eaton syndrom", "diabtes", "gout"]:
        compare("suggestions", lambda index, t=text: [c.to_json() for c in index.suggestions(t)])
        found = {name: search.find(text) for name, search in searches.items()}
        counts["NameSearch.find"] += 1
        tie_order[0] += legacy_as_is.find(text) != found["legacy"]
        as_is = [c.to_json() for c in candidates_for(legacy, legacy_as_is, store, text)]
        if not found["legacy"] == found["memory"] == found["mapped"]:
            differences["NameSearch.find"] += 1
            print(f"DIFFERENT NameSearch.find {text!r}")
        listed = {name: [c.to_json() for c in candidates_for(indexes[name], search, store, text)]
                  for name, search in searches.items()}
        counts["candidates_for"] += 1
        tie_order[1] += as_is != listed["legacy"]
        if not listed["legacy"] == listed["memory"] == listed["mapped"]:
            differences["candidates_for"] += 1
            print(f"DIFFERENT candidates_for {text!r}")
    store.close()
    print(f"{len(heads)} documents; comparisons (legacy = memory = mapped):")
    for what, count in counts.items():
        print(f"  {what:20s} {count:7d} compared, {differences[what]} different")
    print(f"legacy search with its ties as a set ordered them: {tie_order[0]} finds and {tie_order[1]} candidate "
          "lists ordered otherwise (names ranked alike, on several documents)")
    sys.exit(1 if differences else 0)


if __name__ == "__main__":
    main()
