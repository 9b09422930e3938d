"""Settings of one system, read from the environment names of ARCHITECTURE §9."""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from federation.broker_urls import parse as parse_broker_urls
from federation.files import write_whole

DEFAULT_PORTS = {"user": 5001, "catalog": 5002, "order": 5003}
DEFAULT_AMQP_URL = "amqp://guest:guest@localhost:5672/"
DEFAULT_RELAY_LEASE_SECONDS = 5.0


class InvalidSetting(ValueError):
    """A variable holds none of its accepted forms; the message names the variable and the forms (one line)."""


DEFAULT_OUTBOX_RETENTION = timedelta(hours=1)  # why these defaults: docs/housekeeping.md
DEFAULT_INBOX_RETENTION = timedelta(days=1)
DEFAULT_PRUNE_INTERVAL = timedelta(minutes=1)
DURATION_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
_DURATION = re.compile(r"\s*(\d+)\s*([smhd]?)\s*")


@dataclass(frozen=True)
class Settings:
    """Everything a system's web and worker processes need to know about their surroundings."""

    system: str
    amqp_url: str  # one broker URL, or several (the nodes of a cluster) separated by commas
    namespace: str
    data_dir: Path
    database_url: str
    port: int
    system_urls: Mapping[str, str]
    retry_delays_ms: tuple[int, ...] = (1000, 5000, 30000)
    prefetch: int = 50
    relay_poll_seconds: float = 2.0  # only the longest wait: commits wake the relay (federation/outbox_watch.py)
    relay_batch_size: int = 200
    relay_lease_seconds: float = DEFAULT_RELAY_LEASE_SECONDS
    jwt_issuer: str = "scs-user"
    jwt_audience: str = "scs"
    public_key_files: tuple[Path, ...] = field(default_factory=tuple)
    secret_key: str | None = None
    passive_foreign_topology: bool = False
    public_keys_path: Path | None = None
    ready_max_outbox_backlog: int = 10000
    ready_max_outbox_age_seconds: float = 300.0
    outbox_max_attempts: int = 5
    trusted_proxies: int = 0
    cookie_domain: str | None = None
    outbox_retention: timedelta = DEFAULT_OUTBOX_RETENTION
    inbox_retention: timedelta = DEFAULT_INBOX_RETENTION
    prune_interval: timedelta = DEFAULT_PRUNE_INTERVAL
    files_path: Path | None = None

    @classmethod
    def from_env(cls, system: str, environ: Mapping[str, str] | None = None) -> Settings:
        """Read a system's settings from `environ` (default: the process environment)."""
        env = os.environ if environ is None else environ
        upper = system.upper()
        data_dir = Path(env.get("SCS_DATA_DIR", "./var")).resolve()
        urls = {
            name: env.get(f"SCS_{name.upper()}_URL", f"http://localhost:{_port(env, name)}") for name in DEFAULT_PORTS
        }
        key_files = tuple(Path(p) for p in env.get("SCS_AUTH_PUBLIC_KEY_FILES", "").split(",") if p.strip())
        return cls(
            system=system,
            amqp_url=_amqp_url(env, upper),
            namespace=env.get("SCS_NAMESPACE", "").strip(),
            data_dir=data_dir,
            database_url=env.get(f"SCS_{upper}_DATABASE_URL") or f"sqlite:///{data_dir / (system + '.db')}",
            port=_port(env, system),
            system_urls=urls,
            retry_delays_ms=tuple(int(ms) for ms in env.get("SCS_RETRY_DELAYS_MS", "1000,5000,30000").split(",")),
            prefetch=int(env.get("SCS_PREFETCH", "50")),
            relay_poll_seconds=float(env.get("SCS_RELAY_POLL_SECONDS", "2")),
            relay_lease_seconds=_lease_seconds(env),
            public_key_files=key_files,
            secret_key=env.get(f"SCS_{upper}_SECRET_KEY") or env.get("SCS_SECRET_KEY"),
            passive_foreign_topology=env.get("SCS_TOPOLOGY", "declare") == "verify",
            public_keys_path=Path(env["SCS_PUBLIC_KEYS_DIR"]) if env.get("SCS_PUBLIC_KEYS_DIR") else None,
            ready_max_outbox_backlog=int(env.get("SCS_READY_MAX_OUTBOX_BACKLOG", "10000")),
            ready_max_outbox_age_seconds=float(env.get("SCS_READY_MAX_OUTBOX_AGE_SECONDS", "300")),
            outbox_max_attempts=_whole_number(env, "SCS_OUTBOX_MAX_ATTEMPTS", "5", minimum=1),
            trusted_proxies=_whole_number(env, "SCS_TRUSTED_PROXIES", "0", minimum=0),
            cookie_domain=env.get("SCS_COOKIE_DOMAIN") or None,
            outbox_retention=_duration(env, "SCS_OUTBOX_RETENTION", DEFAULT_OUTBOX_RETENTION),
            inbox_retention=_duration(env, "SCS_INBOX_RETENTION", DEFAULT_INBOX_RETENTION),
            prune_interval=_duration(env, "SCS_PRUNE_INTERVAL", DEFAULT_PRUNE_INTERVAL),
            files_path=Path(env[f"SCS_{upper}_FILES_DIR"]) if env.get(f"SCS_{upper}_FILES_DIR") else None,
        )

    @property
    def keys_dir(self) -> Path:
        """Where the user system keeps its private signing keys (and, by default, the public halves)."""
        return self.data_dir / "keys"

    @property
    def public_keys_dir(self) -> Path:
        """Where token verifiers find the issuer's public keys (SCS_PUBLIC_KEYS_DIR, e.g. a volume shared read-only)."""
        return self.public_keys_path or self.keys_dir

    @property
    def files_dir(self) -> Path:
        """Where the system's file store keeps its files (SCS_<SYSTEM>_FILES_DIR, e.g. a volume its processes share)."""
        return self.files_path or self.data_dir / "files" / self.system

    @property
    def metrics_dir(self) -> Path:
        """Where the system's web and worker processes keep their Prometheus metric files."""
        return self.data_dir / "metrics" / self.system

    def flask_secret_key(self) -> str:
        """The configured secret, or one generated on first run into the data directory (never committed)."""
        if self.secret_key:
            return self.secret_key
        path = self.data_dir / f"{self.system}.secret"
        if not path.exists():
            write_whole(path, secrets.token_urlsafe(48).encode(), replace=False)  # whoever links first wins
        return path.read_text().strip()


