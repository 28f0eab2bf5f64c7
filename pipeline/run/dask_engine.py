"""Run the audit on an existing Dask distributed cluster (``--engine dask --scheduler ADDRESS``).

Articles are read on the client, partitioned into small batches and sent to the cluster; each
worker keeps one :class:`~pipeline.run.auditor.Auditor` per thread, loaded on first use. Results come
back to the client **in input order** and are written by the same writer as a local run, so the
outputs (and ``--resume``) are identical. At most ``window`` batches are in flight, so memory on
the client stays flat. Every worker needs Overclaim installed (same version) and, for overlays,
the overlay files at the same paths.

Example:
    >>> from distributed import Client, LocalCluster
    >>> from pipeline.ingest.reader import article_from_text
    >>> with LocalCluster(n_workers=1, processes=False, dashboard_address=None) as c, Client(c) as client:
    ...     eng = DaskEngine(client)
    ...     [r.article.id for r in eng.imap([article_from_text("Baclofen helps.", id="a")])]
    ['a']
"""
from __future__ import annotations

import threading
from collections import deque
from typing import Any, Iterable, Iterator

from ..errors import EngineError, InputError

_LOCAL = threading.local()


def audit_batch(articles: list, overlays: tuple[str, ...] = (), models: bool = True,
                strength_model: str = "fast") -> list:
    """Audit a batch of articles on a worker (one cached Auditor per worker thread).

    Args:
        articles: :class:`~pipeline.types.Article` objects.
        overlays: editor overlay files (must exist on the worker).
        models: apply the trained claim models.
        strength_model: ``"fast"`` or ``"encoder"``.

    Returns:
        One :class:`~pipeline.types.ArticleResult` or :class:`~pipeline.errors.InputError` per article.
    """
    cache = getattr(_LOCAL, "auditors", None)
    if cache is None:
        cache = _LOCAL.auditors = {}
    auditor = cache.get((overlays, models, strength_model))
    if auditor is None:
        from .auditor import Auditor

        auditor = cache[(overlays, models, strength_model)] = Auditor(overlays=overlays, models=models,
                                                                       strength_model=strength_model)
    return list(auditor.audit(articles))


class DaskEngine:
    """Audit through a Dask ``distributed`` cluster.

    Args:
        scheduler: a scheduler address (``tcp://host:8786``) or an existing ``distributed.Client``.
        overlays: editor overlay files for the reference.
        batch_size: articles per task.
        window: batches in flight at once (default: 4 per worker thread, at least 8).
    """

    def __init__(self, scheduler: Any, *, overlays: Iterable[str] = (), batch_size: int = 8,
                 window: int | None = None, models: bool = True,
                 strength_model: str = "fast") -> None:
        try:
            from distributed import Client
        except ImportError:
            raise EngineError("the dask engine needs dask[distributed]",
                              hint="pip install 'overclaim[dask]'") from None
        if isinstance(scheduler, Client):
            self.client, self._own = scheduler, False
        else:
            try:
                self.client = Client(scheduler, timeout="10s")
            except (OSError, TimeoutError) as e:
                raise EngineError(f"cannot reach the Dask scheduler at {scheduler}: {e}",
                                  hint="start one with `dask scheduler` or check --scheduler") from None
            self._own = True
        self.overlays = tuple(str(o) for o in overlays)
        self.models = models
        self.strength_model = str(getattr(strength_model, "value", strength_model))
        self.batch_size = batch_size
        if window is None:
            try:
                threads = sum(self.client.nthreads().values())
            except Exception:
                threads = 2
            window = max(8, 4 * threads)
        self.window = window

    def _batches(self, items: Iterable) -> Iterator[list]:
        batch: list = []
        for item in items:
            batch.append(item)
            if len(batch) >= self.batch_size or isinstance(item, InputError):
                yield batch
                batch = []
        if batch:
            yield batch

    def imap(self, items: Iterable) -> Iterator:
        """Audit ``items`` on the cluster; yield results (and input errors) in input order."""
        inflight: deque = deque()  # (future or None, batch)
        batches = self._batches(items)
        exhausted = False
        while True:
            while not exhausted and len(inflight) < self.window:
                try:
                    batch = next(batches)
                except StopIteration:
                    exhausted = True
                    break
                arts = [x for x in batch if not isinstance(x, InputError)]
                fut = self.client.submit(audit_batch, arts, self.overlays, self.models, self.strength_model,
                                         pure=False, retries=1) if arts else None
                inflight.append((fut, batch))
            if not inflight:
                return
            fut, batch = inflight.popleft()
            results: list = []
            if fut is not None:
                try:
                    results = fut.result()
                except Exception as e:  # a lost worker or a task error: these articles fail, the batch goes on
                    results = [InputError(f"audit failed on the cluster: {type(e).__name__}: {e}", path=a.id)
                               for a in batch if not isinstance(a, InputError)]
                finally:
                    fut.release()
            res_iter = iter(results)
            for item in batch:
                yield item if isinstance(item, InputError) else next(res_iter)

    def close(self) -> None:
        """Close the client if this engine opened it (the cluster keeps running)."""
        if self._own:
            self.client.close()

    def __enter__(self) -> "DaskEngine":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
