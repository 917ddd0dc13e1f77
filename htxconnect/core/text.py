"""Vietnamese text folding for search: one function, used for stored keys and for queries."""

import re
import unicodedata

_SPACES = re.compile(r"\s+")
# đ, and the look-alikes that old encodings and keyboards put in its place (Icelandic eth,
# African D), all fold to d.
_D_LIKE = str.maketrans({"đ": "d", "ð": "d", "ɖ": "d"})


def fold(text: str | None) -> str:
    """Lower-case, strip diacritics (đ → d) and collapse spaces: "Ổi Thanh Kiên" → "oi thanh kien".

    Idempotent: fold(fold(x)) == fold(x). Text in any Unicode normal form (NFC from most
    keyboards, NFD from some Mac and Windows tools) folds the same way.
    """
    if not text:
        return ""
    # Case-fold first: some capitals fold to a letter plus a combining mark (İ → i̇), which the
    # next step then removes.
    folded = text.casefold().translate(_D_LIKE)
    decomposed = unicodedata.normalize("NFD", folded)
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    stripped = unicodedata.normalize("NFC", stripped).casefold().translate(_D_LIKE)
    return _SPACES.sub(" ", stripped).strip()
