"""Compressed Digital Link URIs against pairs published outside this code base.

The pairs are the test vectors of GS1's Digital Link compression prototype (github
gs1/GS1DigitalLinkCompressionPrototype, whose output they are), as published in the feature files
of the .NET port Solidsoft-Reply/Gs1DigitalLinkLib (CompressGs1DigitalLink.feature, "Compress" and
"Partially compress" outlines), all on id.gs1.org. Written here by hand; none is produced by the
code under test. tests/resolver/test_compression.py holds the first GTIN pairs and round trips.
"""

from urllib.parse import unquote

import pytest

from htxconnect.resolver import dl_compression as dlc

# uncompressed path → compressed token ("Compress a decompressed Digital Link").
PUBLISHED = [
    ("/00/998440410914660971", "AN2yxDhfaiaw"),
    ("/01/05412345000013/235/8TFV883a904GH%263", "AQnYUc1gmkax7ipGrOHDPC5YNI8hMz"),
    ("/01/05412345000013/22/AJY3095721P49/21/72292641703", "AQnYUc1gmkIXDU-iunIm0AljfT3nvbU_j0"),
    ("/253/3060077601309", "JTLIetaiHYA"),
    ("/401/0541234537290A41%26GHpp33", "QBl2DVoxZM2jVm3ZOWEFoxTR5HDgzZg"),
    ("/410/5060917510004", "QQSaVjC_dA"),
    ("/411/5060917510004", "QRSaVjC_dA"),
    ("/412/5060917510004", "QSSaVjC_dA"),
    ("/413/5060917510004", "QTSaVjC_dA"),
    ("/415/5060917510004", "QVSaVjC_dA"),
    ("/416/5060917510004", "QWSaVjC_dA"),
    ("/417/5060917510004", "QXSaVjC_dA"),
    ("/417/5060917510004/7040/5KFX", "QXSaVjC_dHBAVlCrg"),
    ("/8003/04965031954585", "gAMJCAXukTMA"),
    ("/8004/0541234537290A41%26GHpp33", "gASXYNWjFkzaNWbdk5YQWjFNHkcODNm"),
    ("/8004/0541234537290A41%26GHpp33/7040/7BVR", "cEB2CqjAAkuwatGLJm0as27JywgtGKaPI4cGbM"),
    ("/8006/054123450000130201/10/ABC123", "EEarwSOABgwEj9s0bAmQ"),
    ("/8006/054123450000130201/10/ABC123/21/72292641703", "EEarwSMhC4an0V08ADBgJH7Zo2BMg"),
    ("/8006/054123450000130201/22/AJY3095721P49", "Im0AljfT3nvbU_j2ABgwEj9s0bAmQ"),
    ("/8006/054123450000130201/21/72292641703", "IQuGp9FdPAAwYCR-2aNgTI"),
    ("/8006/054123450000130201/22/AJY3095721P49/10/ABC123", "EEarwSMibQCWN9Pee9tT-PYAGDASP2zRsCZ"),
    ("/8006/054123450000130201/22/AJY3095721P49/21/72292641703", "IQuGp9FdORNoBLG-nvPe2p_HsADBgJH7Zo2BMg"),
    ("/8006/054123450000130201/22/AJY3095721P49/10/ABC123/21/72292641703",
     "EEarwSMhC4an0V05E2gEsb6e897an8ewAMGAkftmjYEy"),
    ("/8010/0541234537290A41%23GH33", "gBCVYNWjFkzaNWbdk5YQWjFHHkM2Y"),
    ("/8017/817019610850151481", "gBe1ajAd9ATDk"),
    ("/8018/411369833821910265", "gBhbV6rzBENPk"),
    ("/8018/411369833821910265/8019/4003812", "gBhbV6rzBENPmAGXPRfk"),
]

# Our compressor writes the empty serial part of a GCN (AI 255, N13+N..12) in 4 length bits, which
# ends the data on a sextet boundary (10 characters); GS1's prototype emits one more all-zero
# character. Both decode to the same element string, so only decompression is compared here.
PUBLISHED_DECOMPRESS_ONLY = [("/255/5678409730535", "JVUqG5hJ5wA")]

# uncompressed path → partially compressed path ("Partially compress a decompressed Digital Link").
PUBLISHED_PARTIAL = [
    ("/01/05412345000013/10/ABC123/21/72292641703", "/01/05412345000013/EEarwSMhC4an0V04"),
    ("/01/05412345000013/22/AJY3095721P49/10/ABC123/21/72292641703",
     "/01/05412345000013/EEarwSMhC4an0V05E2gEsb6e897an8eg"),
    ("/01/05412345000013/22/AJY3095721P49/10/ABC123", "/01/05412345000013/EEarwSMibQCWN9Pee9tT-PQ"),
    ("/01/05412345000013/235/8TFV883a904GH%263", "/01/05412345000013/I1j3FSNWcOGeFywaR5CZm"),
    ("/01/05412345000013/22/AJY3095721P49", "/01/05412345000013/Im0AljfT3nvbU_j0"),
    ("/01/05412345000013/21/72292641703", "/01/05412345000013/IQuGp9FdO"),
]


def elements(path: str) -> dict:
    parts = [unquote(p) for p in path.strip("/").split("/")]
    return dict(zip(parts[::2], parts[1::2]))


@pytest.mark.parametrize("path, token", PUBLISHED + PUBLISHED_DECOMPRESS_ONLY)
def test_published_token_decompresses_to_the_published_elements(path, token):
    assert dlc.decompress_token(token) == (elements(path), {})


@pytest.mark.parametrize("path, token", PUBLISHED)
def test_published_elements_compress_to_the_published_token(path, token):
    assert dlc.compress_elements(elements(path)) == token


@pytest.mark.parametrize("path, partial", PUBLISHED_PARTIAL)
def test_published_partial_compression(path, partial):
    assert dlc.compress_path(path, partial=True) == partial
    assert dlc.expand(partial) == (elements(path), {})
