"""MEDIQA 2019: answer re-ranking and question entailment, and the training of healthqa's learned weights.

Off the ``ask`` path: :mod:`healthqa.mediqa.rerank` (``healthqa rerank``) and :mod:`healthqa.mediqa.entail` score
the MEDIQA tasks; :mod:`healthqa.mediqa.training` (``python -m healthqa.mediqa.training``) rewrites the weights
in :mod:`healthqa.learned`, including the query adapter that ``ask`` uses.
"""
