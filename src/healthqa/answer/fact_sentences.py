"""Catalogue facts (:class:`~healthqa.answer.facts.FactItem`) as plain sentences: our words around the source's
value, never a bare code such as "Not applicable". For the answer and condition pages and the CLI alike."""

from __future__ import annotations

import re
from collections.abc import Sequence

from healthqa.answer.facts import FactItem

# Orphanet's onset classes, as the end of "It usually starts ...".
_ONSETS = {
    "antenatal": "before birth", "neonatal": "in newborn babies", "infancy": "in infancy",
    "childhood": "in childhood", "adolescent": "in adolescence", "adult": "in adulthood",
    "elderly": "in older age", "all ages": "at any age",
}
_UNKNOWN = {"unknown", "not yet documented", "no data available", "not applicable", ""}
_RANGE = re.compile(r"^\s*([<>]?)\s*(\d+)(?:\s*-\s*(\d+))?\s*/\s*([\d\s]+?)\s*$")


def lower_first(text: str) -> str:
    """``text`` with a lower-case first letter, unless it starts an abbreviation ("X-linked", "DNA")."""
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def prevalence_sentence(fact: FactItem) -> str:
    """Orphanet's prevalence class in words: "About 1 to 9 in 100 000 people (point prevalence, Worldwide)"."""
    value = fact.text.strip()
    where = f" ({fact.detail[:1].lower() + fact.detail[1:]})" if fact.detail else ""
    if value.casefold() in _UNKNOWN:
        return f"{fact.source} does not know how common it is{where}."
    match = _RANGE.match(value)
    if not match:
        return f"{fact.source} gives how common it is as “{value}”{where}."
    sign, low, high, population = match.groups()
    population = " ".join(population.split())
    if sign == "<":
        amount = f"Fewer than {low}"
    elif sign == ">":
        amount = f"More than {low}"
    else:
        amount = f"About {low} to {high}" if high else f"About {low}"
    return f"{amount} in {population} people, according to {fact.source}{where}."


def inheritance_sentence(facts: Sequence[FactItem], name: str) -> str:
    values = [f.text.strip() for f in facts if f.text.strip().casefold() not in _UNKNOWN]
    source = facts[0].source
    if not values:
        return f"{source} does not list a pattern of inheritance for {name}."
    shown = " or ".join(lower_first(v) for v in values)
    return f"{source} records the pattern of inheritance as {shown}."


def onset_sentence(facts: Sequence[FactItem]) -> str:
    source = facts[0].source
    values = [f.text.strip() for f in facts if f.text.strip().casefold() not in _UNKNOWN]
    if not values:
        return f"{source} does not record when it usually starts."
    words = [_ONSETS.get(v.casefold(), f"at the age it calls “{v}”") for v in values]
    return f"It usually starts {', or '.join(words)}, according to {source}."


def gene_sentence(facts: Sequence[FactItem]) -> str:
    genes = list(dict.fromkeys(f.text.strip() for f in facts if f.text.strip()))
    source = facts[0].source
    if not genes:
        return f"{source} does not list a gene for it."
    shown = ", ".join(genes[:-1]) + (" and " if len(genes) > 1 else "") + genes[-1]
    return f"{source} links it to the gene{'s' if len(genes) > 1 else ''} {shown}."


def fact_sentence(fact: FactItem, name: str) -> str:
    """One catalogue fact as a plain sentence (ours around the source's value: never a bare code such as
    "Not applicable")."""
    if fact.kind == "inheritance":
        return inheritance_sentence([fact], name)
    if fact.kind == "prevalence":
        return prevalence_sentence(fact)
    if fact.kind == "onset":
        return onset_sentence([fact])
    if fact.kind == "gene":
        detail = f" ({lower_first(fact.detail)})" if fact.detail else ""
        return gene_sentence([fact])[:-1] + detail + "."
    if fact.kind == "parent":
        return f"{fact.source} files it under “{fact.text}”."
    if fact.kind == "subtype":
        return f"{fact.source} lists “{fact.text}” as one of its forms."
    return f"{fact.label}: {fact.text}."


def facts_in_short(facts: Sequence[FactItem], name: str) -> list[str]:
    """What catalogue facts answer, one sentence per kind, in the order given: an answer page's first lines."""
    by_kind: dict[str, list[FactItem]] = {}
    for fact in facts:
        by_kind.setdefault(fact.kind, []).append(fact)
    out: list[str] = []
    for kind, items in by_kind.items():
        if kind == "inheritance":
            out.append(inheritance_sentence(items, name))
        elif kind == "gene":
            out.append(gene_sentence(items))
        elif kind == "onset":
            out.append(onset_sentence(items))
        else:
            out.append(fact_sentence(items[0], name))
    return out
