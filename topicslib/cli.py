"""The ``topicslib`` command line: classify, train, evaluate, cross-validate, explain, topics.

Exit codes: 0 success, 1 data error (the message names file and line), 2 usage error.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from . import __version__
from .errors import TopicslibError


def _load(args) -> "object":
    from . import default_model, load_model

    return load_model(args.model) if args.model else default_model()


def _cmd_classify(args) -> int:
    model = _load(args)
    if args.text is not None:
        sources = [("<text>", args.text)]
    elif args.files:
        sources = [(str(p), Path(p).read_text(encoding="utf-8")) for p in args.files]
    else:
        sources = [("<stdin>", sys.stdin.read())]
    out = sys.stdout
    for name, text in sources:
        if args.document:
            doc = model.classify_document(text)
            if args.format == "jsonl":
                for p in doc.paragraphs:
                    out.write(json.dumps({"source": name, "paragraph": p.index, "text": p.text,
                                          "topics": [{"topic": t, "score": round(s, 4)} for t, s in p.topics]},
                                         ensure_ascii=False) + "\n")
            else:
                out.write(f"== {name}: {len(doc.paragraphs)} paragraphs\n")
                for p in doc.paragraphs:
                    tags = ", ".join(f"{t} {s:.2f}" for t, s in p.topics) or "-"
                    snippet = p.text if len(p.text) <= 70 else p.text[:67] + "..."
                    out.write(f"[{p.index:>3}] {tags:<40} {snippet}\n")
                out.write("document: " + (", ".join(f"{d.topic} ({d.paragraphs} para, {d.share:.0%})" for d in doc.topics) or "-") + "\n")
        else:
            topics = model.classify(text)
            if args.format == "jsonl":
                out.write(json.dumps({"source": name, "text": text,
                                      "topics": [{"topic": t, "score": round(s, 4)} for t, s in topics]}, ensure_ascii=False) + "\n")
            else:
                out.write((", ".join(f"{t} {s:.2f}" for t, s in topics) or "-") + "\n")
    return 0


def _cmd_train(args) -> int:
    import time

    from . import train

    options = json.loads(args.options) if args.options else {}
    started = time.perf_counter()
    model = train(args.examples, taxonomy=args.taxonomy, **options)
    path = model.save(args.output)
    cv = model.card_["cross_validation"]
    print(f"trained on {model.card_['n_examples']} examples in {time.perf_counter() - started:.1f} s; "
          f"cross-validated micro-F1 {cv['micro']['f1']:.3f}, macro-F1 {cv['macro']['f1']:.3f}; saved {path}")
    return 0


def _cmd_evaluate(args) -> int:
    ev = _load(args).evaluate(args.examples)
    print(json.dumps(ev.to_dict(), indent=2) if args.json else ev.table())
    return 0


def _cmd_explain(args) -> int:
    explanations = _load(args).explain(args.text, topic=args.topic, top_n=args.top)
    if not explanations:
        print("no topic applies")
    for e in explanations:
        print(f"{e.topic}  score {e.score:.3f} (threshold {e.threshold:.3f})")
        for term, c in e.terms:
            print(f"    {c:+.3f}  {term}")
    return 0


def _cmd_topics(args) -> int:
    from . import load_taxonomy

    topics = load_taxonomy(args.taxonomy).topics if args.taxonomy else _load(args).topics()
    for t in topics:
        print(f"{t.id:<14} {t.name}\n{'':<14} {t.description}\n{'':<14} seeds: {', '.join(t.seeds)}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="topicslib", description="Tag paragraphs of political text with policy topics.")
    parser.add_argument("--version", action="version", version=f"topicslib {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    sub = parser.add_subparsers(dest="command", required=True)

    def with_model(p):
        p.add_argument("--model", metavar="PATH", help="model file (default: the shipped default model)")
        return p

    p = with_model(sub.add_parser("classify", help="tag a text, files, or stdin"))
    p.add_argument("files", nargs="*", metavar="FILE", help="text files to classify (default: stdin)")
    p.add_argument("--text", help="classify this text instead of files")
    p.add_argument("--document", action="store_true", help="split each input into paragraphs")
    p.add_argument("--format", choices=("table", "jsonl"), default="table")
    p.set_defaults(func=_cmd_classify)

    p = sub.add_parser("train", help="train a model from labeled examples")
    p.add_argument("examples", help="a .jsonl/.csv file or a folder of them")
    p.add_argument("-o", "--output", required=True, metavar="MODEL", help="where to write the model (.npz)")
    p.add_argument("--taxonomy", metavar="FILE", help="taxonomy file to check labels against (.toml or .json)")
    p.add_argument("--options", metavar="JSON", help='training options as JSON, e.g. \'{"C": 1.0}\'')
    p.set_defaults(func=_cmd_train)

    p = with_model(sub.add_parser("evaluate", help="score a model on labeled examples"))
    p.add_argument("examples")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=_cmd_evaluate)

    p = with_model(sub.add_parser("explain", help="show the terms behind a text's topics"))
    p.add_argument("text")
    p.add_argument("--topic", help="explain this topic even if it is not predicted")
    p.add_argument("--top", type=int, default=10, help="terms per topic (default 10)")
    p.set_defaults(func=_cmd_explain)

    p = with_model(sub.add_parser("topics", help="list the taxonomy"))
    p.add_argument("--taxonomy", metavar="FILE", help="show this taxonomy file instead of the model's")
    p.set_defaults(func=_cmd_topics)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s")
    try:
        return args.func(args)
    except TopicslibError as e:
        print(f"topicslib: error: {e}", file=sys.stderr)
        return 1
    except OSError as e:
        print(f"topicslib: error: {e.filename or ''}: {e.strerror or e}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
