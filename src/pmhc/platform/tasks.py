"""Background work of the platform. Tasks are thin: they call a service and nothing else."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django_tasks import task

from pmhc.platform import services
from pmhc.platform.models import EmailStatus


@task()
def send_email(message_id: int) -> str:
    """Send one saved message; on a transport error, try again later with a growing pause."""
    message = services.deliver_email(message_id=message_id)
    if message.status == EmailStatus.RETRYING:
        pause = dt.timedelta(minutes=2**message.attempts)
        send_email.using(run_after=timezone.now() + pause).enqueue(message_id)
    return message.status
