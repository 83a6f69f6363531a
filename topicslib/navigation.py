"""Navigation lines, which the labeling guide gives no topic whatever words they hold:

- links to other stories inside a page ("Read more: …", "Lea también: …", "See also"), and a page's list of its
  tags or sections ("Tags: …", "Filed under: …", "Temas: …"), recognised by their lead-in, in English and Spanish;
- a web address or a wordless image alone on its line, and the attribution line of an embedded post
  ("— Department of State (@StateDept) March 11, 2025");
- an office, ministry or organisation named alone, as page menus, sidebars and signature blocks have
  them ("Office of the Spokesperson", "Oficina de Control de Drogas (OCD)", "Guatemala Human Rights
  Commission"): a capitalised name led or ended by a word such as Office, Bureau, Ministry, Committee,
  Oficina, Ministerio, Comisión, with nothing else on the line but places and an acronym.

A linear model reads their words as it reads a paragraph's ("READ: Ecuador Asks Washington for More Help
Against Cocaine Smuggling" scored narcotics 0.999 as a headline, "Oficina de Control de Drogas y Prevención
del Delito" 0.999), so they score 0 for every topic instead.

>>> is_navigation("Read more: How Caracas and Washington went from allies to rivals")
True
>>> is_navigation("(Lea también: Petro y Trump hablan por teléfono)")
True
>>> is_navigation("Bureau of Population, Refugees, and Migration"), is_navigation("Banco Interamericano de Desarrollo (BID)")
(True, True)
>>> is_navigation("— Migración Colombia (@MigracionCol) 12 de julio de 2024"), is_navigation("![](https://example.org/migrantes.jpg)")
(True, True)
>>> is_navigation("Related talks on migration were held in Quito.")
False
>>> is_navigation("Tags: Guatemala, Migration"), is_navigation("Temas: Migración · Seguridad"), is_navigation("Topics of the talks: trade")
(True, True, False)
>>> is_navigation("Embassy Hosts Workshop on Cocaine Trafficking"), is_navigation("Destacamento Naval de Investigación Médica")
(False, True)
>>> is_navigation("BRAZIL LAUNCHES NEW EXPORT SERVICE"), is_navigation("COSTA RICA FOREIGN MINISTRY")
(False, True)
>>> is_navigation("Student Visas"), is_navigation("Student visas for Venezuelans were suspended in March.")
(True, False)
"""

from __future__ import annotations

import re

# Headings of a page's list of links to other stories ("Noticias relacionadas", "Related stories:", "Lo más
# leído"). Alone on its line, such a heading is matched by _LIST_HEADING: the headlines listed under it are navigation
# too, whose words scored as a story's (a "Noticias relacionadas" list of three headlines gave democracy 0.70 and
# security 0.54 to a migration story); followed by a separator and a headline ("Most read: …"), or alone as a
# paragraph of its own, by _NAVIGATION, as every lead-in is.
_LISTS = (
    r"related(?:\s+(?:content|stories|story|articles?|news|coverage|reading|links?))?|"
    r"more\s+(?:news|stories|on\s+this(?:\s+story)?)|recommended(?:\s+(?:reading|stories))?|most\s+read|"
    r"(?:read|see)\s+(?:more|also)|you\s+(?:may|might)\s+(?:also\s+)?like|trending(?:\s+now)?|"
    r"(?:noticias?|notas?|art[ií]culos?)\s+relacionad[oa]s?|relacionad[oa]s?|recomendad[oa]s?|"
    r"(?:más|mas|otras|últimas|ultimas)\s+noticias|lo\s+(?:más|mas)\s+(?:leído|leido|visto)|"
    r"(?:más|mas)\s+(?:leídas?|leidas?|leídos|leidos|vistas?)|(?:le|te)\s+puede\s+interesar|"
    r"(?:lea|lee|leer|ver|vea)\s+(?:también|tambien|más|mas|además|ademas)"
)
# What may open either: "Also related", "También le puede interesar".
_ALSO = r"(?:(?:also|también|tambien)\s+)?"
# A list's heading ends its line (perhaps after a colon, a period or an arrow).
_ALONE = r"\s*[:.»>]?\s*$"
# Lead-ins of a link to another story that head no list, followed by a colon (or a separator, or nothing more).
_LEAD_IN = (
    r"read(?:\s+(?:next|this|the\s+full\s+(?:story|article|report|statement)))?|also\s+read|"
    r"you\s+(?:can|may|might)\s+(?:also\s+)?(?:read|be\s+interested(?:\s+in)?)|more\s+from\s+\w+|"
    r"watch(?:\s+(?:more|now|the\s+video))?|listen(?:\s+now)?|"
    r"puede\s+interesarle|también\s+puede\s+leer|siga\s+leyendo|sigue\s+leyendo|en\s+video|escuche|escucha|"
    # a page's list of its tags or sections ("Tags: Guatemala, Migration", "Filed under: Economy · Mexico"), which
    # the examples label [] as the guide's navigation text; its words scored as a paragraph's (migration 0.76)
    r"tags?|topics?|keywords|categor(?:y|ies)|filed\s+under|etiquetas?|temas?|palabras\s+clave|"
    r"categor(?:ía|ia)s?|archivado\s+en"
)
# A pointer to the original of a translated page ("To view the original text, go to: https://…").
_ORIGINAL = (r"to\s+(?:see|view|read)\s+the\s+original(?:\s+(?:text|statement|document|version))?|"
             r"para\s+(?:ver|leer|consultar)\s+(?:el|la)\s+(?:texto|documento|comunicado|versión|version)\s+original")
