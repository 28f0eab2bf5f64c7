"""Audit engines: in-process (one core) and a pool of worker processes (``--workers N``).

Both take a stream of :class:`~pipeline.types.Article` and :class:`~pipeline.errors.InputError`
items and yield results **in input order**, so outputs are identical whatever the number of
workers. The pool keeps at most a few articles per worker in flight (bounded memory), gives each
worker its own :class:`~pipeline.run.auditor.Auditor`, and survives a worker that crashes (the article
it was auditing is reported as failed, a new worker takes over) or hangs (``timeout``).

Example:
    >>> from pipeline.ingest.reader import article_from_text
    >>> from pipeline.run.pool import ProcessPool
    >>> with ProcessPool(2) as pool:                                  # doctest: +SKIP
    ...     [r.article.id for r in pool.imap([article_from_text("Baclofen helps.", id=str(i)) for i in range(3)])]
    ['0', '1', '2']
"""
from __future__ import annotations

import gc
import multiprocessing as mp
import os
import pickle
import queue
import signal
import threading
import time
from collections import deque
from multiprocessing.connection import wait
from typing import Any, Iterable, Iterator

from ..errors import InputError, OverclaimError, WorkerError  # noqa: F401  (WorkerError: raised here, importable from here)
from ..errors import ReferenceError_

_FORK_AUDITOR = None  # set in the parent just before forking so workers share it copy-on-write
_PARENT_ENDS: list = []  # the parent's ends of the result pipes (a forked worker closes its copies)


FORK_SAFE_THREADS = {"QueueFeederThread", "overclaim-rss-sampler"}


def _other_threads() -> list[threading.Thread]:
    """Threads besides this one that could hold a lock a forked child needs (multiprocessing's
    queue feeders and the bench's memory sampler are known not to)."""
    me = threading.current_thread()
    return [t for t in threading.enumerate() if t is not me and t.name not in FORK_SAFE_THREADS]


