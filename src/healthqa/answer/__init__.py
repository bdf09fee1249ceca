"""Answer: rank the candidates, pick what a person is shown, and say it with sources.

- :mod:`healthqa.answer.answerer` — :class:`~healthqa.answer.answerer.Answerer`, the public entry: a question in,
  an :class:`~healthqa.answer.answerer.Answer` out (quoted passages, key sentences, facts, related questions,
  abstention, emergency guidance);
- :mod:`healthqa.answer.rank` — the ranking of candidate passages (lexical, semantic, focus, type, authority); its
  weights and scored passages live in ``_scoring``, the learned re-ordering (off in ``ask``) in ``_learned_order``;
- :mod:`healthqa.answer.asked` — what a question asks beyond its topic (the ranking and the lead put it first);
- :mod:`healthqa.answer.facts` — structured facts (Orphanet's inheritance, prevalence, onset) for a question type;
- :mod:`healthqa.answer.wording` — healthqa's own words: the disclaimer, emergency guidance, "no answer".

Nothing is imported here, so that the wording can be read without loading the ranking stack.
"""
