"""What changed since a report was generated: its stored figures against the same figures
computed from today's records, figure by figure."""

from __future__ import annotations

from dataclasses import dataclass

from . import figures


@dataclass(frozen=True)
class Change:
    key: str
    label: str
    before: object
    after: object

    @property
    def kind(self) -> str:
        if self.before is None:
            return "added"
        if self.after is None:
            return "removed"
        return "changed"


def changes_since(report) -> list[Change]:
    before = (report.figures or {}).get("figures", {})
    after = figures.collect(report)["figures"]
    changes = []
    for key in list(before) + [k for k in after if k not in before]:
        old, new = before.get(key), after.get(key)
        old_value = old["value"] if old else None
        new_value = new["value"] if new else None
        if old_value != new_value:
            changes.append(Change(key, (new or old)["label"], old_value, new_value))
    return changes
