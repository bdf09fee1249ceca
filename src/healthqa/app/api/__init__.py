"""The JSON endpoints.

- :mod:`healthqa.app.api.routes` — ``/healthz``, ``/api/ask``, ``/api/search``, ``/api/symptoms``, ``/api/topics``,
  ``/api/sources``, ``/api/ingest``;
- :mod:`healthqa.app.api.diseases` — the condition records (``/api/diseases``);
- :mod:`healthqa.app.api.symptom_search` — the person's symptom words and corrections, checked;
- :mod:`healthqa.app.api.condition_search` — conditions for a search box.
"""
