"""Money in Vietnamese đồng (whole numbers): "2.500.000 đ" on screens, amounts in words in
official documents — "6 tỷ 900 triệu đồng" (or padded, as the Bình Dương article writes it,
"06 tỷ 900 triệu đồng") and fully spelled out, "Sáu tỷ chín trăm triệu đồng"."""

from __future__ import annotations

from .numbers import format_number, to_int, two_digits

BILLION = 10**9
MILLION = 10**6
THOUSAND = 10**3

DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")


def format_vnd(value, symbol: str = "đ") -> str:
    """2500000 → "2.500.000 đ"; -2500000 → "-2.500.000 đ"; "" when not a number."""
    text = format_number(value)
    if not text:
        return ""
    return f"{text} {symbol}" if symbol else text


def amount_in_words(value, pad: bool = False, unit: str = "đồng", thousand: str = "nghìn") -> str:
    """Digits with Vietnamese scale words, zero groups left out:
    6_900_000_000 → "6 tỷ 900 triệu đồng"; pad=True pads the leading number to two digits as
    reports do ("06 tỷ 900 triệu đồng"); 2_500_000 → "2 triệu 500 nghìn đồng"; 0 → "0 đồng".
    Thousands of billions keep their dots: "1.200 tỷ đồng". "" when not a number.
    """
    number = to_int(value)
    if number is None:
        return ""
    sign = "âm " if number < 0 else ""
    number = abs(number)
    parts: list[str] = []
    billions, rest = divmod(number, BILLION)
    for amount, word in ((billions, "tỷ"), (rest // MILLION, "triệu"), (rest // THOUSAND % 1000, thousand),
                         (rest % 1000, "")):
        if amount:
            text = two_digits(amount) if (pad and not parts and amount < 10) else format_number(amount)
            parts.append(f"{text} {word}".strip())
    if not parts:
        parts.append("0")
    words = " ".join(parts)
    return f"{sign}{words} {unit}".strip()


def _read_group(n: int, full: bool, odd: str, four: str) -> list[str]:
    """Words for 0 < n < 1000; `full` reads the hundreds even when zero ("không trăm linh năm")."""
    hundreds, tens, units = n // 100, n // 10 % 10, n % 10
    words: list[str] = []
    if full or hundreds:
        words += [DIGITS[hundreds], "trăm"]
    if tens == 0:
        if units:
            if words:
                words.append(odd)  # 105: một trăm linh năm
            words.append(DIGITS[units])
    elif tens == 1:
        words.append("mười")
        if units:
            words.append("lăm" if units == 5 else DIGITS[units])  # 15: mười lăm; 11: mười một
    else:
        words += [DIGITS[tens], "mươi"]
        if units == 1:
            words.append("mốt")  # 21: hai mươi mốt
        elif units == 4:
            words.append(four)  # 24: hai mươi tư
        elif units == 5:
            words.append("lăm")  # 25: hai mươi lăm
        elif units:
            words.append(DIGITS[units])
    return words


def _read(n: int, full: bool, odd: str, four: str, thousand: str) -> list[str]:
    """Words for n > 0. Above a billion the count of billions is read recursively
    (1_000 tỷ: "một nghìn tỷ"); zero groups are skipped and the group after them is read
    with its hundreds ("một triệu không trăm linh năm")."""
    if n >= BILLION:
        high, low = divmod(n, BILLION)
        words = _read(high, full, odd, four, thousand) + ["tỷ"]
        if low:
            words += _read(low, True, odd, four, thousand)
        return words
    words: list[str] = []
    for amount, scale in ((n // MILLION, "triệu"), (n // THOUSAND % 1000, thousand), (n % 1000, "")):
        if not amount:
            continue
        words += _read_group(amount, full or bool(words), odd, four)
        if scale:
            words.append(scale)
    return words


def spell_number(value, odd: str = "linh", four: str = "tư", thousand: str = "nghìn") -> str:
    """A whole number fully in words, lower case: 105 → "một trăm linh năm", 21 → "hai mươi mốt",
    1_000_005 → "một triệu không trăm linh năm". `odd="lẻ"` and `thousand="ngàn"` give the
    southern forms; `four="bốn"` reads 24 as "hai mươi bốn". "" when not a number."""
    number = to_int(value)
    if number is None:
        return ""
    if number == 0:
        return "không"
    words = _read(abs(number), False, odd, four, thousand)
    return ("âm " if number < 0 else "") + " ".join(words)


def spell_vnd(value, odd: str = "linh", four: str = "tư", thousand: str = "nghìn", unit: str = "đồng",
              even: bool = False) -> str:
    """An amount in words as written on financial documents ("Số tiền bằng chữ"):
    6_900_000_000 → "Sáu tỷ chín trăm triệu đồng". `even=True` adds "chẵn" to sums without odd
    đồng below a thousand ("Hai triệu năm trăm nghìn đồng chẵn"). "" when not a number."""
    text = spell_number(value, odd=odd, four=four, thousand=thousand)
    if not text:
        return ""
    text = f"{text} {unit}".strip()
    if even and to_int(value) % 1000 == 0 and to_int(value) != 0:
        text += " chẵn"
    return text[0].upper() + text[1:]
