"""Which language a paragraph is in: English or Spanish, from a small built-in detector (no dependency).

The default model reads both languages with no setting; the language is reported per paragraph
(``Paragraph.lang``, ``lang`` in the command line's output) so analysts can filter, and decides in
which language the report names topics. The detector counts each language's commonest function
words and Spanish letters and punctuation (ñ, accents, ¿ ¡); a text with no
such evidence either way (a name, a number, a two-word label) is ``"und"`` (undetermined).
"""

from __future__ import annotations

import re

LANGUAGES = ("en", "es")
UNDETERMINED = "und"

# Function words that are frequent in one language and rare or absent in the other.
_FUNCTION_WORDS = {
    "es": frozenset("""de la que el en los del se las por un para con una su al es lo como más pero sus le ya
        este sí porque esta entre cuando muy sin sobre también me hasta hay donde quien desde todo nos durante
        todos uno les ni contra otros ese eso ante ellos esto antes algunos qué unos otro otras otra él tanto esa
        estos mucho quienes nada muchos cual poco ella estar estas algunas algo nosotros fue son ha han había
        será sido tras según mientras aunque dijo afirmó señaló y o enero febrero marzo abril mayo junio julio
        agosto septiembre octubre noviembre diciembre lunes martes miércoles jueves viernes sábado domingo""".split()),
    "en": frozenset("""the of and to in is that for it as was with be by on not he this are or his from at
        which but have an they you were their one all we can her has there been if more when will would who so
        no its into than them these our also said after over new what about could should out up those while
        during against between through under because any only january february march april june july august
        september october november december monday tuesday wednesday thursday friday saturday sunday""".split()),
}
_URL = re.compile(r"\b(?:https?://|www\.)\S+")
_SPANISH_MARKS = re.compile(r"[ñáéíóúü¿¡]")


def detect(text: str) -> str:
    """``"en"``, ``"es"`` or ``"und"`` for a paragraph.

    >>> detect("Colombia y Estados Unidos firmaron un acuerdo comercial.")
    'es'
    >>> detect("The two countries signed a trade agreement.")
    'en'
    >>> detect("Gustavo Petro"), detect("2024")
    ('und', 'und')
    """
    text = text.lower()
    if "://" in text or "www." in text:
        text = _URL.sub(" ", text)  # a link's words are no evidence of the paragraph's language
    # Split at spaces, not a word pattern (twice as fast): function words rarely carry punctuation.
    words = text.split()
    score = {lang: sum(map(_FUNCTION_WORDS[lang].__contains__, words)) for lang in LANGUAGES}
    score["es"] += len(_SPANISH_MARKS.findall(text))
    if score["en"] == score["es"]:
        return UNDETERMINED
    return max(LANGUAGES, key=score.__getitem__)


def majority(langs: list[str], default: str = "en") -> str:
    """The language most of ``langs`` are in (ties and all-undetermined give ``default``).

    >>> majority(["es", "und", "es", "en"])
    'es'
    """
    counts = {lang: langs.count(lang) for lang in LANGUAGES}
    best = max(LANGUAGES, key=counts.__getitem__)
    return best if counts[best] > max(c for lang, c in counts.items() if lang != best) else default
