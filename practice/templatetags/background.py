"""`{% background_jobs_notice %}`: on a page that waits on background work, a
notice when no Celery worker has been heard from lately (practice.workers)."""

from django import template

from practice.workers import workers_running

register = template.Library()


@register.inclusion_tag("includes/background_jobs.html")
def background_jobs_notice():
    return {"workers_down": not workers_running()}
