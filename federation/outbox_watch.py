"""Wake the relay as soon as another connection commits to the outbox, instead of polling it every few milliseconds.

PostgreSQL: `outbox.add` sends NOTIFY in the writing transaction (delivered only if it commits) and the relay
LISTENs on a connection of its own. SQLite has no notifications across processes: a transaction that added outbox
rows touches a file beside the database once it has committed (`<database>-outbox`), and the relay waits for the
kernel to report that (Linux inotify, through the C library), so it sleeps while nothing is written and wakes for
its own outbox's commits only, not for every commit of the consumer beside it. Where inotify is missing (macOS,
Windows, an in-memory database) it reads `PRAGMA data_version` every 5 ms instead, which changes whenever another
connection commits. The relay still reads the outbox at least every poll interval, whatever the watch says.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import select
import struct
import sys
import time
from pathlib import Path
from typing import Any, Protocol

import psycopg
from sqlalchemy import ColumnElement, Engine, event, func, text
from sqlalchemy.orm import Session
from sqlalchemy.pool import PoolProxiedConnection

from federation.runtime_models import OutboxMessage

log = logging.getLogger(__name__)

CHANNEL = "scs_outbox"
ANNOUNCED_IN = "scs_outbox_announced_in"  # session.info key: the transaction that already sent its NOTIFY
SIGNAL_AFTER_COMMIT = "scs_outbox_signal"  # session.info key: the file to touch once the transaction commits
SQLITE_CHECK_SECONDS = 0.005
NEWEST_ROW = f"SELECT max(seq) FROM {OutboxMessage.__tablename__}"


class OutboxWatch(Protocol):
    """Blocks until the outbox may hold something new (True), or the timeout passes (False).

    A watch with a descriptor (`fileno`) can be waited on in an event loop instead: once the descriptor is
    readable, `fired` says whether that was news of the outbox.
    """

    def wait(self, timeout: float) -> bool:
        """True once the outbox may hold something new, False when `timeout` seconds passed first."""
        ...

    def fileno(self) -> int | None:
        """A descriptor that turns readable when the outbox may hold something new; None if this watch has none."""
        ...

    def fired(self) -> bool:
        """Without blocking: whether the outbox may hold something new since the last call (True right after starting)."""
        ...

    def close(self) -> None:
        """Release the watch's connection."""
        ...


def announce(session: Session) -> None:
    """Have the relays watching this database woken when the session's transaction commits.

    PostgreSQL: NOTIFY, once per transaction (a resync adds thousands of rows in one). SQLite: the signal file is
    touched after the commit (`_touch_signal`).
    """
    bind = session.get_bind()
    if bind.dialect.name != "postgresql":
        signal = signal_file(bind.engine)
        if signal is not None:
            session.info[SIGNAL_AFTER_COMMIT] = signal
        return
    transaction = session.get_transaction()
    if transaction is not None and session.info.get(ANNOUNCED_IN) is transaction:
        return
    with session.no_autoflush:  # pending changes still fail where their callers expect it: at flush or commit
        session.execute(text(f"NOTIFY {CHANNEL}"))
    session.info[ANNOUNCED_IN] = session.get_transaction()


def notification() -> ColumnElement[Any]:
    """The PostgreSQL expression that notifies the relays (delivered at commit; sent once however often per transaction)."""
    return func.pg_notify(CHANNEL, "")


def announced(session: Session) -> None:
    """Note that the session's transaction has sent the relays' notification already (its outbox INSERT did)."""
    session.info[ANNOUNCED_IN] = session.get_transaction()


