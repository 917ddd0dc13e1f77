"""Tasks the outbox tests queue (a task must live at an importable module path)."""

from django_tasks import task

ran: list[str] = []


@task(queue_name="default")
def remember(name: str) -> str:
    ran.append(name)
    return name
