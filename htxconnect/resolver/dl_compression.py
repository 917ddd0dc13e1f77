"""Compressed GS1 Digital Link URIs (GS1 Digital Link URI Syntax, section "compression").

A compressed URI carries its element strings as one base64url path segment, e.g.
`https://id.gs1.org/AQnYUc1gmiCNV4JG` = `https://id.gs1.org/01/05412345000013/10/ABC123`, or
partially compressed, the primary key left as is: `/01/05412345000013/EEarwSM`.

The binary string is a sequence of
- an AI: its digits as 4-bit nibbles (the AI's length follows from its first two digits), then
  its value, component by component (see `FORMATS`):
  - fixed-length numeric N{n}: the number in ceil(n·log2 10) bits;
  - variable-length numeric N..{m}: the digit count in bit_length(m) bits, then the number;
  - alphanumeric X{n} / X..{m}: a 3-bit encoding indicator, (for X..m) the character count in
    bit_length(m) bits, then the characters: 0 = all digits (as one number), 1 = lowercase hex
    and 2 = uppercase hex (4 bits each), 3 = URI-safe base64 alphabet (6 bits), 4 = 7-bit ASCII;
- or an optimisation code: two hex nibbles outside 00–99 standing for a fixed sequence of AIs
  whose values follow in that order (`OPTIMISATIONS`, e.g. 0B = 01 then 10);
- or a non-GS1 key=value pair: nibble F, the key's length in 7 bits, the key in 6-bit base64url,
  a 3-bit encoding indicator, the value's length in 7 bits, the value.
The string is padded with zeros to a multiple of 6 bits and written in base64url (no `=`).
"""

from __future__ import annotations

import math
import re
from urllib.parse import quote

from htxconnect.core import identifiers

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
HEX = "0123456789ABCDEF"
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]+$")


class CompressionError(ValueError):
    pass


# --- AI value formats: GS1's AI table (core.identifiers, from biip), "N14", "X..20", "N13,X..17" ----

# The AIs the compression standard's table covers (an AI outside it cannot be compressed).
_COMPRESSIBLE = (
    "00 01 02 10 11 12 13 15 16 17 20 21 22 235 240 241 242 243 250 251 253 254 255 30 37 "
    "400 401 402 403 420 421 422 423 424 425 426 427 7001 7002 7003 7004 7005 7006 7007 7008 7009 "
    "7010 7020 7021 7022 7023 7040 7240 8001 8002 8003 8004 8005 8006 8007 8008 8009 8010 8011 "
    "8012 8013 8017 8018 8019 8020 8026 8110 8111 8112 8200 90 "
    "4300 4301 4302 4303 4304 4305 4306 4307 4308 4310 4311 4312 4313 4314 4315 4316 4317 4318 "
    "4319 4320 4321 4322 4323 4324 4325 4326 4330"
).split() + [str(ai) for ai in (*range(410, 418), *range(710, 715), *range(91, 100))] + [
    f"{base}{n}" for n in range(10) for base in ("703", "723", "390", "391", "392", "393", "395")] + [
    f"394{n}" for n in range(4)] + [
    f"{base}{n}" for base in (*range(310, 317), *range(320, 338), *range(340, 358), *range(360, 370))
    for n in range(6)]
# Where the compression standard encodes a value differently from the AI's GS1 format.
_COMPRESSION_FORMATS = {
    "8006": "N18", "8026": "N18", "7007": "N6,N..6", "4330": "N6,X..1", "8010": "X..30",
    **{f"723{n}": "X..30" for n in range(10)}, **{f"395{n}": "N6" for n in range(10)},
}


def _formats() -> dict[str, str]:
    table = {}
    for ai in _COMPRESSIBLE:
        fmt = _COMPRESSION_FORMATS.get(ai)
        if fmt is None:
            components = identifiers.ai_value_components(ai)
            if not components:
                continue
            fmt = ",".join(c.replace("Y", "X") for c in components)  # Y: GS1's set 39, sent as text
        table[ai] = fmt
    return table


FORMATS = _formats()
# The AI's length from its first two digits (GS1 General Specifications, "AI prefix" table).
AI_LENGTH = {}
for _ai in FORMATS:
    AI_LENGTH.setdefault(_ai[:2], len(_ai))

