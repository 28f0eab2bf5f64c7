"""Sign-in throttling for the review app.

Per account (the username typed) and per client address, failed sign-ins within a window are
counted from the ``sign_in_events`` table, so the limits hold across worker processes and restarts:

- **backoff**: after :attr:`SignInPolicy.free` failures each further failure is answered after a
  growing delay (the request waits in the event loop, holding no thread);
- **lockout**: the ``limit``-th failure within ``window`` seconds locks sign-in for that account
  (or address) for ``lockout`` seconds: every attempt, even with the right password, gets 429 and
  ``Retry-After`` without a password check;
- **bounded cost**: at most ``concurrent`` argon2 checks run at once (an AnyIO capacity limiter);
  more than ``max_waiting`` queued sign-ins get 503 "busy" with ``Retry-After``, so guessing cannot
  starve the editors' pages (which run in the thread pool) or ``/healthz``.

Every attempt is recorded (``ok``, ``wrong_password``, ``unknown_user``, ``disabled``, ``locked``,
``busy``); at the next successful sign-in the editor sees the last sign-in and the failed attempts
on the account since (:func:`notice`).

Example:
    >>> SignInPolicy().delay(3), SignInPolicy().delay(4), SignInPolicy().delay(9)
    (0.0, 0.125, 2.0)
"""
from __future__ import annotations

import asyncio
import datetime as dt
import math
import weakref
from dataclasses import dataclass
from typing import Callable

import anyio
import anyio.to_thread
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import auth
from .db import Editor, SignInEvent, utcnow

FAILURES = ("wrong_password", "unknown_user", "disabled")  # outcomes that count towards a lockout


@dataclass(frozen=True)
class SignInPolicy:
    """Limits of :class:`SignInGuard` (defaults: 10 failures a minute lock for 5 minutes)."""

    limit: int = 10
    window: float = 60.0
    lockout: float = 300.0
    free: int = 3
    backoff_base: float = 0.125
    backoff_cap: float = 2.0
    concurrent: int = 2
    max_waiting: int = 32

    def delay(self, failures: int) -> float:
        """Seconds to wait before answering the ``failures``-th failure in the window."""
        if failures <= self.free or self.backoff_cap <= 0:
            return 0.0
        return min(self.backoff_cap, self.backoff_base * 2 ** (failures - self.free - 1))


@dataclass
class Outcome:
    """How a sign-in ended: ``ok``, ``failed``, ``locked`` or ``busy``."""

    status: str
    editor_id: int | None = None
    retry_after: int = 0
    delay: float = 0.0
    scope: str = ""  # locked: "account" or "address"
    until: dt.datetime | None = None
    notice: str | None = None

    @property
    def message(self) -> str:
        """What the sign-in page says."""
        if self.status == "locked":
            who = "this account" if self.scope == "account" else "your network address"
            return (f"Too many failed sign-ins for {who}: sign-in is locked for {_duration(self.retry_after)} "
                    f"(until {self.until:%H:%M:%S} UTC), even with the right password. Try again then.")
        if self.status == "busy":
            return f"The server is busy checking other sign-ins; try again in {self.retry_after} seconds."
        return "Wrong username or password."


def _duration(seconds: int) -> str:
    m, s = divmod(max(0, int(seconds)), 60)
    return (f"{m} min {s} s" if s else f"{m} min") if m else f"{s} s"


