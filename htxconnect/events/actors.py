"""Who acts in a service of events, certificates, feedback and contests: the system
(core.actors.SYSTEM: commands, demo loading) needs no permission; `None` is no actor and is
refused; a signed-in user is recorded in "issued by" / "published by" columns. In a module of its
own so that services may call into certificates (erasure) without an import cycle."""

from __future__ import annotations

from htxconnect.core import audit


def is_system(actor) -> bool:
    """Whether the system acts (no permission to check). A missing actor is an error, never a pass."""
    audit.check_actor(actor)
    return audit.is_system(actor)


def user_of(actor):
    """The signed-in user behind an actor, else None."""
    return actor if not is_system(actor) and getattr(actor, "is_authenticated", False) else None