# Optimisation codes (two hex digits, at least one of them A–F) → the AIs they stand for.
OPTIMISATIONS = {
    "0A": ("01", "22"), "0B": ("01", "10"), "0C": ("01", "21"), "0D": ("01", "17"), "0E": ("01", "7003"),
    "0F": ("01", "30"), "1A": ("01", "10", "21", "17"), "1B": ("01", "15"), "1C": ("01", "11"),
    "1D": ("01", "16"), "1E": ("01", "91"), "1F": ("01", "10", "15"),
    **{f"2{c}": ("01", f"310{i}") for i, c in enumerate("ABCDEF")},
    **{f"3{c}": ("01", f"320{i}") for i, c in enumerate("ABCDEF")},
    "9A": ("8010", "8011"), "9B": ("8017", "8019"), "9C": ("8018", "8019"), "9D": ("414", "254"),
    **{f"A{i}": ("01", f"392{i}") for i in range(10)},
    **{f"C{i}": ("255", f"390{i}") for i in range(10)},
    **{f"C{c}": ("255", f"394{i}") for i, c in enumerate("ABCD")},
}


def _components(ai: str) -> list[tuple[str, bool, int]]:
    """[(kind N/X, fixed?, length or maximum)]."""
    fmt = FORMATS.get(ai)
    if fmt is None:
        raise CompressionError(f"AI {ai} is not supported")
    parts = []
    for part in fmt.split(","):
        kind, rest = part[0], part[1:]
        parts.append((kind, not rest.startswith(".."), int(rest.lstrip("."))))
    return parts


def value_bits(digits: int) -> int:
    """Bits for a number of `digits` decimal digits: ceil(digits · log2 10)."""
    return math.ceil(digits * math.log2(10) + 0.01) if digits else 0


def length_bits(maximum: int) -> int:
    return maximum.bit_length()


# --- Encoding ------------------------------------------------------------------------------------


def _encoding(text: str) -> int:
    if text.isdigit() and text.isascii():
        return 0
    if re.fullmatch(r"[0-9A-F]+", text):
        return 2
    if re.fullmatch(r"[0-9a-f]+", text):
        return 1
    if TOKEN_RE.fullmatch(text):
        return 3
    if all(0x20 <= ord(ch) < 0x7F for ch in text):
        return 4
    raise CompressionError(f"value {text!r} has characters outside 7-bit ASCII")


def _number(text: str, digits: int) -> str:
    return format(int(text or "0"), "b").zfill(value_bits(digits)) if digits else ""


def _chars(text: str, encoding: int) -> str:
    if encoding == 0:
        return _number(text, len(text))
    if encoding in (1, 2):
        return "".join(format(HEX.index(ch.upper()), "04b") for ch in text)
    if encoding == 3:
        return "".join(format(ALPHABET.index(ch), "06b") for ch in text)
    return "".join(format(ord(ch), "07b") for ch in text)


def _encode_value(ai: str, value: str) -> str:
    bits, cursor = "", 0
    parts = _components(ai)
    for index, (kind, fixed, size) in enumerate(parts):
        last = index == len(parts) - 1
        piece = value[cursor:cursor + size] if fixed else value[cursor:]
        if fixed and len(piece) != size or (not fixed and len(piece) > size):
            raise CompressionError(f"value {value!r} does not fit AI {ai} ({FORMATS[ai]})")
        cursor += len(piece)
        if kind == "N":
            if piece and not (piece.isdigit() and piece.isascii()):
                raise CompressionError(f"AI {ai} takes digits, not {piece!r}")
            bits += ("" if fixed else format(len(piece), "b").zfill(length_bits(size))) + _number(piece, len(piece))
        else:
            encoding = _encoding(piece) if piece else 4  # as GS1's toolkit does
            bits += format(encoding, "03b")
            if not fixed:
                bits += format(len(piece), "b").zfill(length_bits(size))
            bits += _chars(piece, encoding)
        if last and cursor != len(value):
            raise CompressionError(f"value {value!r} is too long for AI {ai} ({FORMATS[ai]})")
    return bits


def _nibbles(code: str) -> str:
    return "".join(format(int(ch, 16), "04b") for ch in code)


