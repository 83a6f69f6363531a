"""Does the model know each topic's cues? Cue recall in English and Spanish, with no dev set involved.

``benchmarks/cues/cues.toml`` holds, for each default topic and language, 20 phrases that by the labeling guide
make that topic and no other ("transitional justice", "los secuestros extorsivos"), and four bland carrier
sentences a language. Each cue is set in each carrier and the texts are classified (``TopicModel.predict``, the
one decision rule). Figures, per topic and language:

- recall: the share of cue sentences given their cue's topic;
- known: the share of cues given their topic in every carrier;
- extra: other topics given, per cue sentence (the carriers name none);
- diplomacy from attribution: the share of cues of the nine other topics that get ``diplomacy`` in the carrier
  that attributes them to officials ("officials in the capital said that ..."), which by the guide is no reason;
- diplomacy from names: the same share when named officials say it ("Secretary of State Mike Pompeo said on
  Tuesday that ..."), for each name of the file's ``attributed`` list: a name is no reason either.

A check of vocabulary, not of accuracy: the real paragraphs of the dev sets stay the measure of that. Useful when
writing examples (``--missed`` lists the cues the model does not know) and as a second signal, beside the dev sets,
that a change of examples generalises.

    python benchmarks/cues.py [--model PATH] [--missed] [--out benchmarks/results/cues.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import topicslib  # noqa: E402

CUES = ROOT / "benchmarks" / "cues" / "cues.toml"
# The carrier that attributes its cue to officials: the first of each language.
ATTRIBUTION = 0


def sentences(cues: dict, lang: str) -> list[tuple[str, str, int, str]]:
    """``(topic, cue, carrier number, sentence)`` for every cue of ``lang`` in every carrier of that language.

    >>> sentences({"carriers": {"en": ["{Cue} rose.", "We saw {cue}."]}, "cues": {"trade": {"en": ["exports"]}}}, "en")
    [('trade', 'exports', 0, 'Exports rose.'), ('trade', 'exports', 1, 'We saw exports.')]
    """
    out = []
    for topic, langs in cues["cues"].items():
        for cue in langs.get(lang, []):
            for k, carrier in enumerate(cues["carriers"][lang]):
                out.append((topic, cue, k, carrier.format(cue=cue, Cue=cue[:1].upper() + cue[1:])))
    return out


def attributed(cues: dict, lang: str) -> list[tuple[str, str]]:
    """``(who, sentence)``: every cue of ``lang`` but diplomacy's in the attributed carrier, said by each name.

    >>> attributed({"attributed": {"en": {"carrier": "{who} said {cue} rose.", "who": ["Ana"]}},
    ...             "cues": {"trade": {"en": ["exports"]}, "diplomacy": {"en": ["visits"]}}}, "en")
    [('Ana', 'Ana said exports rose.')]
    """
    spec = cues.get("attributed", {}).get(lang)
    if not spec:
        return []
    return [(who, spec["carrier"].format(who=who, cue=cue)) for who in spec["who"]
            for topic, langs in cues["cues"].items() if topic != "diplomacy" for cue in langs.get(lang, [])]


def measure(model: topicslib.TopicModel, cues: dict) -> dict:
    """The figures of every topic and language (see the module's docstring), and the cues missed."""
    classes = model.classes_.tolist()
    result = {}
    for lang in cues["carriers"]:
        said = attributed(cues, lang)
        by_name = {}
        if said and "diplomacy" in classes:
            given = model.predict([s for _, s in said])[:, classes.index("diplomacy")]
            for (who, _), g in zip(said, given.tolist()):
                by_name.setdefault(who, []).append(g)
        names = {who: round(sum(v) / len(v), 4) for who, v in by_name.items()}
        rows = sentences(cues, lang)
        decided = model.predict([s for *_, s in rows]).astype(bool)
        per_topic, missed = {}, {}
        n_hits = n_known = n_cues = 0  # over every topic: sentences given their cue's topic, cues known, cues
        for topic in cues["cues"]:
            mine = [i for i, r in enumerate(rows) if r[0] == topic]
            if not mine:
                continue
            j = classes.index(topic)
            hits = decided[mine, j]
            by_cue = {}
            for i in mine:
                by_cue.setdefault(rows[i][1], []).append(bool(decided[i, j]))
            known = sum(all(v) for v in by_cue.values())
            n_hits, n_known, n_cues = n_hits + int(hits.sum()), n_known + known, n_cues + len(by_cue)
            per_topic[topic] = {
                "recall": round(float(hits.mean()), 4),
                "known": round(known / len(by_cue), 4),
                "extra": round(float((decided[mine].sum(axis=1) - hits).mean()), 4),
            }
            missed[topic] = [cue for cue, v in by_cue.items() if not all(v)]
        officials = [i for i, r in enumerate(rows) if r[2] == ATTRIBUTION and r[0] != "diplomacy"]
        result[lang] = {
            "topics": per_topic,
            "recall": round(n_hits / len(rows), 4),
            "known": round(n_known / n_cues, 4),
            "diplomacy_from_attribution": round(float(decided[officials, classes.index("diplomacy")].mean()), 4)
            if officials and "diplomacy" in classes else None,
            "diplomacy_from_names": round(sum(map(sum, by_name.values())) / len(said), 4) if names else None,
            "diplomacy_by_name": names,
            "missed": missed,
        }
    return result


def table(result: dict) -> str:
    langs = list(result)
    lines = ["| topic | " + " | ".join(f"{lang}: recall / known / extra" for lang in langs) + " |",
             "|---|" + "---|" * len(langs)]
    for topic in result[langs[0]]["topics"]:
        cells = []
        for lang in langs:
            t = result[lang]["topics"].get(topic)
            cells.append(f"{t['recall']:.2f} / {t['known']:.2f} / {t['extra']:.2f}" if t else "–")
        lines.append(f"| {topic} | " + " | ".join(cells) + " |")
    lines.append("| all | " + " | ".join(f"**{result[lang]['recall']:.3f}** / {result[lang]['known']:.3f} / –"
                                          for lang in langs) + " |")
    for key, label in (("diplomacy_from_attribution", "diplomacy from attribution"),
                       ("diplomacy_from_names", "diplomacy from names (mean)")):
        lines.append(f"| {label} | " + " | ".join(_share(result[lang][key]) for lang in langs) + " |")
    lines.append("| the name that adds most | " + " | ".join(_most(result[lang]["diplomacy_by_name"]) for lang in langs) + " |")
    return "\n".join(lines)


def _share(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def _most(names: dict[str, float]) -> str:
    if not names:
        return "–"
    who = max(names, key=names.get)
    return f"{who}: {names[who]:.3f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python benchmarks/cues.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, help="a model file (default: the shipped default model)")
    parser.add_argument("--cues", type=Path, default=CUES, help="the cue file (TOML)")
    parser.add_argument("--missed", action="store_true", help="also list the cues not given their topic in every carrier")
    parser.add_argument("--out", type=Path, help="write the figures here as JSON")
    args = parser.parse_args(argv)
    model = topicslib.load_model(args.model) if args.model else topicslib.default_model()
    cues = tomllib.loads(args.cues.read_text(encoding="utf-8"))
    result = measure(model, cues)
    print(table(result))
    if args.missed:
        for lang, r in result.items():
            for topic, cs in r["missed"].items():
                if cs:
                    print(f"{lang} {topic}: " + "; ".join(cs))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        command = "python benchmarks/cues.py" + (f" --model {args.model}" if args.model else "")
        args.out.write_text(json.dumps({"command": command, "model": str(args.model or "default"), "results": result},
                                       indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
