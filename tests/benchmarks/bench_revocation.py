"""Benchmark 5: how fast a revocation takes effect in catalog and order while they are up, against the raw broker.

    python -m tests.benchmarks.bench_revocation [--revocations 40] [--databases sqlite,postgres]

The three systems run as processes (gunicorn web + worker each). Accounts are registered in the user system's
database (as `scs users add` does), half of them admins, and logged in over HTTP; once catalog and order know them
(the admins' tokens pass admin checks there), each account is revoked in turn, alternating the two HTTP paths: log-out
everywhere (`DELETE /api/sessions?everywhere=1`) and an admin taking the admin role away (the form on /admin/users).
From the revoking answer on, two threads ask catalog (`POST /api/products` with an empty body: 400 for a valid admin,
401 once void) and order (`GET /api/orders`: 200, then 401) every 5 ms; the figure is the time to the first refusal.
The baseline is the raw aio-pika publish-to-ack latency of as many messages of an event's size, paced one at a time.
"""

from __future__ import annotations

import argparse
import re
import threading
import time

import requests
from sqlalchemy import select

from federation.db import make_engine, make_session_factory
from federation.runtime_models import OutboxMessage
from federation.settings import Settings
from systems.user.accounts.services import register
from tests.benchmarks.raw_broker import run_raw
from tests.benchmarks.report import percentile, print_table, save
from tests.benchmarks.stack import AMQP_URL, DATABASES, running_federation, wait_until
from tests.e2e.federation_processes import Federation

PASSWORD = "benchmark password 2026"
POLL_SECONDS = 0.005
FRACTIONS = {"p50": 0.5, "p95": 0.95, "p99": 0.99}
SYSTEMS = ("catalog", "order")


def seed(federation: Federation, count: int) -> tuple[list[tuple[str, str, bool]], int]:
    """`count` accounts (every odd one an admin) and a root admin, registered and published; (id, email, admin), body size."""
    engine = make_engine(Settings.from_env("user", federation.env).database_url)
    accounts = []
    try:
        with make_session_factory(engine)() as session:
            for index in range(count + 1):
                email = "root@example.org" if index == count else f"revoke-{index:03d}@example.org"
                admin = index == count or index % 2 == 1
                user = register(session, email=email, password=PASSWORD, display_name=f"Bench {index}", admin=admin)
                accounts.append((str(user.id), email, admin))
            session.commit()
            body = session.scalar(select(OutboxMessage.body).order_by(OutboxMessage.seq.desc()).limit(1))
    finally:
        engine.dispose()
    assert body is not None  # the accounts just written published their events
    return accounts, len(body.encode())


def log_in(federation: Federation, email: str) -> str:
    """A fresh token of the account."""
    response = requests.post(
        f"{federation.url('user')}/api/sessions", json={"email": email, "password": PASSWORD}, timeout=10
    )
    response.raise_for_status()
    return response.json()["token"]


def answer(federation: Federation, system: str, token: str) -> int:
    """What `system` answers the token on a request that changes nothing."""
    headers = {"Authorization": f"Bearer {token}"}
    if system == "catalog":
        return requests.post(
            f"{federation.url('catalog')}/api/products", json={}, headers=headers, timeout=10
        ).status_code
    return requests.get(f"{federation.url('order')}/api/orders", headers=headers, timeout=10).status_code


def expected_before(system: str, admin: bool) -> int:
    """The answer to a valid token: an admin's empty product is a 400, a customer may not add products (403)."""
    if system == "catalog":
        return 400 if admin else 403
    return 200


def root_browser(federation: Federation) -> requests.Session:
    """The root admin's browser: logged in with the cookie, ready to post the role form."""
    browser = requests.Session()
    browser.cookies.set("scs_token", log_in(federation, "root@example.org"))
    return browser


