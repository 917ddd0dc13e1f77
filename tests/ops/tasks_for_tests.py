"""Tasks the observability tests enqueue (a task must live at an importable module path)."""

import logging

from django_tasks import task

log = logging.getLogger("tests.ops.tasks")


@task()
def says_hello(name: str) -> str:
    log.info("hello %s", name)
    return f"hello {name}"


@task()
def fails() -> None:
    raise ValueError("this task fails on purpose")
