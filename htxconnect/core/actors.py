"""Who acts: a signed-in user, an anonymous visitor, or the system (commands, tasks, demo loading).

Services take the actor explicitly. `SYSTEM` (or `system_actor("reason")`) stands for work that
no person started; services skip their permission checks for it and only for it, and the audit
log shows it as "hệ thống". `None` is not an actor: a service or the audit given `None` raises,
so a forgotten argument can no longer mean "skip the check" in one place and "guess from the
request" in another.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


class SystemActor:
    """The actor of commands, tasks and demo loading. Not a user: no role, no agency, no rights
    to check. `source` names what acted (a command, a task) for the audit log."""

    is_system = True
    is_authenticated = False
    is_anonymous = False
    is_active = True
    pk = id = None
    agency_id = None
    role = ""

    def __init__(self, source: str = ""):
        self.source = source

    def __repr__(self):
        return f"SystemActor({self.source!r})"

    def __str__(self):
        return f"{_('hệ thống')} ({self.source})" if self.source else str(_("hệ thống"))

    def __eq__(self, other):
        return isinstance(other, SystemActor) and other.source == self.source

    def __hash__(self):
        return hash(("SystemActor", self.source))

    def get_username(self) -> str:
        return str(self)


SYSTEM = SystemActor()


def system_actor(source: str) -> SystemActor:
    """The system actor, naming the command or task that acts (shown in the audit log)."""
    return SystemActor(source)


def is_system(actor) -> bool:
    return isinstance(actor, SystemActor)


def check_actor(actor) -> None:
    """Refuse a missing actor: every caller says who acts (a user, a visitor or the system)."""
    if actor is None:
        raise TypeError("actor is required: pass the acting user, or core.actors.SYSTEM for commands and tasks")
