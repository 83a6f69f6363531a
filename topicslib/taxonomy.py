"""The topic taxonomy: ids, names, one-line descriptions and seed terms, in one or more languages.

A taxonomy file is TOML (``[[topic]]`` tables) or JSON (``{"topics": [...]}``)
with ``id``, ``name``, ``description`` and ``seeds`` for each topic, and optionally the
same three in other languages under a two-letter language code (``[topic.es]`` in TOML,
``"es": {...}`` in JSON). A top-level ``lang`` (``lang = "en"``) says which language the topics' own
names are in. :meth:`Taxonomy.localized` gives the taxonomy in one language.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import logging
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from .errors import InputError, TaxonomyError, in_short
from .files import check_path
from .language import LANGUAGES

_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_LANG = re.compile(r"^[a-z]{2}$")
# The two-letter language codes (ISO 639-1): a topic's table keyed by two letters that are none of them ([topic.sp]
# for Spanish) is warned of, its seeds read as no language any paragraph is said to be in
_CODES = frozenset("""aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy da
de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii ik io is
it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb
nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st
su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu""".split())
# The languages topicslib detects (language.LANGUAGES) by their codes, as messages name them.
_KNOWN_CODES = ", ".join(f"{code} for {name}" for code, name in zip(LANGUAGES, ("English", "Spanish")))
# what a table of a topic in another language may be keyed by instead of its code: "ES", "es-MX", "es_MX"
_LANGUAGE_KEY = re.compile(r"^([A-Za-z]{2})(?:[-_][A-Za-z0-9]+)?$")
# What a topic's table holds (besides tables of other languages, keyed by a two-letter code), and what those hold.
_FIELDS = ("name", "description", "seeds")
# What a taxonomy file holds at its top: the topics (TOML's [[topic]] tables, JSON's "topics") and their language.
_TOP_LEVEL = ("lang", "topic", "topics")


def language_code(lang: str | None) -> str | None:
    """A language as taxonomies key it, from the forms users write: ``"ES"``, ``"es-MX"`` and ``"es_CO"`` are ``"es"``.
    The one check of a language asked for (``lang`` of the API, ``--lang``): a value that is no two-letter language
    code is an :class:`InputError` naming the codes topicslib reads; a code the taxonomy lacks is no error (its
    topics keep their own names, :meth:`Taxonomy.language_note`).

    >>> language_code("ES"), language_code("es-MX"), language_code(None), language_code("fr")
    ('es', 'es', None, 'fr')
    >>> language_code("español")
    Traceback (most recent call last):
    ...
    topicslib.errors.InputError: lang: 'español' is no language code; give a two-letter ISO 639-1 code, perhaps with a region: en for English, es for Spanish (es-MX)
    """
    if lang is None:
        return None
    code = re.split(r"[-_]", str(lang).strip(), maxsplit=1)[0].lower()
    if code not in _CODES:
        # a name ("español", "Spanish") or a typo fell back to the taxonomy's own names, unsaid in the API
        raise InputError(f"lang: {lang!r} is no language code; give a two-letter ISO 639-1 code, perhaps with a "
                         f"region: {_KNOWN_CODES} (es-MX)")
    return code


def is_label(value: object) -> bool:
    """Whether ``value`` can be a topic id found in examples: a non-empty printable string, no outer spaces.

    Taxonomy files use the stricter form (lower-case letters, digits and ``_``);
    labels of other data sets (``"comp.graphics"``, ``"castor-oil"``, ``"12"``) train too.

    >>> is_label("comp.graphics"), is_label("a\\nb"), is_label(" x")
    (True, False, False)
    """
    return isinstance(value, str) and value != "" and value == value.strip() and value.isprintable()


@dataclass(frozen=True)
class Topic:
    """One topic of a taxonomy.

    >>> Topic("trade", "Trade and economy").id
    'trade'
    """

    id: str
    name: str = ""
    description: str = ""
    seeds: tuple[str, ...] = field(default_factory=tuple)
    # (language code, topic in that language), e.g. (("es", Topic("trade", "Comercio y economía")),)
    translations: tuple[tuple[str, "Topic"], ...] = ()

    @property
    def all_seeds(self) -> tuple[str, ...]:
        """The seed terms of every language the topic is given in (its own first, each once): what a paragraph in
        any of them is matched against (``bootstrap``; a bilingual corpus holds both).

        >>> Topic("trade", seeds=("tariffs", "trade"), translations=(("es", Topic("trade", seeds=("aranceles",))),)).all_seeds
        ('tariffs', 'trade', 'aranceles')
        """
        return tuple(dict.fromkeys(s for t in (self, *(t for _, t in self.translations)) for s in t.seeds))

    def localized(self, lang: str | None) -> "Topic":
        """This topic's name, description and seeds in ``lang`` where the taxonomy has them, else as they are.

        >>> t = Topic("trade", "Trade", translations=(("es", Topic("trade", "Comercio")),))
        >>> t.localized("es").name, t.localized("fr").name
        ('Comercio', 'Trade')
        """
        other = dict(self.translations).get(language_code(lang))
        if other is None:
            return self
        return Topic(self.id, other.name or self.name, other.description or self.description, other.seeds or self.seeds,
                     self.translations)

    def to_dict(self) -> dict:
        d = {"id": self.id, "name": self.name, "description": self.description, "seeds": list(self.seeds)}
        for lang, t in self.translations:
            d[lang] = {"name": t.name, "description": t.description, "seeds": list(t.seeds)}
        return d


@dataclass(frozen=True)
class Taxonomy:
    """An ordered, duplicate-free set of topics.

    >>> tax = Taxonomy.from_ids(["b", "a"])
    >>> tax.ids
    ('b', 'a')
    """

    topics: tuple[Topic, ...]
    lang: str | None = None  # the language of the topics' own names, where the file declares it

    def __post_init__(self) -> None:
        if not self.topics:
            raise TaxonomyError("a taxonomy needs at least one topic")
        if self.lang is not None and not (isinstance(self.lang, str) and _LANG.match(self.lang)):
            raise TaxonomyError(f"'lang' must be a two-letter language code such as \"en\", got {self.lang!r}")
        seen: dict[str, int] = {}
        for n, t in enumerate(self.topics, 1):
            if t.id in seen:  # where, counted as the taxonomy's other messages count topics, and what to do
                raise TaxonomyError(f"topics #{seen[t.id]} and #{n} both have the id {t.id!r}; give each topic an id "
                                    "of its own (or merge the two)")
            seen[t.id] = n

    @cached_property  # read on every classify call: made once (the dataclass is frozen)
    def ids(self) -> tuple[str, ...]:
        return tuple(t.id for t in self.topics)

    def __len__(self) -> int:
        return len(self.topics)

    def __iter__(self):
        return iter(self.topics)

    def __contains__(self, topic_id: object) -> bool:
        return topic_id in self.ids

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages the taxonomy names its topics in besides its own (e.g. ``("es",)``)."""
        return tuple(dict.fromkeys(lang for t in self.topics for lang, _ in t.translations))

    def localized(self, lang: str | None) -> "Taxonomy":
        """The taxonomy with names, descriptions and seeds in ``lang`` where it has them."""
        lang = language_code(lang)
        return Taxonomy(tuple(t.localized(lang) for t in self.topics), lang if lang in self.languages else self.lang)

    def language_note(self, lang: str | None) -> str | None:
        """What to tell a user who asks for the topics in ``lang`` when the taxonomy does not name them in it
        (they are then named in its own language); None when it does, or when no language is asked for.

        >>> tax = Taxonomy((Topic("trade", "Trade", translations=(("es", Topic("trade", "Comercio")),)),), lang="en")
        >>> tax.language_note("es") is None, tax.language_note("en") is None
        (True, True)
        >>> print(tax.language_note("fr"))
        the taxonomy names its topics in en and es, not in 'fr': they are named in en
        """
        code = language_code(lang)
        if code is None or code == self.lang or code in self.languages:
            return None
        own = self.lang or "its own names' language"
        note = f"the taxonomy names its topics in {' and '.join([own, *self.languages])}, not in {lang!r}: " \
               f"they are named in {self.lang or 'its own'}"
        if self.lang is None:
            note += ' (a taxonomy file says which language its own names are in with lang = "xx" at its top)'
        return note

    @classmethod
    def from_ids(cls, ids: Iterable[str]) -> "Taxonomy":
        """A bare taxonomy (names equal ids) for labels found in the examples."""
        return cls(tuple(Topic(i, name=i) for i in ids))

    @classmethod
    def from_dict(cls, data: Mapping, *, source: str = "taxonomy", strict: bool = True) -> "Taxonomy":
        """A taxonomy from its TOML/JSON form; ``strict=False`` accepts any :func:`is_label` id (model cards).

        Keys it does not read, at the top as in a topic's table, are named in a warning (:func:`_unknown_keys`);
        topics under both ``topic`` and ``topics`` (a misspelt table name) are an error, not a silent choice.

        >>> Taxonomy.from_dict({"topic": [{"id": "trade"}], "topics": [{"id": "health"}]}, source="t.toml")
        Traceback (most recent call last):
        ...
        topicslib.errors.TaxonomyError: t.toml: topics under both 'topic' and 'topics' (is one a misspelling?); keep one: 'topic' for TOML's [[topic]] tables, 'topics' in JSON
        """
        if isinstance(data, Mapping):
            if "topic" in data and "topics" in data:
                raise TaxonomyError(f"{source}: topics under both 'topic' and 'topics' (is one a misspelling?); keep "
                                    "one: 'topic' for TOML's [[topic]] tables, 'topics' in JSON")
            _unknown_keys(data, _TOP_LEVEL, source)
        raw = data.get("topics", data.get("topic")) if isinstance(data, Mapping) else None
        if not isinstance(raw, list) or not raw:
            raise TaxonomyError(f"{source}: expected a non-empty list of topics under 'topic' (TOML) or 'topics' (JSON)")
        topics = []
        unknown_codes: dict[str, list[str]] = {}  # a code no language has: the topics whose tables it keys
        for n, item in enumerate(raw, 1):
            if not isinstance(item, Mapping):
                raise TaxonomyError(f"{source}: topic #{n} is not a table/object")
            tid = item.get("id")
            if tid is None:
                raise TaxonomyError(f"{source}: topic #{n} has no id")
            if not (isinstance(tid, str) and _ID.match(tid)) and (strict or not is_label(tid)):
                rule = "lower-case letters, digits and '_', starting with a letter" if strict else "non-empty printable strings"
                raise TaxonomyError(f"{source}: topic #{n} has id {tid!r}; ids are {rule}")
            name, desc, seeds = _texts(item, tid, tid, f"{source}: topic {tid!r}")
            translations = []
            for lang, value in item.items():
                if lang != "id" and _LANG.match(str(lang)):
                    if not isinstance(value, Mapping):
                        raise TaxonomyError(f"{source}: topic {tid!r}: {lang!r} must be a table of name, description and seeds")
                    translations.append((lang, Topic(tid, *_texts(value, "", tid, f"{source}: topic {tid!r} ({lang})"))))
                    if strict and lang not in _CODES:  # said of the file, not again at each load of its model
                        unknown_codes.setdefault(lang, []).append(tid)
                    _unknown_keys(value, _FIELDS, f"{source}: topic {tid!r} ({lang})")
            _unknown_keys({k: v for k, v in item.items() if not _LANG.match(str(k))}, ("id", *_FIELDS),
                          f"{source}: topic {tid!r}", languages=True)
            topics.append(Topic(tid, name, desc, seeds, tuple(translations)))
        for lang, tids in unknown_codes.items():
            _unknown_language(lang, tids, source)
        try:
            return cls(tuple(topics), data.get("lang"))
        except TaxonomyError as e:
            raise TaxonomyError(f"{source}: {e}") from None

    def to_dict(self) -> dict:
        own = {"lang": self.lang} if self.lang is not None else {}  # absent: older taxonomies keep their digest
        return {**own, "topics": [t.to_dict() for t in self.topics]}

    def sha256(self) -> str:
        """A digest of the whole taxonomy, to tell when a model is stale."""
        return hashlib.sha256(json.dumps(self.to_dict(), sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _unknown_keys(table: Mapping, known: tuple[str, ...], where: str, *, languages: bool = False) -> None:
    """Warn of keys a taxonomy's table (its top, a topic's, a topic's in another language) holds that topicslib does
    not read: a misspelt ``seed`` would otherwise leave the topic without seed terms, or a misspelt ``lang`` the
    taxonomy without its language, unsaid (extra keys of a user's own are allowed). ``languages``: the table (a
    topic's) may hold tables of other languages, and a table keyed by a language otherwise than by its code in
    lower case is told which code to use."""
    for key in table:
        if key not in known:
            close = difflib.get_close_matches(str(key), known, n=1)
            # a table under a language's name written otherwise ([topic.ES], [topic.es-MX]): its seeds, unread,
            # left the corpus's paragraphs in that language to no seed, and the list of keys did not say why
            code = _LANGUAGE_KEY.match(str(key)) if languages and isinstance(table[key], Mapping) else None
            close = [code.group(1).lower()] if code else close
            logging.getLogger("topicslib").warning(
                "%s: unknown key %r, not read%s (the keys are %s)", where, key,
                f"; did you mean {close[0]!r}?" if close else "",
                ", ".join((*known, "and a language's two-letter code in lower case, as es") if code else known))


def _unknown_language(code: str, tids: list[str], source: str) -> None:
    """Warn, once a file, of a topic's table keyed by two letters that are no language's code (:data:`_CODES`),
    naming the section and the topics that have one: ``[topic.sp]`` (Spanish is ``es``) was read silently, as a
    language no paragraph is detected in and ``--lang`` never asks for."""
    close = difflib.get_close_matches(code, LANGUAGES, n=1, cutoff=0.5)
    section = f'"{code}"' if source.lower().endswith(".json") else f"[topic.{code}]"
    logging.getLogger("topicslib").warning(
        "%s: %s (topic%s %s): %r is not a language code topicslib knows%s; its table is read as that language's "
        "name, description and seeds (a language's table is keyed by its two-letter ISO 639-1 code: %s)", source,
        section, "s" if len(tids) > 1 else "", in_short([repr(t) for t in tids], 5), code,
        f" (did you mean {close[0]!r}?)" if close else "", _KNOWN_CODES)


def _texts(item: Mapping, default_name: str, tid: str, where: str) -> tuple[str, str, tuple[str, ...]]:
    """A topic's name, description and seeds from its table, checked."""
    seeds = item.get("seeds", [])
    if not isinstance(seeds, list) or not all(isinstance(s, str) and s.strip() for s in seeds):
        raise TaxonomyError(f"{where}: 'seeds' must be a list of non-empty strings")
    name, desc = item.get("name", default_name), item.get("description", "")
    if not isinstance(name, str) or not isinstance(desc, str):
        raise TaxonomyError(f"{where}: 'name' and 'description' must be strings")
    return name, desc, tuple(seeds)


def load_taxonomy(path: str | Path) -> Taxonomy:
    """Read a taxonomy from a ``.toml`` or ``.json`` file.

    >>> load_taxonomy("seeds/topics.toml").ids[:2]
    ('migration', 'climate')
    >>> load_taxonomy(None)
    Traceback (most recent call last):
    ...
    topicslib.errors.InputError: load_taxonomy takes a taxonomy file's path (str or Path), got NoneType
    """
    check_path(path, "load_taxonomy takes a taxonomy file's path")
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise TaxonomyError(f"{path}: cannot read taxonomy: {e.strerror or e}") from None
    try:
        text = raw.decode("utf-8")
        data = json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
    except UnicodeDecodeError:
        raise TaxonomyError(f"{path}: not UTF-8 text") from None
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as e:
        raise TaxonomyError(f"{path}: cannot parse taxonomy: {e}") from None
    except RecursionError:
        raise TaxonomyError(f"{path}: cannot parse taxonomy: nested too deeply") from None
    return Taxonomy.from_dict(data, source=str(path))


def as_taxonomy(value: "str | Path | Taxonomy | None") -> "Taxonomy | None":
    """A taxonomy given as a file path, a :class:`Taxonomy`, or ``None`` (the labels found decide).

    >>> as_taxonomy(None) is None
    True
    """
    if isinstance(value, (str, Path)):
        return load_taxonomy(value)
    if value is not None and not isinstance(value, Taxonomy):
        # a mapping is the file's form in memory, and Taxonomy.from_dict reads it: said, as no doc showed it
        hint = ("; for a mapping as a taxonomy file holds it, give Taxonomy.from_dict(it)"
                if isinstance(value, Mapping) else "")
        raise TaxonomyError(f"taxonomy must be a path or a Taxonomy, got {type(value).__name__}{hint}")
    return value
