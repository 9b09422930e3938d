"""Per-system SQLAlchemy engine and sessions: SQLite (WAL, busy timeout, immediate writes) or PostgreSQL via psycopg 3."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry

if TYPE_CHECKING:
    from federation.settings import Settings

READ_ONLY = "scs_read_only"
BUSY_TIMEOUT_SECONDS = 30
FIRST_PAUSE_SECONDS = 0.0002
LONGEST_PAUSE_SECONDS = 0.002
#: SQLite reads the database file through a memory map of up to this size instead of a read() per page: the OS's
#: shared page cache serves every connection, and a search at 100k products reads its index and rows in 1.9 ms,
#: not 2.6 (the default 2 MB cache per connection misses there).
MMAP_BYTES = 256 * 1024 * 1024


def normalise_url(url: str) -> str:
    """Use psycopg 3 for plain postgresql:// URLs."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine tuned so a web process and a worker can share one SQLite file, or a pooled PostgreSQL engine."""
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, **kwargs)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_SECONDS, "check_same_thread": False}, **kwargs)
    event.listen(engine, "connect", _configure_sqlite_connection)
    event.listen(engine, "begin", _begin_sqlite_transaction)
    return engine


def _configure_sqlite_connection(dbapi_connection: sqlite3.Connection, _record: ConnectionPoolEntry) -> None:
    """WAL lets readers run beside one writer, reads go through a memory map; our own transaction handling."""
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_SECONDS * 1000}")
    cursor.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
    cursor.close()


def _begin_sqlite_transaction(connection: Connection) -> None:
    """Take the write lock up front (BEGIN IMMEDIATE) so a read-then-write never fails on a stale snapshot."""
    if connection.get_execution_options().get(READ_ONLY):
        connection.exec_driver_sql("BEGIN")
    else:
        _take_write_lock(connection.connection.dbapi_connection)


def _take_write_lock(dbapi_connection: Any) -> None:
    """BEGIN IMMEDIATE, tried again every fraction of a millisecond while another connection holds the lock.

    SQLite's own busy handler sleeps 1, 2, 5, 10, 15, 20, 25, 25… ms between tries, so a transaction that
    found the lock taken for a moment often waited 20 to 100 ms for a writer that needed one: in the latency
    benchmark these waits made the relay's whole tail (docs/performance.md).
    """
    dbapi_connection.execute("PRAGMA busy_timeout=0")
    try:
        deadline = time.monotonic() + BUSY_TIMEOUT_SECONDS
        pause = FIRST_PAUSE_SECONDS
        while True:
            try:
                dbapi_connection.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or time.monotonic() > deadline:
                    raise
            time.sleep(pause)
            pause = min(pause * 1.5, LONGEST_PAUSE_SECONDS)
    finally:
        dbapi_connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_SECONDS * 1000}")


def walk_the_index(connection: Connection) -> None:
    """On PostgreSQL, have the rest of this transaction read through plain index scans rather than bitmap scans.

    Rows the relay marks published and rows housekeeping deletes leave their old index entries behind until
    VACUUM. A bitmap scan visits the table row of every such entry on every read (the relay's batch read grew
    sixfold in a few minutes of soak); an index scan marks them dead as it passes and skips them afterwards.
    """
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL enable_bitmapscan = off")


def relay_batch_engine(engine: Engine) -> Engine:
    """The engine the relay reads its batches and writes its marks with: on PostgreSQL one of its own, else `engine`.

    On PostgreSQL its one pooled connection runs in autocommit, reads through plain index scans for the whole
    session (why: `walk_the_index`) and commits without waiting for the disk (a mark lost in a database crash only
    publishes its rows again, and the consumers' inboxes drop them). A read or a mark is then one round trip after
    the pool's ping instead of five (BEGIN, SET LOCAL, the statement, COMMIT or ROLLBACK). On SQLite a read-only
    transaction costs no round trip and takes no lock, and WAL with `synchronous=NORMAL` commits without a flush.
    """
    if engine.dialect.name != "postgresql":
        return engine
    return create_engine(
        engine.url,
        pool_size=1,
        pool_pre_ping=True,
        isolation_level="AUTOCOMMIT",
        connect_args={"options": "-c enable_bitmapscan=off -c synchronous_commit=off"},
    )


def make_session_factory(engine: Engine, settings: Settings | None = None) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit (handy in views and tests), with the system's settings.

    `session.info["settings"]` lets a reactive function reach what it needs besides the database (its file store).
    """
    return sessionmaker(engine, expire_on_commit=False, info={"settings": settings} if settings else None)


def read_only(engine: Engine) -> Engine:
    """The same engine and pool, but SQLite transactions begin deferred (for GET requests)."""
    return engine.execution_options(**{READ_ONLY: True})
