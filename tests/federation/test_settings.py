"""The secret generated on first run is whole and the same for every process that starts at once."""

from __future__ import annotations

import multiprocessing
import stat

from federation.settings import Settings

PROCESSES = 8


def _secret_when_released(data_dir: str, barrier, results) -> None:
    """One starting process: wait for the others, then ask for the key at the same moment."""
    settings = Settings.from_env("catalog", {"SCS_DATA_DIR": data_dir})
    barrier.wait()
    results.put(settings.flask_secret_key())


def test_processes_starting_together_all_get_the_same_whole_secret(tmp_path):
    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(PROCESSES), context.Queue()
    processes = [
        context.Process(target=_secret_when_released, args=(str(tmp_path), barrier, results)) for _ in range(PROCESSES)
    ]
    for process in processes:
        process.start()
    secrets = [results.get(timeout=30) for _ in processes]
    for process in processes:
        process.join(30)

    assert len(set(secrets)) == 1 and len(secrets[0]) >= 40
    assert [path.name for path in tmp_path.iterdir()] == ["catalog.secret"]  # no drafts left behind
    assert stat.S_IMODE((tmp_path / "catalog.secret").stat().st_mode) == 0o600