def signal_file(engine: Engine) -> Path | None:
    """The file beside a SQLite database that commits to its outbox touch (None for an in-memory database)."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(f"{database}-outbox")


@event.listens_for(Session, "after_commit")
def _touch_signal(session: Session) -> None:
    """Once a transaction that added outbox rows to a SQLite database has committed, tell its relay (a few µs)."""
    signal = session.info.pop(SIGNAL_AFTER_COMMIT, None)
    if signal is None:
        return
    try:
        os.utime(signal)
    except FileNotFoundError:  # no relay has watched this database yet
        signal.touch()
    except OSError as error:  # the relay still reads the outbox every poll interval
        log.warning("outbox: cannot touch %s (%s)", signal, error)


@event.listens_for(Session, "after_rollback")
def _forget_signal(session: Session) -> None:
    """A transaction rolled back: its outbox rows are gone, nobody to wake."""
    session.info.pop(SIGNAL_AFTER_COMMIT, None)


def watch_outbox(engine: Engine) -> OutboxWatch:
    """The watch that suits the engine's database."""
    if engine.dialect.name == "postgresql":
        return PostgresNotifications(engine.url.set(drivername="postgresql").render_as_string(hide_password=False))
    signal = signal_file(engine)
    if signal is not None and _inotify is not None:
        return SqliteCommitSignal(signal)
    return SqliteDataVersion(engine)


