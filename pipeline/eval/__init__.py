"""Evaluation against gold annotations (the real-article gold in :mod:`pipeline.eval.realgold`)."""
