"""Claims stage: the checkable claims of each sentence of a processed article.

Modules:
    ``extract``  rule-based claims (type, drug, condition, polarity, strength, cues) per sentence;
    ``scoring``  the trained models applied to those claims (check-worthiness, strength).

The next stage, :mod:`pipeline.frames`, turns claims into claim frames.
"""
