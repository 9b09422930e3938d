"""Wake the relay as soon as another connection commits to the outbox, instead of polling it every few milliseconds.

PostgreSQL: `outbox.add` sends NOTIFY in the writing transaction (delivered only if it commits) and the relay
LISTENs on a connection of its own. SQLite has no notifications across processes, but `PRAGMA data_version`
changes whenever another connection commits, and reading it costs microseconds, so the relay checks it every 5 ms.
The relay still reads the outbox at least every poll interval, whatever the watch says.
"""

from __future__ import annotations

import logging
import time
from typing import Protocol

import psycopg
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session
from sqlalchemy.pool import PoolProxiedConnection

from federation.runtime_models import OutboxMessage

log = logging.getLogger(__name__)

CHANNEL = "scs_outbox"
ANNOUNCED_IN = "scs_outbox_announced_in"  # session.info key: the transaction that already sent its NOTIFY
SQLITE_CHECK_SECONDS = 0.005
NEWEST_ROW = f"SELECT max(seq) FROM {OutboxMessage.__tablename__}"


class OutboxWatch(Protocol):
    """Blocks until the outbox may hold something new (True), or the timeout passes (False)."""

    def wait(self, timeout: float) -> bool:
        """True once the outbox may hold something new, False when `timeout` seconds passed first."""
        ...

    def close(self) -> None:
        """Release the watch's connection."""
        ...


def announce(session: Session) -> None:
    """Have PostgreSQL wake the relays listening on this database when the session's transaction commits.

    Once per transaction: a resync adds thousands of rows in one.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    transaction = session.get_transaction()
    if transaction is not None and session.info.get(ANNOUNCED_IN) is transaction:
        return
    with session.no_autoflush:  # pending changes still fail where their callers expect it: at flush or commit
        session.execute(text(f"NOTIFY {CHANNEL}"))
    session.info[ANNOUNCED_IN] = session.get_transaction()


def watch_outbox(engine: Engine) -> OutboxWatch:
    """The watch that suits the engine's database."""
    if engine.dialect.name == "postgresql":
        return PostgresNotifications(engine.url.set(drivername="postgresql").render_as_string(hide_password=False))
    return SqliteDataVersion(engine)


class PostgresNotifications:
    """LISTEN on a connection of the relay's own; while the database is unreachable, wait the whole timeout."""

    def __init__(self, url: str) -> None:
        """A watch on the database at `url` (connected at the first wait)."""
        self.url = url
        self._connection: psycopg.Connection | None = None

    def wait(self, timeout: float) -> bool:
        """True on the first notification, False after `timeout` seconds without one."""
        try:
            if self._connection is None or self._connection.closed:
                self._connection = psycopg.connect(self.url, autocommit=True, connect_timeout=5)
                self._connection.execute(f"LISTEN {CHANNEL}")
                return True  # rows may have arrived while nobody listened: read the outbox now
            return any(True for _ in self._connection.notifies(timeout=timeout, stop_after=1))
        except psycopg.Error as error:
            log.warning("relay: cannot listen for outbox notifications (%s); polling", error)
            self.close()
            time.sleep(timeout)
            return False

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
        if self._connection is None:
            self._connection = self.engine.raw_connection()
            self._version, self._newest_row = self._read("PRAGMA data_version"), self._read(NEWEST_ROW)
            return True  # rows may have arrived while nobody watched: read the outbox now
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            version = self._read("PRAGMA data_version")
            if version != self._version:
                self._version = version
                newest_row = self._read(NEWEST_ROW)
                if newest_row != self._newest_row:
                    self._newest_row = newest_row
                    return True
            time.sleep(SQLITE_CHECK_SECONDS)
        return False

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
