"""The zero-setup worker of `make run` (issue 15.1): its broker is a SQLite file
(kombu's SQLAlchemy transport). A real worker consumes tasks that two other
processes enqueue at the same time; none is lost, none runs twice, the worker
never dies. SOAK_TASKS sets the size (CI runs 2,000)."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.worker

ROOT = Path(__file__).resolve().parents[2]
PRODUCER = """
import sys
import django
django.setup()
from tests.practice.soak_tasks import mark
path, start, stop = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for number in range(start, stop):
    mark.delay(path, number)
"""


def _env(var_dir: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env.update(
        DJANGO_SETTINGS_MODULE="practice.settings",
        DEBUG="1",
        VAR_DIR=str(var_dir),
        PYTHONPATH=str(ROOT),
    )
    return env


def test_local_broker_loses_no_task_and_keeps_its_worker(tmp_path):
    total = int(os.environ.get("SOAK_TASKS", "200"))
    env = _env(tmp_path / "var")
    done = tmp_path / "done.txt"
    celery = [sys.executable, "-m", "celery", "-A", "practice"]
    # As `make run` does: the queues exist before any process sends or reads.
    prepare = [sys.executable, "manage.py", "broker_prepare"]
    subprocess.run(prepare, cwd=ROOT, env=env, check=True, capture_output=True)
    worker = subprocess.Popen(
        [*celery, "worker", "--pool=solo", "--include=tests.practice.soak_tasks", "-l", "WARNING"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        half = total // 2
        producers = [
            subprocess.Popen(
                [sys.executable, "-c", PRODUCER, str(done), str(start), str(stop)],
                cwd=ROOT,
                env=env,
            )
            for start, stop in ((0, half), (half, total))
        ]
        for producer in producers:
            assert producer.wait(timeout=600) == 0, "a producer failed to enqueue"
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and worker.poll() is None:
            if done.exists() and len(done.read_text().split()) >= total:
                break
            time.sleep(0.5)
        time.sleep(1)  # anything run twice would show now
        assert worker.poll() is None, worker.stdout.read().decode()[-3000:]
        numbers = sorted(int(line) for line in done.read_text().split()) if done.exists() else []
        missing = sorted(set(range(total)) - set(numbers))
        twice = len(numbers) - len(set(numbers))
        assert (missing, twice) == ([], 0), f"{len(missing)} lost, {twice} run twice"
    finally:
        worker.terminate()
        try:
            output = worker.communicate(timeout=30)[0].decode()
        except subprocess.TimeoutExpired:
            worker.kill()
            output = ""
    assert "Unrecoverable error" not in output