def revoke_role(federation: Federation, browser: requests.Session, user_id: str) -> None:
    """Take the admin role away through the form on /admin/users."""
    page = browser.get(f"{federation.url('user')}/admin/users", timeout=10).text
    found = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)
    assert found is not None, "the admin user list carries a CSRF token"
    csrf = found.group(1)
    response = browser.post(
        f"{federation.url('user')}/admin/users/{user_id}/role",
        data={"csrf_token": csrf, "admin": "0"},
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 302, response.text


def log_out_everywhere(federation: Federation, token: str) -> None:
    """End every log-in of the account through the API."""
    response = requests.delete(
        f"{federation.url('user')}/api/sessions?everywhere=1", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    assert response.status_code == 204, response.text


def seconds_to_refusal(federation: Federation, token: str, revoked_at: float) -> dict[str, float]:
    """Per system, seconds from `revoked_at` to its first 401/403 for the token (polled every POLL_SECONDS)."""
    seconds: dict[str, float] = {}

    def watch(system: str) -> None:
        deadline = revoked_at + 30
        while answer(federation, system, token) not in (401, 403):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{system} still accepts a revoked token after 30 s")
            time.sleep(POLL_SECONDS)
        seconds[system] = time.monotonic() - revoked_at

    threads = [threading.Thread(target=watch, args=(system,)) for system in SYSTEMS]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if set(seconds) != set(SYSTEMS):
        raise RuntimeError(f"a watcher failed: {seconds}")
    return seconds


def measure(database: str, revocations: int) -> dict:
    """Start the federation, seed and log in, then revoke one account at a time and time the refusals."""
    with running_federation(database) as federation:
        federation.start_all()
        accounts, body_size = seed(federation, revocations)
        *targets, (root_id, _, _) = accounts
        tokens = {user_id: log_in(federation, email) for user_id, email, _ in targets}
        for user_id, _, admin in targets:
            for system in SYSTEMS:
                wait_until(
                    lambda system=system, token=tokens[user_id], admin=admin: (
                        answer(federation, system, token) == expected_before(system, admin)
                    ),
                    timeout=60,
                    what=f"{system} to know account {user_id}",
                )
        browser = root_browser(federation)
        samples, kinds = [], []
        for user_id, _, admin in targets:
            if admin:
                revoke_role(federation, browser, user_id)
            else:
                log_out_everywhere(federation, tokens[user_id])
            samples.append(seconds_to_refusal(federation, tokens[user_id], time.monotonic()))
            kinds.append("role revoked" if admin else "logged out everywhere")
        raw = run_raw(AMQP_URL, federation.namespace, revocations, body_size, rate=20)
    per_system = {
        system: {name: percentile([s[system] for s in samples], f) for name, f in FRACTIONS.items()}
        for system in SYSTEMS
    }
    raw_seconds = {name: raw.latency_ms(f) / 1000 for name, f in FRACTIONS.items()}
    return {
        "database": database,
        "revocations": revocations,
        "seconds": per_system,
        "max_seconds": {system: max(s[system] for s in samples) for system in SYSTEMS},
        "raw_seconds": raw_seconds,
        "p99_ratio": {system: per_system[system]["p99"] / raw_seconds["p99"] for system in SYSTEMS},
        "samples": [{"kind": kind, **sample} for kind, sample in zip(kinds, samples, strict=True)],
    }


def main() -> None:
    """Measure each database, print the table, keep JSON and PNG."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--revocations", type=int, default=40, help="accounts revoked, one after another")
    parser.add_argument("--databases", default="sqlite", help=f"comma-separated, of {','.join(DATABASES)}")
    args = parser.parse_args()
    runs = [measure(database, args.revocations) for database in args.databases.split(",")]
    rows = []
    for r in runs:
        for system in SYSTEMS:
            s = r["seconds"][system]
            rows.append(
                (
                    r["database"],
                    system,
                    s["p50"],
                    s["p95"],
                    s["p99"],
                    r["max_seconds"][system],
                    f"{r['p99_ratio'][system]:.1f}×",
                )
            )
        raw = r["raw_seconds"]
        rows.append((r["database"], "raw broker", raw["p50"], raw["p95"], raw["p99"], "", ""))
    print_table(
        f"Revocation → first refusal, seconds ({runs[0]['revocations']} revocations; polled every {POLL_SECONDS * 1000:.0f} ms)",
        ("database", "system", "p50", "p95", "p99", "max", "p99 ratio"),
        rows,
    )

    def draw(axes) -> None:
        for r in runs:
            for system in SYSTEMS:
                values = sorted(sample[system] for sample in r["samples"])
                axes.plot(
                    values, [i / len(values) for i in range(1, len(values) + 1)], label=f"{r['database']} {system}"
                )
        axes.set_xlabel("seconds from the revoking answer to the first refusal")
        axes.set_ylabel("fraction of revocations")
        axes.set_title("Revocation takes effect in the other systems")
        axes.legend(loc="lower right")

    save("revocation", {"poll_ms": POLL_SECONDS * 1000, "runs": runs}, draw)


if __name__ == "__main__":
    main()
