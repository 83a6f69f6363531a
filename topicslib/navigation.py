"""Navigation lines: links to other stories inside a page ("Read more: …", "Lea también: …", "See also"),
which the labeling guide gives no topic whatever story they name. A linear model reads the linked
headline's words ("READ: Colombia Asks for More Aid to Fight Cocaine Smuggling" scored narcotics 0.999),
so they are recognised by their lead-in, in English and Spanish, and score 0 for every topic.

>>> is_navigation("Read more: Venezuela and the US, from friends to foes")
True
>>> is_navigation("(Lea también: Petro y Trump hablan por teléfono)")
True
>>> is_navigation("Related talks on migration were held in Quito.")
False
"""

from __future__ import annotations

import re

# Lead-ins of a link to another story, followed by a colon (or a separator, or nothing more).
_LEAD_IN = (
    r"read(?:\s+(?:more|also|next|this|the\s+full\s+(?:story|article|report|statement)))?|also\s+read|"
    r"you\s+(?:can|may|might)\s+(?:also\s+)?(?:read|like|be\s+interested(?:\s+in)?)|see\s+(?:also|more)|"
    r"related(?:\s+(?:content|stories|story|articles?|news|coverage|reading|links?))?|"
    r"more\s+(?:on\s+this(?:\s+story)?|news|stories|from\s+\w+)|recommended(?:\s+(?:reading|stories))?|"
    r"watch(?:\s+(?:more|now|the\s+video))?|listen(?:\s+now)?|"
    r"lea\s+(?:también|tambien|además|ademas|más|mas)|lee\s+(?:también|tambien|además|ademas|más|mas)|"
    r"(?:le|te)\s+puede\s+interesar|puede\s+interesarle|también\s+puede\s+leer|"
    r"ver\s+(?:más|mas|también|tambien|además|ademas)|vea\s+(?:también|tambien|más|mas|además|ademas)|"
    r"(?:noticias?|notas?|artículos?)\s+relacionad[oa]s?|relacionad[oa]s?|siga\s+leyendo|sigue\s+leyendo|"
    r"recomendad[oa]s?|en\s+video|escuche|escucha"
)
# A pointer to the original of a translated page ("To view the original text, go to: https://…").
_ORIGINAL = (r"to\s+(?:see|view|read)\s+the\s+original(?:\s+(?:text|statement|document|version))?|"
             r"para\s+(?:ver|leer|consultar)\s+(?:el|la)\s+(?:texto|documento|comunicado|versión|version)\s+original")
_NAVIGATION = re.compile(rf"^\W{{0,3}}(?:(?:(?:also|también|tambien)\s+)?(?:{_LEAD_IN})\s*(?:[:|»>\-–—]|$)|{_ORIGINAL})",
                         re.IGNORECASE)


def is_navigation(text: str) -> bool:
    """Whether ``text`` is a navigation line: a lead-in such as "Read more:" or "Vea también:" opens it."""
    return _NAVIGATION.match(text) is not None


def navigation_rows(texts: list[str]) -> list[int]:
    """The positions of the navigation lines among ``texts``.

    >>> navigation_rows(["Tariffs fell.", "See also: Tariffs fell.", "RELACIONADO: Aranceles", "También le puede interesar: X"])
    [1, 2, 3]
    """
    match = _NAVIGATION.match
    return [i for i, text in enumerate(texts) if match(text)]
