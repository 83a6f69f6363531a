"""Which language a paragraph is in: English or Spanish, from a small built-in detector (no dependency).

The default model reads both languages with no setting; the language is reported per paragraph
(``Paragraph.lang``, ``lang`` in the command line's output) so analysts can filter, and decides in
which language the report names topics. The detector counts each language's commonest function
words (and a few other words frequent in one only, such as "says", "amid" or "why", or news words such as
"anuncia", "gobierno", "announces" or "government", which headlines carry without any function word), English possessives ("Haiti's"), and Spanish letters and punctuation (ñ, accents, ¿ ¡),
half as much in a word with a capital first, a name such as "Bogotá" or "Nariño", which English news writes too;
"UN" in capitals is no evidence (lowered, it would read as the Spanish article "un"). A text with no such evidence
either way (a name, a number, a two-word label) is ``"und"`` (undetermined).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from itertools import repeat

from . import native

LANGUAGES = ("en", "es")
UNDETERMINED = "und"

# Function words that are frequent in one language and rare or absent in the other.
_FUNCTION_WORDS = {
    "es": frozenset("""de la que el en los del se las por un para con una su al es lo como más pero sus le ya
        este sí porque esta entre cuando muy sin sobre también me hasta hay donde quien desde todo nos durante
        todos uno les ni contra otros ese eso ante ellos esto antes algunos qué unos otro otras otra él tanto esa
        estos mucho quienes nada muchos cual poco ella estar estas algunas algo nosotros fue son ha han había
        será sido tras según mientras aunque dijo afirmó señaló y o enero febrero marzo abril mayo junio julio
        agosto septiembre octubre noviembre diciembre lunes martes miércoles jueves viernes sábado domingo
        anuncia anunció pide niega advierte denuncia gobierno presidente presidenta ministro ministra reforma
        acuerdo elecciones noticias declaraciones desarrollo estrategia frontera nuevo nueva nuevos
        nuevas millones años ley tributaria migratoria""".split()),
    "en": frozenset("""the of and to in is that for it as was with be by on not he this are or his from at
        which but have an they you were their one all we can her has there been if more when will would who so
        no its into than them these our also said after over new what about could should out up those while
        during against between through under because any only january february march april june july august
        september october november december monday tuesday wednesday thursday friday saturday sunday
        how why before amid says back off down just now then where first last two three
        announces warns urges government president minister agreement elections news border
        deal talks source author published updated""".split()),
}
_POSSESSIVE = ("'s", "’s")  # a word ending so ("Haiti's", "Colombia’s") is English evidence
_URL = re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)
_SPANISH_MARKS = "ñáéíóúü¿¡"
# One look-up a word: +1 for each list a word is a Spanish function word of, -1 for English (none is both).
_LEANING = {w: 1 for w in _FUNCTION_WORDS["es"]} | {w: -1 for w in _FUNCTION_WORDS["en"]}


def detect(text: str) -> str:
    """``"en"``, ``"es"`` or ``"und"`` for a paragraph.

    >>> detect("Colombia y Estados Unidos firmaron un acuerdo comercial.")
    'es'
    >>> detect("The two countries signed a trade agreement.")
    'en'
    >>> detect("Gustavo Petro"), detect("2024")
    ('und', 'und')
    >>> detect("Haiti's new gang suppression force wins approval"), detect("Why social leaders keep getting killed")
    ('en', 'en')
    >>> detect("Ambassador tours Medellín with coffee growers"), detect("Perú")
    ('en', 'es')
    >>> detect("Petro anuncia reforma tributaria"), detect("Senate announces border deal")
    ('es', 'en')
    """
    un = text.split().count("UN")  # the United Nations: lowered, it would read as Spanish "un"
    low = text.lower()
    if "://" in low or "www." in low:
        text = _URL.sub(" ", text)  # a link's words are no evidence of the paragraph's language
        low = text.lower()
    # Split at spaces, not a word pattern (twice as fast): function words rarely carry punctuation.
    # Spanish evidence minus English evidence, twice; Spanish letters and marks count for Spanish, twice, but once
    # in a word with a capital first (English headlines name places: "Ambassador tours Medellín with coffee growers"
    # was und).
    words = low.split()
    lean = 2 * (sum(map(_LEANING.get, words, repeat(0))) - sum(w.endswith(_POSSESSIVE) for w in words) - un)
    if not low.isascii():
        lean += sum(sum(map(word.count, _SPANISH_MARKS)) * (1 if written[:1].isupper() else 2)
                    for word, written in zip(words, text.split()) if not word.isascii())
    return UNDETERMINED if lean == 0 else ("es" if lean > 0 else "en")


# The same counting in compiled code, for many texts at once (None without the extension).
_COMPILED = native.leaning(_LEANING, _SPANISH_MARKS, "en", "es", UNDETERMINED)


def detect_many(texts: list[str]) -> list[str]:
    """:func:`detect` of each text, in one call into the compiled scorer where it is built (the same answers;
    a text holding a link, whose link is cut out first, and every text without the extension, go to
    :func:`detect`).

    >>> detect_many(["Los aranceles bajaron.", "The tariffs fell.", "2024", "Read it at https://example.org/de-la-paz"])
    ['es', 'en', 'und', 'en']
    """
    if _COMPILED is None:
        return list(map(detect, texts))
    langs = _COMPILED.languages(texts)
    if None in langs:
        return [lang or detect(text) for lang, text in zip(langs, texts)]
    return langs


def majority(counts: Mapping[str, int], default: str = "en") -> str:
    """The language most paragraphs are in, from their count per language (ties and all-undetermined
    give ``default``).

    >>> majority({"es": 2, "und": 1, "en": 1})
    'es'
    """
    counts = {lang: counts.get(lang, 0) for lang in LANGUAGES}
    best = max(LANGUAGES, key=counts.__getitem__)
    return best if counts[best] > max(c for lang, c in counts.items() if lang != best) else default
