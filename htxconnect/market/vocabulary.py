"""Product identity: which vocabulary concept a name such as "khóm Cầu Đúc" or "thom" names.

A name's words are compared with each term's words. A word typed with its diacritics must match
the term's spelling exactly ("bò" is not "bơ"); a word typed without any ("khom", "dua") matches
any term that folds to it (core.text.fold). The longest term found wins, so "bắp cải" is cabbage
and "đậu bắp" okra while "bắp" alone is maize. The vocabulary is data (ProductConcept,
ProductTerm), seeded from data/vocabulary.json and extended by officers on the vocabulary page.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from htxconnect.core.text import fold

SEED_FILE = Path(__file__).resolve().parent / "data" / "vocabulary.json"
_BUILT: dict = {}


def seed_data() -> list:
    return json.loads(SEED_FILE.read_text(encoding="utf-8"))["concepts"]


def _lower(text: str) -> str:
    import unicodedata

    return " ".join(unicodedata.normalize("NFC", text or "").lower().replace("ð", "đ").split())


def _words(text: str) -> list[tuple[str, str]]:
    """(lower with diacritics, folded) per word, punctuation dropped."""
    import re

    lowered = re.sub(r"[^\w\s]", " ", _lower(text))
    return [(w, fold(w)) for w in lowered.split()]


@dataclass(frozen=True)
class Term:
    concept_id: int
    term: str
    words: tuple[tuple[str, str], ...]


class Vocabulary:
    def __init__(self, terms: list[tuple[int, str]]):
        self.by_first: dict[str, list[Term]] = {}
        for concept_id, term in terms:
            words = tuple(_words(term))
            if words:
                self.by_first.setdefault(words[0][1], []).append(Term(concept_id, term, words))
        for items in self.by_first.values():
            items.sort(key=lambda t: -len(t.words))

    @classmethod
    def load(cls) -> "Vocabulary":
        """The vocabulary as stored now (one query); built once per distinct content in this process."""
        from .models import ProductTerm

        rows = tuple(ProductTerm.objects.order_by("id").values_list("concept_id", "term"))
        built = _BUILT.get(rows)
        if built is None:
            _BUILT.clear()  # keep only the latest content
            built = _BUILT[rows] = cls(list(rows))
        return built

    def find(self, text: str) -> Term | None:
        """The longest term named in `text` (first occurrence on a tie), or None."""
        words = _words(text)
        best: Term | None = None
        for i, (_, folded) in enumerate(words):
            for term in self.by_first.get(folded, ()):
                if best is not None and len(term.words) <= len(best.words):
                    break
                if _matches(words[i:i + len(term.words)], term.words):
                    best = term
                    break
        return best

    def concept_of(self, *texts: str) -> int | None:
        """The concept of the first text that names one (offer title before product name)."""
        for text in texts:
            found = self.find(text or "")
            if found is not None:
                return found.concept_id
        return None


def _matches(typed: list[tuple[str, str]], term: tuple[tuple[str, str], ...]) -> bool:
    if len(typed) < len(term):
        return False
    for (lower, folded), (t_lower, t_folded) in zip(typed, term):
        if lower == t_lower:
            continue
        if folded == t_folded and lower == folded:  # typed without diacritics: accent-insensitive
            continue
        return False
    return True


def same_concept_names(concept_id: int, limit: int = 4) -> list[str]:
    from .models import ProductTerm

    names = list(ProductTerm.objects.filter(concept_id=concept_id).order_by("id").values_list("term", flat=True)[:limit])
    return names