def compress_elements(ais: dict[str, str], other: dict[str, str] | None = None, *, optimise: bool = False) -> str:
    """The base64url token for element strings `ais` (AI → value) and, optionally, non-GS1
    key=value pairs `other` (keys in the base64url alphabet, values 7-bit ASCII)."""
    keys = sorted(ais)
    bits = ""
    if optimise:
        while True:
            candidates = [(len("".join(seq)), code) for code, seq in OPTIMISATIONS.items()
                          if all(ai in keys for ai in seq)]
            if not candidates:
                break
            _saved, code = max(candidates, key=lambda c: (c[0], -list(OPTIMISATIONS).index(c[1])))
            bits += _nibbles(code)
            for ai in OPTIMISATIONS[code]:
                bits += _encode_value(ai, ais[ai])
                keys.remove(ai)
    for ai in keys:
        if not ai.isdigit() or AI_LENGTH.get(ai[:2]) != len(ai):
            raise CompressionError(f"AI {ai} is not supported")
        bits += _nibbles(ai) + _encode_value(ai, ais[ai])
    for key, value in (other or {}).items():
        if not key or len(key) > 127 or not TOKEN_RE.fullmatch(key) or len(value) > 127:
            raise CompressionError(f"key {key!r} cannot be compressed")
        encoding = _encoding(value) if value else 0
        bits += "1111" + format(len(key), "07b") + _chars(key, 3)
        bits += format(encoding, "03b") + format(len(value), "07b") + _chars(value, encoding)
    bits += "0" * (-len(bits) % 6)
    return "".join(ALPHABET[int(bits[i:i + 6], 2)] for i in range(0, len(bits), 6))


# --- Decoding ------------------------------------------------------------------------------------


class _Reader:
    def __init__(self, bits: str):
        self.bits, self.at = bits, 0

    def take(self, n: int) -> str:
        if self.at + n > len(self.bits):
            raise CompressionError("compressed data ends too early")
        piece = self.bits[self.at:self.at + n]
        self.at += n
        return piece

    def int(self, n: int) -> int:
        return int(self.take(n), 2) if n else 0

    def left(self) -> int:
        return len(self.bits) - self.at


def _read_number(reader: _Reader, digits: int) -> str:
    number = reader.int(value_bits(digits))
    if len(str(number)) > digits and digits:
        raise CompressionError("numeric value out of range")
    return str(number).zfill(digits) if digits else ""


def _read_chars(reader: _Reader, encoding: int, count: int) -> str:
    if encoding == 0:
        return _read_number(reader, count)
    if encoding == 1:
        return "".join(HEX[reader.int(4)] for _ in range(count)).lower()
    if encoding == 2:
        return "".join(HEX[reader.int(4)] for _ in range(count))
    if encoding == 3:
        return "".join(ALPHABET[reader.int(6)] for _ in range(count))
    if encoding == 4:
        return "".join(chr(reader.int(7)) for _ in range(count))
    raise CompressionError(f"unknown encoding indicator {encoding}")


def _read_value(reader: _Reader, ai: str) -> str:
    value = ""
    for kind, fixed, size in _components(ai):
        if kind == "N":
            digits = size if fixed else reader.int(length_bits(size))
            if digits > size:
                raise CompressionError(f"AI {ai}: {digits} digits, at most {size}")
            value += _read_number(reader, digits)
        else:
            encoding = reader.int(3)
            count = size if fixed else reader.int(length_bits(size))
            if count > size:
                raise CompressionError(f"AI {ai}: {count} characters, at most {size}")
            value += _read_chars(reader, encoding, count)
    return value