class SignInGuard:
    """Checks sign-ins against the review database with the limits of ``policy``.

    Args:
        db: a :class:`pipeline.review.store.ReviewDB`.
        policy: the limits (default :class:`SignInPolicy`).

    ``now`` (a callable returning naive UTC) can be replaced, e.g. by tests that let a lockout expire.
    """

    def __init__(self, db, policy: SignInPolicy | None = None) -> None:
        self.db = db
        self.policy = policy or SignInPolicy()
        self.now: Callable[[], dt.datetime] = utcnow
        self._gates: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self._queued = 0  # sign-ins checking or waiting to check (changed in the event loop only)

    def _gate(self) -> anyio.CapacityLimiter:
        loop = asyncio.get_running_loop()  # one limiter per event loop (production has one)
        gate = self._gates.get(loop)
        if gate is None:
            gate = self._gates[loop] = anyio.CapacityLimiter(self.policy.concurrent)
        return gate

    async def sign_in(self, username: str, password: str, client: str) -> Outcome:
        """Check one sign-in (see the module docstring for the limits)."""
        username, client = username[:64], (client or "?")[:64]
        lock = await anyio.to_thread.run_sync(self._refusal, username, client)
        if lock is not None:
            return lock
        if self._queued >= self.policy.concurrent + self.policy.max_waiting:
            await anyio.to_thread.run_sync(self._record, username, client, "busy", None)
            return Outcome("busy", retry_after=5)
        self._queued += 1
        try:
            return await anyio.to_thread.run_sync(self._check, username, password, client, limiter=self._gate())
        finally:
            self._queued -= 1

    def _check(self, username: str, password: str, client: str) -> Outcome:
        """In a gated worker thread: the lockout again (it may have started while this attempt
        waited), then the argon2 check, then the record."""
        lock = self._refusal(username, client)
        if lock is not None:
            return lock
        with self.db.Session() as s:
            ed, why = auth.check_password(s, username, password)
        ed_id = ed.id if ed is not None else None
        if why == "ok":
            with self.db.Session() as s:
                text = notice(s, ed_id)
            self._record(username, client, "ok", ed_id)
            return Outcome("ok", editor_id=ed_id, notice=text)
        self._record(username, client, why, ed_id)
        n = max(self._failures(SignInEvent.username, username), self._failures(SignInEvent.client, client))
        return Outcome("failed", editor_id=ed_id, delay=self.policy.delay(n))

    def _refusal(self, username: str, client: str) -> Outcome | None:
        """A ``locked`` outcome (recorded) when the account or the address is locked, else None."""
        now = self.now()
        for scope, col, value in (("account", SignInEvent.username, username),
                                  ("address", SignInEvent.client, client)):
            until = self._locked_until(col, value, now)
            if until is not None:
                self._record(username, client, "locked", None)
                return Outcome("locked", retry_after=max(1, math.ceil((until - now).total_seconds())),
                               scope=scope, until=until)
        return None

    def _locked_until(self, col, value: str, now: dt.datetime) -> dt.datetime | None:
        """End of the lockout started by ``limit`` failures within ``window`` (None: not locked)."""
        p = self.policy
        since = now - dt.timedelta(seconds=p.window + p.lockout)
        with self.db.Session() as s:
            times = s.execute(select(SignInEvent.at).where(col == value, SignInEvent.outcome.in_(FAILURES),
                                                           SignInEvent.at > since)
                              .order_by(SignInEvent.at.desc(), SignInEvent.id.desc()).limit(p.limit)).scalars().all()
        if len(times) < p.limit or (times[0] - times[-1]).total_seconds() > p.window:
            return None
        until = times[0] + dt.timedelta(seconds=p.lockout)
        return until if until > now else None

    def _failures(self, col, value: str) -> int:
        since = self.now() - dt.timedelta(seconds=self.policy.window)
        with self.db.Session() as s:
            return s.execute(select(func.count()).select_from(SignInEvent).where(
                col == value, SignInEvent.outcome.in_(FAILURES), SignInEvent.at > since)).scalar_one()

    def _record(self, username: str, client: str, outcome: str, editor_id: int | None) -> None:
        with self.db.Session.begin() as s:
            if editor_id is None:
                editor_id = s.execute(select(Editor.id).where(Editor.username == username)).scalar()
            s.add(SignInEvent(at=self.now(), username=username, editor_id=editor_id, client=client,
                              outcome=outcome))


def _when(e: SignInEvent) -> str:
    return f"{e.at:%Y-%m-%d %H:%M} UTC from {e.client}"


def notice(s: Session, editor_id: int) -> str:
    """What an editor is told on signing in: the previous sign-in and the failed or refused
    attempts on the account since (the current sign-in is not recorded yet)."""
    last_ok = s.execute(select(SignInEvent).where(SignInEvent.editor_id == editor_id, SignInEvent.outcome == "ok")
                        .order_by(SignInEvent.at.desc(), SignInEvent.id.desc()).limit(1)).scalar()
    q = select(SignInEvent).where(SignInEvent.editor_id == editor_id,
                                  SignInEvent.outcome.in_((*FAILURES, "locked")))
    if last_ok is not None:
        q = q.where(SignInEvent.id > last_ok.id)
    bad = s.execute(q.order_by(SignInEvent.at, SignInEvent.id)).scalars().all()
    head = f"Your previous sign-in: {_when(last_ok)}." if last_ok else "This is the first sign-in to this account."
    failed = [e for e in bad if e.outcome != "locked"]
    refused = len(bad) - len(failed)
    if not bad:
        return head + " No failed sign-in attempts since."
    parts = []
    if failed:
        parts.append(f"{len(failed)} failed sign-in attempt(s) on your account, the last {_when(failed[-1])}")
    if refused:
        parts.append(f"{refused} attempt(s) refused while sign-in was locked")
    return f"{head} Since then: {'; '.join(parts)}. If that was not you, tell an administrator."
