import os

from celery import Celery, bootsteps
from celery.signals import task_postrun, task_prerun

from practice import logs

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "practice.settings")

app = Celery("practice")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Every log line of a task carries its id (and its firm, see practice.logs).
task_prerun.connect(logs.task_started, dispatch_uid="practice-logs")
task_postrun.connect(logs.task_finished, dispatch_uid="practice-logs")


class WorkerHeartbeat(bootsteps.StartStopStep):
    """Stamps the worker heartbeat (practice.workers) at start and then regularly."""

    requires = {"celery.worker.components:Timer"}

    def __init__(self, worker, **kwargs):
        super().__init__(worker, **kwargs)
        self.timer_entry = None

    def start(self, worker):
        from django.conf import settings

        from practice.workers import worker_heartbeat_record

        worker_heartbeat_record()
        self.timer_entry = worker.timer.call_repeatedly(
            settings.WORKER_HEARTBEAT_SECONDS, worker_heartbeat_record, priority=10
        )

    def stop(self, worker):
        if self.timer_entry is not None:
            self.timer_entry.cancel()
            self.timer_entry = None


app.steps["worker"].add(WorkerHeartbeat)