# A line holding nothing but a web address or an image without words (Markdown's ![](…)), and the attribution
# line of an embedded post ("— Department of State (@StateDept) March 11, 2025", "… 4 de marzo de 2025"), whose
# words are an address's or a name's.
_LINK_ONLY = r"(?:!\[\]\([^)\s]*\)|<?(?:https?://|www\.)\S+?>?)\W{0,2}\s*$"
_POST = r"(?<=[—–-])\s*[^()\n]{1,80}\(@\w{1,30}\)\s+(?:\w+\s+\d{1,2},\s+\d{4}|\d{1,2}\s+de\s+\w+\s+de\s+\d{4})\s*$"
# A list's heading is navigation in either form; alone it is matched here too (as _LIST_HEADING matches it), so that a
# paragraph of one line, nearly every one, is read by one regular expression (a second one cost every classify
# 0.6 µs, a third of the check)
_NAVIGATION = re.compile(rf"^\W{{0,3}}(?:{_ALSO}(?:(?:{_LEAD_IN}|{_LISTS})\s*(?:[:|»>\-–—]|$)|(?:{_LISTS}){_ALONE})|"
                         rf"{_ORIGINAL}|{_LINK_ONLY}|{_POST})", re.IGNORECASE)

_LIST_HEADING = re.compile(rf"^\W{{0,3}}{_ALSO}(?:{_LISTS}){_ALONE}", re.IGNORECASE)


def is_list_heading(line: str) -> bool:
    """Whether ``line`` heads a list of links to other stories, alone on its line.

    >>> is_list_heading("Noticias relacionadas"), is_list_heading("RELATED STORIES:"), is_list_heading("Lo más leído")
    (True, True, True)
    >>> is_list_heading("Related talks on migration were held in Quito."), is_list_heading("Lea también: Petro habla")
    (False, False)
    """
    return _LIST_HEADING.match(line) is not None


# The words that make a capitalised name an office's or an organisation's, English and Spanish (and an embassy
# menu's consular items: "Immigrant Visas", "Visas de Trabajo Temporal"); each must start with a capital where it
# stands ("office" inside a sentence is no name).
_HEAD = (r"(?=[A-ZÁÉÍÓÚÑ])(?i:office|bureau|department|ministry|committee|commission|council|agency|institute|"
         r"foundation|detachment|directorate|secretariat|embassy|consulate|section|network|coalition|bank|fund|service|"
         r"oficinas?|ministerio|comité|comisi[oó]n|consejo|agencia|instituto|centro|fundaci[oó]n|destacamento|"
         r"direcci[oó]n|secretar[ií]a|secci[oó]n|embajada|consulado|coalici[oó]n|defensor[ií]a|"
         r"fiscal[ií]a|procuradur[ií]a|banco|fondo|servicio|visas?)")