class PostgresNotifications:
    """LISTEN on a connection of the relay's own; while the database is unreachable, wait the whole timeout."""

    def __init__(self, url: str) -> None:
        """A watch on the database at `url` (connected at the first wait)."""
        self.url = url
        self._connection: psycopg.Connection | None = None
        self._fresh = False

    def wait(self, timeout: float) -> bool:
        """True on the first notification, False after `timeout` seconds without one."""
        try:
            if self._listening() is None:
                return True  # rows may have arrived while nobody listened: read the outbox now
            assert self._connection is not None
            return any(True for _ in self._connection.notifies(timeout=timeout, stop_after=1))
        except psycopg.Error as error:
            self._lost(error)
            time.sleep(timeout)
            return False

    def fileno(self) -> int | None:
        """The listening connection's socket (connecting first); None while the database cannot be reached."""
        try:
            self._fresh = self._listening() is None or self._fresh
            assert self._connection is not None
            return self._connection.fileno()
        except psycopg.Error as error:
            self._lost(error)
            return None

    def fired(self) -> bool:
        """Whether a notification has come (reading every one that has), or the connection is new."""
        fresh, self._fresh = self._fresh, False
        if self._connection is None:
            return True
        try:
            return sum(1 for _ in self._connection.notifies(timeout=0)) > 0 or fresh
        except psycopg.Error as error:
            self._lost(error)
            return True

    def _listening(self) -> psycopg.Connection | None:
        """The listening connection, or None after opening a new one (which may have missed notifications)."""
        if self._connection is not None and not self._connection.closed:
            return self._connection
        self._connection = psycopg.connect(self.url, autocommit=True, connect_timeout=5)
        self._connection.execute(f"LISTEN {CHANNEL}")
        return None

    def _lost(self, error: psycopg.Error) -> None:
        """The listening connection failed: drop it (the relay reads the outbox every poll interval meanwhile)."""
        log.warning("relay: cannot listen for outbox notifications (%s); polling", error)
        self.close()

    def close(self) -> None:
        """Close the listening connection."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None


class SqliteDataVersion:
    """Watches `PRAGMA data_version` on a connection of the relay's own, and on a change the outbox's newest row.

    data_version changes when any other connection commits (the consumer's applies and the relay's own marks
    too), so only a new outbox row ends the wait; rows are numbered in commit order, as SQLite writes one at a time.
    """

    def __init__(self, engine: Engine) -> None:
        """A watch on the SQLite database of `engine`."""
        self.engine = engine
        self._connection: PoolProxiedConnection | None = None
        self._version: int | None = None
        self._newest_row: int | None = None

    def wait(self, timeout: float) -> bool:
        """True once a row was added to the outbox since the last call, False after `timeout` seconds without one."""
        deadline = time.monotonic() + timeout
        while not self.fired():
            if time.monotonic() >= deadline:
                return False
            time.sleep(SQLITE_CHECK_SECONDS)
        return True

    def fileno(self) -> None:
        """No descriptor: `wait` reads data_version every few milliseconds instead."""
        return None

    def fired(self) -> bool:
        """Whether a row was added to the outbox since the last call (True at the first, which opens the connection)."""
        if self._connection is None:
            self._connection = self.engine.raw_connection()
            self._version, self._newest_row = self._read("PRAGMA data_version"), self._read(NEWEST_ROW)
            return True  # rows may have arrived while nobody watched: read the outbox now
        version = self._read("PRAGMA data_version")
        if version == self._version:
            return False
        self._version = version
        newest_row = self._read(NEWEST_ROW)
        if newest_row == self._newest_row:
            return False
        self._newest_row = newest_row
        return True

    def _read(self, sql: str) -> int | None:
        """One value, read outside any transaction (SQLAlchemy's session costs more than the query)."""
        assert self._connection is not None  # opened by the first wait
        cursor = self._connection.cursor()
        try:
            cursor.execute(sql)
            row = cursor.fetchone()
            value: int | None = row[0] if row is not None else None
            return value
        finally:
            cursor.close()

    def close(self) -> None:
        """Hand the connection back to the pool."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def _load_inotify() -> ctypes.CDLL | None:
    """The C library, when it has inotify (Linux)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.inotify_init1, libc.inotify_add_watch  # noqa: B018 (both must exist)
    except (OSError, AttributeError):
        return None
    return libc


_inotify = _load_inotify()
_IN_ATTRIB, _IN_CLOSE_WRITE, _IN_DELETE_SELF, _IN_MOVE_SELF, _IN_IGNORED = 0x4, 0x8, 0x400, 0x800, 0x8000
_EVENT_HEADER = struct.Struct("iIII")  # struct inotify_event: wd, mask, cookie, len (no name: a file is watched)


class SqliteCommitSignal:
    """Waits for the kernel to report that a committing writer touched the signal file (inotify on that file).

    The file itself is watched, not its folder: the three systems' databases share a folder by default, and a
    folder watch woke each relay for every other system's commits too. The file is created when the watch starts;
    should it be removed or replaced, the next wait watches the new one (and reads the outbox first). Events
    queue in the kernel between waits, so a commit that lands while the relay reads the outbox is not missed.
    """

    def __init__(self, signal: Path) -> None:
        """A watch on `signal` (the watching starts at the first wait)."""
        self.signal = signal
        self._fd: int | None = None
        self._fresh = False

    def wait(self, timeout: float) -> bool:
        """True once a writer signalled a commit since the last call, False after `timeout` seconds without one."""
        deadline = time.monotonic() + timeout
        while not self.fired():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            select.select([self.fileno()], [], [], remaining)
        return True

    def fileno(self) -> int:
        """The inotify descriptor (the watching starts at the first call): readable once the signal file was touched."""
        if self._fd is None:
            self._fd = self._watch()
            self._fresh = True  # rows may have arrived while nobody watched: read the outbox now
        return self._fd

    def fired(self) -> bool:
        """Whether a writer touched the signal file since the last call (reading every queued event), or watching just began."""
        if self._fd is None:
            self.fileno()
        fresh, self._fresh = self._fresh, False
        return self._signalled() or fresh

    def _watch(self) -> int:
        """An inotify descriptor watching the signal file (created if missing) for touches, writes and its removal."""
        assert _inotify is not None  # chosen only where it exists
        self.signal.parent.mkdir(parents=True, exist_ok=True)
        self.signal.touch()
        fd = int(_inotify.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC))
        if fd < 0:
            raise OSError(ctypes.get_errno(), "inotify_init1 failed")
        mask = _IN_ATTRIB | _IN_CLOSE_WRITE | _IN_DELETE_SELF | _IN_MOVE_SELF
        if _inotify.inotify_add_watch(fd, os.fsencode(self.signal), mask) < 0:
            error = ctypes.get_errno()
            os.close(fd)
            raise OSError(error, f"inotify cannot watch {self.signal}")
        return fd

    def _signalled(self) -> bool:
        """Read every queued event; whether there was one. A removed or replaced file ends this watch (the next starts anew)."""
        assert self._fd is not None
        signalled, gone = False, False
        while True:
            try:
                events = os.read(self._fd, 65536)
            except BlockingIOError:
                break
            signalled = True
            for offset in range(0, len(events), _EVENT_HEADER.size):
                _, mask, _, _ = _EVENT_HEADER.unpack_from(events, offset)
                gone = gone or bool(mask & (_IN_DELETE_SELF | _IN_MOVE_SELF | _IN_IGNORED))
        if gone:
            self.close()
        return signalled

    def close(self) -> None:
        """Stop watching."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