def decompress_token(token: str) -> tuple[dict[str, str], dict[str, str]]:
    """(AI → value in the order found, non-GS1 key → value) of a base64url token."""
    if not token or not TOKEN_RE.fullmatch(token):
        raise CompressionError("not a base64url segment")
    reader = _Reader("".join(format(ALPHABET.index(ch), "06b") for ch in token))
    ais: dict[str, str] = {}
    other: dict[str, str] = {}
    while reader.left() > 8:  # what is left after the last element is padding (< 6 bits)
        h1, h2 = reader.int(4), reader.int(4)
        code = HEX[h1] + HEX[h2]
        if h1 <= 9 and h2 <= 9:
            length = AI_LENGTH.get(code)
            if length is None:
                raise CompressionError(f"no AI starts with {code}")
            ai = code
            while len(ai) < length:
                digit = reader.int(4)
                if digit > 9:
                    raise CompressionError("an AI has digits only")
                ai += str(digit)
            sequence = (ai,)
        elif code in OPTIMISATIONS:
            sequence = OPTIMISATIONS[code]
        elif h1 == 15:
            reader.at -= 4
            key_length = reader.int(7)
            key = _read_chars(reader, 3, key_length)
            encoding = reader.int(3)
            other[key] = _read_chars(reader, encoding, reader.int(7))
            continue
        else:
            raise CompressionError(f"unknown optimisation code {code}")
        for ai in sequence:
            if ai in ais:
                raise CompressionError(f"AI {ai} appears twice")
            ais[ai] = _read_value(reader, ai)
    if not ais and not other:
        raise CompressionError("no element strings")
    return ais, other


def looks_compressed(segment: str) -> bool:
    return bool(TOKEN_RE.fullmatch(segment or ""))


# --- Whole URIs ----------------------------------------------------------------------------------

PRIMARY = "01"
QUALIFIERS = ("22", "10", "21")
_SAFE = identifiers.URI_SAFE


def build_path(ais: dict[str, str], other: dict[str, str] | None = None) -> str:
    """The uncompressed Digital Link path and query for GTIN element strings: `/01/{gtin}`, the
    qualifiers 22, 10, 21 in that order, then the other AIs (ascending) and non-GS1 pairs as
    query parameters."""
    if PRIMARY not in ais:
        raise CompressionError("no GTIN (AI 01) in the compressed data")
    key = identifiers.GS1Key(PRIMARY, ais[PRIMARY], qualifiers={ai: ais[ai] for ai in QUALIFIERS if ai in ais})
    path = key.digital_link(base="")
    params = [(ai, ais[ai]) for ai in sorted(ais, key=lambda a: (len(a), a))
              if ai != PRIMARY and ai not in QUALIFIERS]
    params += list((other or {}).items())
    if params:
        path += "?" + "&".join(f"{quote(k, safe=_SAFE)}={quote(v, safe=_SAFE)}" for k, v in params)
    return path


def expand(path: str) -> tuple[dict[str, str], dict[str, str]] | None:
    """Element strings of a compressed (`/{token}`) or partially compressed (`/01/{gtin}/{token}`)
    path, or None when the path is not a compressed Digital Link."""
    segments = [s for s in path.strip("/").split("/")]
    if len(segments) == 1 and looks_compressed(segments[0]):
        return decompress_token(segments[0])
    if len(segments) == 3 and segments[0] == PRIMARY and looks_compressed(segments[2]) and segments[1].isdigit():
        ais, other = decompress_token(segments[2])
        if PRIMARY in ais:
            raise CompressionError("AI 01 both in the path and in the compressed data")
        return {PRIMARY: segments[1], **ais}, other
    return None


def compress_path(path: str, *, optimise: bool = False, partial: bool = False) -> str:
    """Compress an uncompressed path `/01/{gtin}[/22/…][/10/…][/21/…][?ai=value…]` (query
    parameters with numeric keys are AIs; others are not compressed and are kept)."""
    from urllib.parse import parse_qsl, unquote, urlsplit

    parts = urlsplit(path)
    segments = [unquote(s) for s in parts.path.strip("/").split("/")]
    if len(segments) % 2 or not segments:
        raise CompressionError("a Digital Link path has AI/value pairs")
    ais = dict(zip(segments[::2], segments[1::2]))
    rest = []
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key.isdigit():
            ais[key] = value
        else:
            rest.append(f"{quote(key, safe=_SAFE)}={quote(value, safe=_SAFE)}")
    query = ("?" + "&".join(rest)) if rest else ""
    if partial:
        primary = segments[0]
        value = ais.pop(primary)
        if not ais:
            return f"/{primary}/{value}{query}"
        return f"/{primary}/{value}/{compress_elements(ais, optimise=optimise)}{query}"
    return "/" + compress_elements(ais, optimise=optimise) + query