def _amqp_url(env: Mapping[str, str], upper: str) -> str:
    """The system's broker URL list (SCS_<SYSTEM>_AMQP_URL, else SCS_AMQP_URL), checked: a bad entry raises BrokerUrlError."""
    setting = f"SCS_{upper}_AMQP_URL" if env.get(f"SCS_{upper}_AMQP_URL") else "SCS_AMQP_URL"
    value = env.get(setting, DEFAULT_AMQP_URL)
    parse_broker_urls(value, setting)
    return value


def _port(env: Mapping[str, str], system: str) -> int:
    """The HTTP port of `system`: its SCS_<SYSTEM>_PORT or the default."""
    return int(env.get(f"SCS_{system.upper()}_PORT", DEFAULT_PORTS.get(system, 5000)))


def _whole_number(env: Mapping[str, str], name: str, default: str, minimum: int) -> int:
    """A whole-number setting of at least `minimum`, or an InvalidSetting that names the variable."""
    raw = env.get(name, default).strip()
    if not (raw.isascii() and raw.isdigit()) or int(raw) < minimum:
        raise InvalidSetting(f"{name} must be a whole number of at least {minimum}, not {raw!r}")
    return int(raw)


def _lease_seconds(env: Mapping[str, str]) -> float:
    """SCS_RELAY_LEASE_SECONDS: how long a relay lease lasts unless renewed (a failover takes about that long)."""
    raw = env.get("SCS_RELAY_LEASE_SECONDS", "").strip()
    if not raw:
        return DEFAULT_RELAY_LEASE_SECONDS
    try:
        seconds = float(raw)
    except ValueError:
        seconds = float("nan")
    if not 1 <= seconds <= 3600:  # also refuses nan; below a second the renewals would keep the database busy
        raise InvalidSetting(
            f"SCS_RELAY_LEASE_SECONDS={raw!r} is not a lease length: give seconds from 1 to 3600, e.g. 5 or 2.5"
        )
    return seconds


def parse_duration(variable: str, value: str) -> timedelta:
    """`30s`, `15m`, `24h`, `7d` or plain seconds as a timedelta; InvalidSetting naming `variable` for anything else."""
    match = _DURATION.fullmatch(value)
    if match is None or int(match.group(1)) == 0:
        raise InvalidSetting(
            f"{variable}={value!r} is not a duration: use a whole number above 0 with s, m, h or d "
            "(30s, 15m, 24h, 7d) or plain seconds (90)"
        )
    return timedelta(seconds=int(match.group(1)) * DURATION_UNITS[match.group(2)])


def format_duration(duration: timedelta) -> str:
    """A duration in the form the settings take, in its largest whole unit (`24h`, `7d`, `90s`)."""
    seconds = int(duration.total_seconds())
    unit = next(unit for unit in "dhms" if seconds % DURATION_UNITS[unit] == 0)
    return f"{seconds // DURATION_UNITS[unit]}{unit}"


def _duration(env: Mapping[str, str], variable: str, default: timedelta) -> timedelta:
    """The duration set in `variable`, or `default` when unset or empty."""
    value = env.get(variable, "")
    return parse_duration(variable, value) if value.strip() else default
