"""Declare the Celery queues once, before the web app and the worker start.

With the zero-setup broker (a SQLite file), the first process to send or read
a message creates the queue's row; two processes doing it at the same moment
(the worker starting while the web app sends its first task) made one of them
fail. `make run` runs this first, so they only ever find the queue."""

from django.core.management.base import BaseCommand

from practice.celery import app


class Command(BaseCommand):
    help = "Declare the Celery queues on the broker (safe to run again)."

    def handle(self, *args, **options):
        with app.connection_for_write() as connection:
            channel = connection.default_channel
            for queue in app.amqp.queues.values():
                queue.bind(channel).declare()
        self.stdout.write("Broker ready.")
