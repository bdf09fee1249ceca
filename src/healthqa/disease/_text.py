"""A disease record as text for people: name, codes, sources, then each section's quotes with provenance.

The labels are ours; every quoted line is a source's text, followed by who said it and when.
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

from healthqa.compare import Comparison, Mention

if TYPE_CHECKING:
    from healthqa.disease._record import DiseaseRecord

ORPHANET_CREDIT = "Source: Orphanet (CC BY 4.0)"
_WIDTH = 100


def _tier(tier: str) -> str:
    return tier.replace("_", " ")


def _wrap(text: str, indent: str = "    ") -> list[str]:
    lines: list[str] = []
    for paragraph in text.splitlines():
        lines += textwrap.wrap(paragraph, _WIDTH, initial_indent=indent, subsequent_indent=indent) or [""]
    return lines


def record_lines(record: DiseaseRecord) -> list[str]:
    from healthqa.answer import DISCLAIMER  # answer pulls in the ranking stack: only when printing

    out = [record.name, "=" * len(record.name)]
    if record.codes:
        out.append("Codes: " + ", ".join(f"{system}:{code}" for system, codes in record.codes.items()
                                          for code in codes))
    if record.synonyms:
        out.append("Also called:")
        for synonym in record.synonyms:
            line = f"  - {synonym.name} (given by {', '.join(synonym.sources)})"
            if synonym.also_names:
                others = "; ".join(f"{c.name} [{c.ref}]" for c in synonym.also_names)
                line += f"; also names {others}"
            out.append(line)
    out.append(f"\nSources ({len(record.documents)} documents, most trusted first):")
    for d in record.documents:
        reviewed = f"; reviewed by {d.reviewer}" if d.reviewer else ""
        out.append(f"  - {d.source} ({_tier(d.tier)}): {d.title} [{d.key}], {d.date or 'undated'}{reviewed}")
        out.append(f"    {d.url or 'no link'}; licence: {d.licence}; linked by {d.linked_by}")
    for section in record.sections:
        out.append(f"\n## {section.label}")
        for quote in section.quotes:
            heading = f" - {quote.heading}" if quote.heading else ""
            out.append(f"[{quote.source}, {_tier(quote.tier)}, {quote.date or 'undated'}] {quote.id}{heading}")
            out += _wrap(quote.text)
            if quote.url:
                out.append(f"    {quote.url}")
            if quote.also_in:
                out.append("    (the same text is also in " + ", ".join(quote.also_in) + ")")
    if record.facts:
        out.append("\n## Key facts")
        out.append(ORPHANET_CREDIT if all(f.source == "Orphanet" for f in record.facts) else "Sources as shown")
        credits: list[str] = []
        for fact in record.facts:
            detail = f" ({fact.detail})" if fact.detail else ""
            out.append(f"  {fact.label}: {fact.text}{detail}")
            if fact.attribution not in credits:
                credits.append(fact.attribution)
        out += [f"  {credit}" for credit in credits]
    if record.phenotypes:
        out.append("\n## Recorded clinical features, most frequent first")
        out.append(f"{ORPHANET_CREDIT}; the features are Human Phenotype Ontology terms")
        for p in record.phenotypes:
            how_often = f" [{p.frequency_label}]" if p.frequency_label else ""
            out.append(f"  - {p.term}{how_often} {p.hpo_id}")
    if record.organisations:
        out.append("\n## Organisations")
        for o in record.organisations:
            contact = "; ".join(part for part in (o.address, o.phone, o.email, o.url) if part)
            out.append(f"  - {o.name}" + (f"; {contact}" if contact else "") + f" (from {', '.join(o.sources)})")
    if record.drugs:
        out.append("\n## Drugs named by the sources")
        for m in record.drugs:
            out.append(f"  - {m.brand} (generic: {m.generic}) (from {', '.join(m.sources)})")
    if record.comparison is not None:
        out += _comparison_lines(record.comparison)
    out.append(f"\n{DISCLAIMER}")
    return out


def _mention(m: Mention) -> str:
    return f'      {m.source} ({m.passage_id}): "{m.sentence}"'


def _comparison_lines(comparison: Comparison) -> list[str]:
    out = ["\n## Comparing the sources"]
    if not (comparison.agreements or comparison.contradictions or comparison.stale):
        out.append("  No agreement, disagreement or outdated section found between the sources.")
    for agreement in comparison.agreements:
        out.append(f"  Sources agree on the {agreement.kind} {agreement.term!r}: {', '.join(agreement.sources)}")
        out += [_mention(m) for m in agreement.mentions]
    for contradiction in comparison.contradictions:
        out.append(f"  Sources disagree on {contradiction.point!r}:")
        out.append("    says so:")
        out += [_mention(m) for m in contradiction.asserted]
        out.append("    says not:")
        out += [_mention(m) for m in contradiction.denied]
    for stale in comparison.stale:
        older, newer = stale.older, stale.newer
        out.append(
            f"  Possibly outdated: {older.source}'s {stale.section} section ({older.updated or 'undated'}, "
            f"{older.passage_id}) is {stale.years:.1f} years older than {newer.source}'s "
            f"({newer.updated or 'undated'}, {newer.passage_id})"
        )
    return out