# The word that joins a head word to the rest of the name ("Office of …", "Oficina de …").
_JOINER = r"(?:of|for|on|de|del|para|sobre)"
# A capitalised word or an abbreviation such as U.S.; a word of a name is one, a number, or a lower-case joining word.
_CAPITALISED = r"(?:(?:[A-Z]\.){2,}|[A-ZÁÉÍÓÚÑ][\w’'\-]*)"
_NAME_WORD = rf"(?:{_CAPITALISED}|\d+|of|for|and|the|on|in|de|del|la|las|los|el|y|e|para|en|a|&)"
# A Spanish adjective after the head word ("Dirección General de", "Destacamento Naval de"); an English
# word there is a headline's verb ("Embassy Hosts Workshop on …").
_ADJECTIVE = r"[A-ZÁÉÍÓÚÑ]\w*(?:al|ar|ic[oa]|iv[oa]|an[oa]|ari[oa]|ense|ente)"
_NAME = re.compile(
    rf"(?:(?:The|El|La|Los|Las)\s+)?(?:"
    rf"{_HEAD}(?:\s+{_ADJECTIVE}){{0,2}}(?:\s+{_JOINER}(?:\s+{_NAME_WORD}){{1,10}})?"  # Office of X, Oficina de Y
    rf"|{_CAPITALISED}(?:\s+{_NAME_WORD}){{0,3}}\s+{_HEAD}"  # Guatemala Human Rights Commission
    rf")(?:\s+\([A-Z][A-Za-z\-/]{{1,10}}\))?"  # (OCD)
    rf"(?:\s*(?:[|–—›,]|\s-)\s*{_NAME_WORD}(?:\s+{_NAME_WORD}){{0,6}})*"  # — Ministerio de Defensa, Lima, Peru
)
# An English title-case headline reads like a name up to its verb ("Department of State Announces Sanctions on
# Drug Traffickers"): a capitalised word in -s with more words after it, unless it is one of the plurals that
# names hold ("Office of Foreign Assets Control"); an all-capitals line is looked at title-cased. Spanish names
# are full of plurals and have no such verb.
_VERB = re.compile(r"\b(?!(?:Affairs|Assets|Rights|Nations|States|Americas|Services|Forces|Studies|Relations|Issues|"
                   r"Operations|Refugees|Resources|Programs|Persons|Peoples|Communities|Narcotics|Statistics|Sciences|"
                   r"Victims|Defenders|Arms|Customs|Works|Islands|Emirates|Ports|Parks|Lands|Ethics|Economics)\b)"
                   r"[A-Z][a-z]+[^sui’'\W]s\s+(?:[A-Z0-9]|(?:the|a|an|to|on|in|new)\s)")
_SPANISH = re.compile(r"\b(?:de|del|la|las|los|el|y|para)\b")
# Longer lines (as given, before their ends are stripped), and lines ending as sentences do, are prose, not a
# name: only the others are tried.
_NAME_CHARS = 160
_SENTENCE_END = frozenset('.!?:;"”')


def _is_name(text: str) -> bool:
    """Whether ``text`` is an office's or organisation's name standing alone (see the module's docstring)."""
    if len(text) > _NAME_CHARS:
        return False
    text = text.strip()
    if text[-1:] in _SENTENCE_END or "\n" in text or _NAME.fullmatch(text) is None:
        return False
    return _SPANISH.search(text) is not None or _VERB.search(text.title() if text.isupper() else text) is None


def is_navigation(text: str) -> bool:
    """Whether ``text`` is a navigation line: a lead-in such as "Read more:" or "Vea también:" opens it; it is
    a web address, a wordless image or an embedded post's attribution alone; it is an office's or
    organisation's name standing alone; or it is a list of links to other stories, a line each, under its heading
    (:func:`is_list_heading`), as ``documents.split_paragraphs`` gives one.

    >>> is_navigation("Noticias relacionadas\\nMaduro anuncia nuevas elecciones\\nEl ELN ataca una base en Arauca")
    True
    """
    return (_NAVIGATION.match(text) is not None or _is_name(text)
            or ("\n" in text and is_list_heading(text[:text.index("\n")])))  # a list's heading over its list


def navigation_rows(texts: list[str]) -> list[int]:
    """The positions of the navigation lines among ``texts``.

    >>> navigation_rows(["Tariffs fell.", "See also: Tariffs fell.", "RELACIONADO: Aranceles", "Office of Foreign Assets Control"])
    [1, 2, 3]
    """
    return [i for i, text in enumerate(texts) if is_navigation(text)]