class SerialEngine:
    """Audit in this process with one :class:`~pipeline.run.auditor.Auditor`."""

    def __init__(self, auditor=None, *, overlays: Iterable[str] = ()) -> None:
        if auditor is None:
            from .auditor import Auditor

            auditor = Auditor(overlays=overlays)
        self.auditor = auditor

    def imap(self, items: Iterable) -> Iterator:
        """Results (or input errors) in input order."""
        return self.auditor.audit(items)

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _worker_main(wid: int, inq, conn, overlays: tuple[str, ...], models: bool = True,
                 strength_model: str = "fast") -> None:  # pragma: no cover - in a subprocess
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops the workers
    for c in _PARENT_ENDS:  # copies inherited through fork: holding them would keep our own pipe
        try:                # (and the others') open after the parent dies, so a send would block
            c.close()
        except OSError:
            pass
    try:
        auditor = _FORK_AUDITOR
        if auditor is None:
            from .auditor import Auditor

            auditor = Auditor(overlays=overlays, models=models, strength_model=strength_model)
    except BaseException as e:  # report why the worker cannot start, then stop
        conn.send(("init_error", type(e).__name__, str(e), isinstance(e, OverclaimError)))
        return
    conn.send(("ready",))
    parent = os.getppid()
    while True:
        try:
            msg = inq.get(timeout=1.0)
        except queue.Empty:
            if os.getppid() != parent:  # the parent was killed (e.g. SIGKILL): do not linger
                break
            continue
        if msg is None:
            break
        seq, art = msg
        conn.send(("start", seq))
        try:
            res = auditor.audit_article(art)
        except Exception as e:  # one bad article never stops a batch
            res = InputError(f"audit failed: {type(e).__name__}: {e}", path=art.id)
        try:
            data = pickle.dumps(res, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as e:
            data = pickle.dumps(InputError(f"result could not be sent back ({type(e).__name__})", path=art.id))
        conn.send(("done", seq, data))
    conn.close()


class _Worker:
    def __init__(self, ctx, wid: int, overlays: tuple[str, ...], models: bool = True,
                 strength_model: str = "fast") -> None:
        self.wid = wid
        self.inq = ctx.Queue()
        self.conn, child = ctx.Pipe(duplex=False)
        _PARENT_ENDS.append(self.conn)
        self.proc = ctx.Process(target=_worker_main, args=(wid, self.inq, child, overlays, models, strength_model),
                                name=f"overclaim-worker-{wid}", daemon=True)
        self.proc.start()
        child.close()
        self.assigned: deque = deque()  # (seq, article) in the order sent
        self.started: tuple[int, float] | None = None
        self.ready = False
        self.count = 0  # articles audited

    def stop(self, kill: bool = False) -> None:
        if self.conn in _PARENT_ENDS:
            _PARENT_ENDS.remove(self.conn)
        if kill:
            self.proc.kill()
        else:
            try:
                self.inq.put(None)
            except (OSError, ValueError):
                pass
        self.inq.cancel_join_thread()
        try:
            self.inq.close()
        except (OSError, ValueError):
            pass


class ProcessPool:
    """A pool of worker processes, each with its own Auditor.

    Args:
        workers: number of processes.
        overlays: editor overlay files for the reference.
        timeout: seconds one article may take before its worker is killed and the article is
            reported as failed (``None``: no limit).
        per_worker: articles queued per worker (bounds memory).
        start_method: ``fork`` (default on Linux when the parent has a single thread: workers share
            the parent's loaded Auditor; replacements started while other threads run use
            ``forkserver``), ``forkserver`` or ``spawn``. An explicit choice is always honoured.
        auditor: an Auditor already loaded in the parent (shared with forked workers).
        recycle_after: replace a worker by a fresh one after this many articles (spaCy's string
            store only grows with new words: recycling keeps memory flat on long batches).
    """

    def __init__(self, workers: int, *, overlays: Iterable[str] = (), timeout: float | None = None,
                 per_worker: int = 4, start_method: str | None = None, auditor=None,
                 recycle_after: int | None = 2000, models: bool = True,
                 strength_model: str = "fast") -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        self.n = workers
        self.overlays = tuple(str(o) for o in overlays)
        self.models = models
        self.strength_model = str(getattr(strength_model, "value", strength_model))
        self.timeout = timeout
        self.per_worker = per_worker
        self.recycle_after = recycle_after
        self.recycled = 0
        methods = mp.get_all_start_methods()
        self._auto = start_method is None and not os.environ.get("OVERCLAIM_START_METHOD")
        if start_method is None:
            start_method = os.environ.get("OVERCLAIM_START_METHOD") or (
                "fork" if "fork" in methods and not _other_threads() else
                "forkserver" if "forkserver" in methods else "spawn")
        self.ctx = mp.get_context(start_method)
        self.auditor = auditor if start_method == "fork" else None
        self.workers: list[_Worker] = []
        self._next_wid = 0
        self.crashed = 0
        self.timed_out = 0

    # -- lifecycle ----------------------------------------------------------------------------
    def _spawn(self) -> _Worker:
        global _FORK_AUDITOR
        ctx, auditor = self.ctx, self.auditor
        if ctx.get_start_method() == "fork" and auditor is not None:
            gc.freeze()  # the garbage collector would otherwise touch (copy) every shared page
        if self._auto and ctx.get_start_method() == "fork" and _other_threads():
            # forking while other threads run (progress bar, cluster client) can copy a held lock
            ctx = mp.get_context("forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn")
            auditor = None
        _FORK_AUDITOR = auditor
        try:
            w = _Worker(ctx, self._next_wid, self.overlays, self.models, self.strength_model)
        finally:
            _FORK_AUDITOR = None
        self._next_wid += 1
        return w

    def start(self) -> "ProcessPool":
        """Start the workers and wait until each has loaded its Auditor (raises if one cannot)."""
        self.workers = [self._spawn() for _ in range(self.n)]
        for w in self.workers:
            self._await_ready(w)
        return self

    def _await_ready(self, w: _Worker) -> None:
        try:
            msg = w.conn.recv()
        except (EOFError, OSError):
            self.close()
            raise WorkerError(f"worker process {w.wid} exited while starting (exit code {w.proc.exitcode})") from None
        if msg[0] == "init_error":
            self.close()
            _, name, text, known = msg
            if known and name.startswith("Reference"):
                raise ReferenceError_(text)
            raise WorkerError(f"worker could not start: {name}: {text}")
        w.ready = True

    def close(self) -> None:
        """Stop every worker (waits briefly, then kills)."""
        gc.unfreeze()
        for w in self.workers:
            w.stop()
        deadline = time.monotonic() + 5
        for w in self.workers:
            w.proc.join(max(0.0, deadline - time.monotonic()))
            if w.proc.is_alive():
                w.proc.kill()
                w.proc.join(1)
            try:
                w.conn.close()
            except OSError:
                pass
        self.workers = []

    def __enter__(self) -> "ProcessPool":
        return self.start() if not self.workers else self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- work ---------------------------------------------------------------------------------
    def _replace(self, w: _Worker, reason: str, done: dict) -> None:
        """Worker ``w`` died or hung: its current article fails with ``reason``; the rest of its
        queue goes to a new worker."""
        w.stop(kill=True)
        w.proc.join(2)
        try:
            w.conn.close()
        except OSError:
            pass
        if w.assigned:
            seq, art = w.assigned.popleft()
            done[seq] = InputError(reason.format(code=w.proc.exitcode), path=art.id,
                                   hint="the rest of the batch went on")
        nw = self._spawn()
        self._await_ready(nw)
        for seq, art in w.assigned:
            nw.inq.put((seq, art))
            nw.assigned.append((seq, art))
        self.workers[self.workers.index(w)] = nw

    def imap(self, items: Iterable) -> Iterator:
        """Audit ``items`` (articles and input errors); yield results in input order."""
        if not self.workers:
            self.start()
        it = iter(items)
        done: dict[int, Any] = {}
        seq = [0, 0]  # next input and next output sequence numbers
        exhausted = False
        while True:
            if not exhausted:
                exhausted = self._feed(it, done, seq)
            while seq[1] in done:
                yield done.pop(seq[1])
                seq[1] += 1
            if exhausted and seq[1] == seq[0]:
                return
            self._receive(done)
            self._check_workers(done)

    def _feed(self, it: Iterator, done: dict[int, Any], seq: list[int]) -> bool:
        """Hand items to the least busy live workers until the window is full (input errors go
        straight to ``done``); return whether ``it`` is exhausted."""
        inflight = sum(len(w.assigned) for w in self.workers)
        while inflight + len(done) < self.n * self.per_worker:
            live = [x for x in self.workers if not self._retiring(x)]
            if not live:
                return False  # every worker is draining before being replaced
            try:
                item = next(it)
            except StopIteration:
                return True
            if isinstance(item, InputError):
                done[seq[0]] = item
            else:
                w = min(live, key=lambda x: len(x.assigned))
                w.inq.put((seq[0], item))
                w.assigned.append((seq[0], item))
                inflight += 1
            seq[0] += 1
        return False

    def _receive(self, done: dict[int, Any]) -> None:
        """Wait up to 0.5 s for messages (or deaths) of the workers and handle the messages."""
        by_conn = {w.conn: w for w in self.workers}
        by_sentinel = {w.proc.sentinel: w for w in self.workers}
        ready = wait(list(by_conn) + list(by_sentinel), timeout=0.5)
        for r in ready:
            w = by_conn.get(r)
            if w is None:
                continue
            try:
                msg = w.conn.recv()
            except (EOFError, OSError):
                continue  # handled by _check_workers as a dead worker
            self._handle(w, msg, done)

    def _check_workers(self, done: dict[int, Any]) -> None:
        """Retire idle workers due for recycling, and replace dead and timed-out ones."""
        now = time.monotonic()
        for w in list(self.workers):
            if self._retiring(w) and not w.assigned:
                self.recycled += 1
                self._retire(w)
            elif not w.proc.is_alive():
                try:
                    while w.conn.poll():  # results it sent before dying still count
                        self._handle(w, w.conn.recv(), done)
                except (EOFError, OSError):
                    pass
                if w.assigned:
                    self.crashed += 1
                self._replace(w, "worker process died while auditing this article (exit code {code})", done)
            elif (self.timeout and w.started and w.assigned and w.assigned[0][0] == w.started[0]
                  and now - w.started[1] > self.timeout):
                self.timed_out += 1
                self._replace(w, f"audit took longer than {self.timeout:g} s; skipped", done)

    def _retiring(self, w: _Worker) -> bool:
        return bool(self.recycle_after) and w.count >= self.recycle_after

    def _retire(self, w: _Worker) -> None:
        """Replace an idle worker by a fresh one."""
        w.stop()
        w.proc.join(5)
        if w.proc.is_alive():
            w.proc.kill()
            w.proc.join(1)
        try:
            w.conn.close()
        except OSError:
            pass
        nw = self._spawn()
        self._await_ready(nw)
        self.workers[self.workers.index(w)] = nw

    @staticmethod
    def _handle(w: _Worker, msg: tuple, done: dict) -> None:
        if msg[0] == "start":
            w.started = (msg[1], time.monotonic())
        elif msg[0] == "done":
            if w.assigned and w.assigned[0][0] == msg[1]:
                w.assigned.popleft()
                w.count += 1
                try:
                    done[msg[1]] = pickle.loads(msg[2])
                except Exception as e:
                    done[msg[1]] = InputError(f"result could not be read back ({type(e).__name__})")
            w.started = None
