"""Documents as they come: Markdown markup is not read as words, table rules and fences are no paragraphs,
and words a PDF broke at line ends are whole again."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np

import topicslib
from topicslib.documents import (SCORE_DIGITS, TopicScore, document_lines, iter_paragraphs, plain_text, printed,
                                 printed_scores, split_paragraphs)
from topicslib.dates import MONTHS
from topicslib.trends import parse_date

from .conftest import ROOT
from .test_cli import run

MARKDOWN = """# **Migration** summary

Thousands of [migrants](https://example.org/m) crossed the **border** seeking asylum.

| topic | paragraphs |
|---|---:|
| migration | 3 |

```
code sample
```

---

The coca crops in Putu-
mayo grew again.
"""


def test_rules_and_fences_are_no_paragraphs_and_broken_words_are_joined():
    paragraphs = split_paragraphs(MARKDOWN)
    assert not any(set(p) <= set("|-: ") or p.startswith("```") for p in paragraphs)
    assert "The coca crops in Putumayo grew again." in paragraphs
    assert "| topic | paragraphs |" in paragraphs and "code sample" in paragraphs  # content lines stay


def test_markup_is_not_scored_but_kept_in_the_output(default_model):
    doc = topicslib.classify_document(MARKDOWN)
    marked = next(p for p in doc.paragraphs if "[migrants]" in p.text)
    assert "**border**" in marked.text  # the original text is what the output shows
    assert marked.topics == default_model.classify(plain_text(marked.text))
    assert marked.topics == default_model.classify("Thousands of migrants crossed the border seeking asylum.")


def test_classify_document_on_the_command_line_reads_markdown_the_same_way(tmp_path, default_model):
    src = tmp_path / "note.md"
    src.write_text(MARKDOWN, encoding="utf-8")
    r = run("classify", "--document", str(src), "--format", "jsonl")
    assert r.returncode == 0, r.stderr
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    expected = topicslib.classify_document(MARKDOWN)
    assert [row["text"] for row in rows] == [p.text for p in expected.paragraphs]
    assert [[t["topic"] for t in row["topics"]] for row in rows] == [[t for t, _ in p.topics] for p in expected.paragraphs]


# -- running heads and feet of printed pages --------------------------------------------------------------
def _pdf_text(page_break: str) -> str:
    """PDF text as pdftotext gives it: a running head and a page number on every page, and a sentence
    that a page break cuts in two."""
    bodies = ["Colombia's Congress approved the rural reform after months of debate, and the government",
              "said that land titles would reach former combatants first.\n\nCoca cultivation fell in Nariño.",
              "Migrants crossed the Darién in record numbers.", "Tariffs on flowers were cut."]
    return "".join(f"Country Reports on Human Rights Practices 2023\n{body}\n{k}\n{page_break}"
                   for k, body in enumerate(bodies, 1))


def test_running_heads_and_page_numbers_are_no_paragraphs_and_a_cut_sentence_joins(tmp_path):
    expected = ["Colombia's Congress approved the rural reform after months of debate, and the government said that "
                "land titles would reach former combatants first.", "Coca cultivation fell in Nariño.",
                "Migrants crossed the Darién in record numbers.", "Tariffs on flowers were cut."]
    assert split_paragraphs(_pdf_text("\f")) == expected  # pages marked by form feeds
    assert split_paragraphs(_pdf_text("")) == expected  # no page breaks: the head sits inside a sentence
    path = tmp_path / "report.txt"  # read line by line, as classify --document reads a file
    path.write_text(_pdf_text("\f"), encoding="utf-8")
    r = run("classify", "--document", str(path), "--format", "jsonl")
    assert r.returncode == 0, r.stderr
    assert [json.loads(line)["text"] for line in r.stdout.splitlines()] == expected


def test_a_repeated_line_that_cuts_no_sentence_is_kept():
    text = "Tariffs fell.\nRead more\nMigrants crossed the border.\nRead more\nCoca crops grew.\nRead more\n"
    assert split_paragraphs(text).count("Read more") == 3


def test_a_one_line_text_is_split_as_the_line_machinery_splits_it():
    """split_paragraphs answers a one-line text directly; the answer is iter_paragraphs' on every example."""
    texts = [e.text for e in topicslib.read_examples(ROOT / "examples")]
    texts += ["", "   ", "---", "| a | b |", "# Title", "tab\there", "x\u2028y", "a\x85b", "end\r", "Page 3"]
    assert all(split_paragraphs(t) == list(iter_paragraphs(document_lines([t]))) for t in texts)


# -- hard-wrapped lines --------------------------------------------------------------------------------------
# Paragraphs wrapped at about 70 characters where a line starts with a capital, a digit, a ¿ or a hyphenated
# word's second half.
WRAPPED_EN = ["The United States announced additional humanitarian funding for host",
              "communities in La Guajira and Norte de Santander, and both sides agreed",
              "to expand access to temporary protection through the Safe Mobility",
              "Offices, which had registered by the end of last year no fewer than",
              "250,000 applications; students in Bogotá marched against the anti-",
              "American slogans of a few and asked for calm."]
WRAPPED_ES = ["El Gobierno de Colombia anunció nuevos fondos para las comunidades de",
              "La Guajira y Norte de Santander, y el ministro preguntó a la prensa",
              "¿cuánto tiempo más podrá sostenerse la acogida de tantos migrantes?"]


def test_a_wrapped_line_goes_on_into_a_line_that_starts_with_a_capital_a_digit_or_a_spanish_mark():
    text = "\n".join(WRAPPED_EN) + "\n\n" + "\n".join(WRAPPED_ES)
    expected = [" ".join(WRAPPED_EN).replace("anti- ", "anti-"), " ".join(WRAPPED_ES)]
    assert split_paragraphs(text) == expected
    assert list(iter_paragraphs(document_lines([text]))) == expected
    assert "anti-American slogans" in expected[0]  # a hyphenated word keeps its hyphen, a broken one is whole again


def test_titles_dates_headings_bullets_and_table_rows_stay_apart():
    titles = ["Country Reports on Human Rights Practices for 2023", "United States Department of State",
              "Bureau of Democracy, Human Rights, and Labor"]
    after = ["## Migration and protection in the Andean region after the elections", "Colombia hosts them.",
             "- Officials discussed the latest estimates of coca cultivation in", "- Putumayo with the police",
             "| Colombia | 2.8 million migrants registered in the national census |", "Source: UNHCR"]
    text = "\n".join(titles) + "\n\n" + "\n".join(WRAPPED_EN) + "\n" + "\n".join(after)
    assert split_paragraphs(text) == titles + [" ".join(WRAPPED_EN).replace("anti- ", "anti-")] + after
    sample = split_paragraphs((ROOT / "docs" / "sample-document.md").read_text(encoding="utf-8"))
    assert len(sample) == 17  # a web page, a paragraph a line: its short lines stay apart
    assert sample[1:3] == ["Office of the Spokesperson", "March 14, 2025"]
    assert sample[-2:] == ["Related posts", "Share this page | Print"]


def test_a_bullets_wrapped_text_joins_its_bullet_and_never_the_next_bullet():
    """A bullet's text wrapped onto a continuation line, indented or not, was cut into two paragraphs."""
    bullets = [("- Officials discussed the latest estimates of coca cultivation and agreed to pair",
                "  eradication with voluntary crop substitution in the most affected municipalities."),
               ("* The two governments will deepen law enforcement cooperation against armed groups",
                "that extort farmers and attack security forces in Cauca and Catatumbo."),
               ("• Delegations highlighted two-way trade that now exceeds 35 billion dollars and",
                "  Colombia's new financing line for small businesses in the Pacific region."),  # a capital: a wrap
               ("1. The United States announced additional humanitarian funding for host communities",
                "   in La Guajira and Norte de Santander, and both sides agreed to expand protection."),
               ("2. Short item",), ("3. Another short item",)]
    text = "## Outcomes of the fourth session\n" + "\n".join(line for item in bullets for line in item) + "\nafter text"
    expected = ["## Outcomes of the fourth session",
                *(" ".join(line.strip() for line in item) for item in bullets[:-1]),
                "3. Another short item after text"]  # as Markdown reads a line that follows an item: its lazy continuation
    assert split_paragraphs(text) == expected
    assert list(iter_paragraphs(document_lines([text]))) == expected
    assert split_paragraphs("## A heading that ends no sentence\nthen a line") == [
        "## A heading that ends no sentence", "then a line"]  # a heading stays one line
    assert split_paragraphs("- coca\n- eradication\n-\nsubstitution") == ["- coca", "- eradication", "- substitution"]
    sample = (ROOT / "docs" / "sample-document.md").read_text(encoding="utf-8")  # the README's quick start
    assert split_paragraphs(sample) == [line for line in sample.splitlines() if line]  # a paragraph a line, as before


def test_a_page_break_before_a_capital_joins_the_sentence_it_cut():
    bodies = ["Colombia's Congress approved the rural reform after months of debate with the",
              "Government of Gustavo Petro, which said that land titles would reach former combatants first.",
              "Migrants crossed the Darién in record numbers.", "Tariffs on flowers were cut."]
    expected = [bodies[0] + " " + bodies[1]] + bodies[2:]
    for page_break in ("\f", ""):
        text = "".join(f"Country Reports on Human Rights Practices 2023\n{body}\n{k}\n{page_break}"
                       for k, body in enumerate(bodies, 1))
        assert split_paragraphs(text) == expected


def test_scores_are_printed_as_round_prints_them_ties_and_all():
    # the batch rounding works in binary; round works on the exact decimal value: they must agree everywhere,
    # half steps (where the binary product may land on either side) most of all
    rng = np.random.default_rng(0)
    half_steps = [(i + 0.5) / 10**SCORE_DIGITS for i in range(3000)]
    values = (rng.random(20_000).tolist() + (rng.random(5_000) ** 8).tolist() + half_steps
              + np.nextafter(half_steps, 1.0).tolist() + np.nextafter(half_steps, 0.0).tolist() + [0.0, 1.0])
    assert printed_scores(values) == [round(v, SCORE_DIGITS) for v in values]
    assert printed([TopicScore("trade", 0.00005)]) == [TopicScore("trade", 0.0001)]


def test_a_byte_order_mark_read_with_the_text_is_no_part_of_its_first_paragraph(tmp_path):
    """open(path).read() of a file Notepad saved as UTF-8 keeps its byte-order mark: the heading after it was
    no heading (the next line joined it) and the paragraph kept the mark, where the command line drops it."""
    text = "# Migration talks\nand what comes next\n\nTariffs on coffee fell."
    src = tmp_path / "note.md"
    src.write_bytes(("\ufeff" + text).encode("utf-8"))
    expected = ["# Migration talks", "and what comes next", "Tariffs on coffee fell."]
    assert split_paragraphs("\ufeff" + text) == split_paragraphs(text) == expected
    assert split_paragraphs("\ufeffCoca cultivation fell.") == ["Coca cultivation fell."]
    read = topicslib.classify_document(src.read_text(encoding="utf-8"))
    r = run("classify", "--document", str(src), "--format", "jsonl")
    assert r.returncode == 0, r.stderr
    assert [json.loads(line)["text"] for line in r.stdout.splitlines()] == [p.text for p in read.paragraphs] == expected


def test_a_hyphenated_word_cut_at_a_short_line_end_joins_whatever_case_follows():
    """Ragged-right PDF text: a line ending in "anti-" (a letter and a hyphen) is cut inside a word, though it
    is shorter than the text's width and the rest ("American") would have fitted on it."""
    text = ("The government declared a state of emergency after a wave of prison riots\n"
            "that analysts describe as the worst in a decade, with anti-\n"
            "American slogans heard in the streets of the port city of Guayaquil today.\n"
            "Officials from Afro-\nColombian councils met the mayor.")
    expected = ["The government declared a state of emergency after a wave of prison riots that analysts describe "
                "as the worst in a decade, with anti-American slogans heard in the streets of the port city of "
                "Guayaquil today.", "Officials from Afro-Colombian councils met the mayor."]
    assert split_paragraphs(text) == expected
    assert split_paragraphs("Migration -\nTalks resume") == ["Migration -", "Talks resume"]  # a dash, no word cut


def test_a_dateline_starts_a_paragraph_after_a_headline_that_ends_no_sentence():
    """A saved web page has no wrap width: the median of its long lines stands in for one, and a headline whose
    dateline's (or date line's) first word would not have fit after it read as a wrapped line: they were one."""
    headline = "Colombia and the United States sign a coffee deal in Bogota"
    story = ["The fund will be run by a joint board of growers and officials.",
             "Coffee exporters welcomed the news, their association said."]
    for dateline in ("BOGOTA, March 3 (Reuters) - The two governments signed an agreement on Tuesday.",
                     "BOGOTA (AP) — The two governments signed an agreement on Tuesday.",
                     "WASHINGTON—The two governments signed an agreement on Tuesday in Bogota.",
                     "BOGOTÁ, 3 mar (EFE).- Los dos gobiernos firmaron el acuerdo este martes.",
                     "Bogotá, 3 mar (EFE).- Los dos gobiernos firmaron el acuerdo este martes.",
                     # a place with a period in its name, or an abbreviation, was read as a wrapped line
                     "U.S. — The two governments signed an agreement on Tuesday in Bogota.",
                     "ST. LOUIS — The two governments signed an agreement on Tuesday in Bogota.",
                     "FT. LAUDERDALE, Fla. (AP) — The two governments signed an agreement on Tuesday."):
        text = "\n".join([headline, dateline, *story])
        assert split_paragraphs(text) == [headline, dateline, *story], dateline
        assert list(iter_paragraphs(document_lines([text]))) == [headline, dateline, *story]
    for date_line in ("March 3, 2026 | Topics: Trade, Agriculture", "3 de marzo de 2026", "2026-03-03 · Press"):
        text = "\n".join([headline, date_line, *story])
        assert split_paragraphs(text) == [headline, date_line, *story], date_line
    # wrapped lines that start with capitals, a bracket, a dash or a date but no dateline still join
    wrapped = ["Officials from the two countries met the delegates of the regional trade bloc,",
               "OAS (the Organization of American States) observers - who had arrived the week",
               "before - said the vote was clean, though NATO and EU diplomats were not sent to",
               "BOGOTA in time: the ballots were counted in the capital by noon on election day,",
               "March 3, 2026, and the results were published the same evening by the registrar and",
               "U.S. observers, whose own count - taken at ST. LOUIS and at Miami - agreed with it."]
    assert split_paragraphs("\n".join(wrapped)) == [" ".join(wrapped)]


def test_every_month_name_a_date_is_read_with_starts_a_dateline():
    """Month names were listed twice, in documents (datelines) and trends (records' dates), and the lists
    differed: "set" (September as Peru and Uruguay abbreviate it) was a month in a record's date but no month in
    a dateline, whose story then joined the headline before it."""
    headline = "Los dos gobiernos firman un acuerdo sobre el café y el cacao en Lima"
    for name, number in MONTHS.items():
        dateline = f"Lima, 3 {name} (EFE).- Los gobiernos firmaron el acuerdo este martes."
        assert split_paragraphs(f"{headline}\n{dateline}") == [headline, dateline], name
        assert parse_date(f"3 {name} 2025") == dt.date(2025, number, 3), name


def test_a_pages_menu_line_stays_apart_from_the_headline_and_story_around_it():
    """A saved page's menu line ("Home | World | Politics …") about as long as the text's other lines read as a wrapped
    line: the headline after it joined it, or, between a headline and a hard-wrapped story, the story joined it."""
    headline = "El Senado aprueba la ley de fondos para la frontera"
    story = ("The Senate passed the bill on Tuesday after a long debate over money for the border, the ports and "
             "the customs offices that handle most of the trade between the two countries.")
    wrapped = ["The Senate passed the bill on Tuesday after a long debate over money",
               "for the border, the ports and the customs offices that handle most",
               "of the trade between the two countries, its sponsors said."]
    for menu in ("Home  World  Politics  Business  Opinion  Sports  Culture  Video  Podcasts",
                 "Inicio · Política · Economía · Mundo · Deportes · Opinión · Cultura",
                 "Home / World / U.S. / Politics / Economy / Business / Tech / Markets",
                 "HOME | WORLD | POLITICS | BUSINESS | OPINION | SPORTS"):
        assert split_paragraphs("\n".join([menu, headline, story]))[0] == menu, menu
        short = "Senate passes a bill on border funds"
        assert split_paragraphs("\n".join([short, menu, *wrapped])) == [short, menu, " ".join(wrapped)], menu
    # hard-wrapped text in capitals (a cable's) and a headline in title case with small words still join
    cable = ["THE EMBASSY MET THE MINISTER OF FOREIGN AFFAIRS ON TUESDAY TO DISCUSS",
             "MIGRATION AND THE NEW BORDER CONTROLS THAT THE GOVERNMENT ANNOUNCED LAST",
             "WEEK IN RESPONSE TO THE RISE IN CROSSINGS."]
    assert split_paragraphs("\n".join(cable)) == [" ".join(cable)]
    title = ["Colombia and Ecuador Sign a Border Security Agreement on Migration and",
             "Trade as Talks in Quito Close After Three Days of Negotiations Over Ports"]
    assert split_paragraphs("\n".join(title)) == [" ".join(title)]
    # a wrapped line that names firms, capitalised word after word, is prose still
    names = ["The notes will be sold through a group of dealers led by two banks, with",
             "Swiss Bank Corporation International Ltd. Chase Manhattan Bank and",
             "Shearson Lehman Brothers Inc. acting as paying agents for the issue."]
    assert split_paragraphs("\n".join(names)) == [" ".join(names)]


def test_a_line_ending_in_an_article_or_preposition_goes_on_into_the_next_whatever_its_case():
    """Spanish capitalises institutions ("el Gobierno") where English writes "the government" in lower case: a
    short line ending in "el" or "de los" stayed apart from its capitalised next line, where English's "the" /
    "government" joined."""
    pairs = [("¿Qué medidas tomará el", "Gobierno ante la llegada de tantos migrantes a la frontera con Panamá?"),
             ("El acuerdo reduce los aranceles de los", "Estados Unidos sobre el café tostado de los productores."),
             ("Los dos gobiernos firmaron con la", "Unión Europea un acuerdo comercial que abre nuevos mercados."),
             ("The agreement was finally signed by the", "United States and Colombia after a long negotiation.")]
    text = "\n\n".join("\n".join(pair) for pair in pairs)
    expected = [" ".join(pair) for pair in pairs]
    assert split_paragraphs(text) == expected
    assert list(iter_paragraphs(document_lines([text]))) == expected
    # a short line ending in another word is still a title, a date or a byline
    assert split_paragraphs("Acuerdo sobre el café\nLos dos gobiernos firmaron con la Unión Europea un acuerdo.") == [
        "Acuerdo sobre el café", "Los dos gobiernos firmaron con la Unión Europea un acuerdo."]
    assert split_paragraphs("Plan A\nThe two governments signed an agreement on coffee tariffs today.")[0] == "Plan A"


def test_a_blank_line_ends_a_paragraph_that_ends_no_sentence(tmp_path, default_model):
    """A web page's long headline, a "Lea también" link or a caption ends no sentence; the blank line after it ended
    no paragraph, and a next paragraph starting with a capital (one wider than the text's median line) joined it:
    the headline merged with the story, and a story paragraph with the link, whose navigation took its topic."""
    link = "Lea también: Petro y Maduro se reúnen en Caracas para hablar de seguridad en la frontera"
    story = ("La canciller colombiana dijo que la medida beneficiará a más de dos millones de venezolanos que "
             "viven en Colombia con el Estatuto de Protección Temporal.")
    headline = "Petro anuncia que Colombia suspenderá la extradición de narcotraficantes a Estados Unidos desde"
    lines = [headline, "", "El presidente dijo el martes que la medida será temporal.", "", link, "", story]
    text = "\n".join(lines)
    expected = [line for line in lines if line]
    assert split_paragraphs(text) == expected
    assert list(iter_paragraphs(document_lines([text]))) == expected
    doc = default_model.classify_document(text)
    assert doc.paragraphs[2].topics == [] and "migration" in [t.topic for t in doc.paragraphs[3].topics]
    path = tmp_path / "nota.txt"  # read line by line, as classify --document reads a file
    path.write_text(text, encoding="utf-8")
    r = run("classify", "--document", str(path), "--format", "jsonl")
    assert r.returncode == 0, r.stderr
    assert [json.loads(line)["text"] for line in r.stdout.splitlines()] == expected
    # a sentence going on in lower case still reads on across a blank line (PDF text around a figure), and
    # across a page break with blank lines about it and its running head
    assert split_paragraphs("Coca cultivation rose in the\n\nsouth of the country.") == [
        "Coca cultivation rose in the south of the country."]
    bodies = ["Colombia's Congress approved the rural reform after months of debate with the",
              "Government of Gustavo Petro, which said that land titles would reach former combatants first.",
              "Migrants crossed the Darién in record numbers.", "Tariffs on flowers were cut."]
    text = "".join(f"Country Reports on Human Rights Practices 2023\n\n{body}\n\n{k}\n\n\f"
                   for k, body in enumerate(bodies, 1))
    assert split_paragraphs(text) == [bodies[0] + " " + bodies[1]] + bodies[2:]


def test_headlines_listed_under_a_related_stories_heading_are_one_paragraph_of_no_topic(tmp_path, default_model):
    """A page's "Noticias relacionadas" list is links to other stories, navigation for the labeling guide, but each
    headline was a paragraph of its own and scored as a story's: democracy 0.70 and security 0.54 on a migration
    story (QA pass 7). The heading and its headlines are one paragraph, a line each, and it gets no topic; the list
    ends at a sentence, a heading or after twelve lines."""
    story = "Los gobiernos acordaron reabrir el paso fronterizo para facilitar el tránsito de migrantes venezolanos."
    after = "La canciller dijo que la medida beneficiará a dos millones de venezolanos."
    listed = ["Maduro anuncia nuevas elecciones regionales", "Ejército colombiano enfrenta al ELN en el Catatumbo"]
    text = "\n".join([story, "", "Noticias relacionadas", *listed, "", after])
    expected = [story, "\n".join(["Noticias relacionadas", *listed]), after]
    assert split_paragraphs(text) == expected
    path = tmp_path / "nota.txt"  # read line by line, as classify --document reads a file
    path.write_text(text, encoding="utf-8")
    r = run("classify", "--document", str(path), "--format", "jsonl")
    assert r.returncode == 0, r.stderr
    assert [(row["text"], bool(row["topics"])) for row in map(json.loads, r.stdout.splitlines())] == [
        (story, True), (expected[1], False), (after, True)]
    assert default_model.classify_document(text).paragraphs[1].topics == []
    # Markdown: a heading and bullets of links, a blank line between them; English, a blank line between headlines
    markdown = ("### Noticias relacionadas\n\n- [Maduro anuncia nuevas elecciones](https://x.co/a)\n"
                "- [El ELN ataca una base militar en Arauca](https://x.co/b)\n\n" + after)
    assert split_paragraphs(markdown)[0].splitlines()[1:] == ["- [Maduro anuncia nuevas elecciones](https://x.co/a)",
                                                             "- [El ELN ataca una base militar en Arauca](https://x.co/b)"]
    english = "Related stories:\n\nMexico seizes record fentanyl shipment in Sinaloa\n\nColombia's coca crop hits new high"
    assert [p.topics for p in default_model.classify_document(english).paragraphs] == [[]]
    # a heading of that name alone, then a story's paragraph, is not taken into a list
    assert split_paragraphs("Lee También\n\n" + story) == ["Lee También", story]
    # and the same words opening a sentence are no heading
    assert split_paragraphs("Related talks on migration were held in Quito\nMexico seizes fentanyl")[0].count("\n") == 0


def test_page_numbers_at_page_edges_of_a_short_report_are_no_paragraphs():
    """pdftotext's text of a three-page report numbered on its last two pages ("Página 2 de 3") kept the numbers as
    paragraphs, counted in every share: seen on two pages, at a page's edge, a page number is one (QA pass 7)."""
    pages = ["Informe anual\n\nLos cultivos de coca crecieron en Nariño.\n",
             "Los migrantes cruzaron el Darién.\n\nPágina 2 de 3\n",
             "Página 3 de 3\nLa reforma rural sigue rezagada.\n"]
    assert split_paragraphs("\f".join(pages)) == ["Informe anual", "Los cultivos de coca crecieron en Nariño.",
                                                  "Los migrantes cruzaron el Darién.", "La reforma rural sigue rezagada."]
    # one page number is no evidence of a numbering, nor are numbers inside a page
    assert "Página 2 de 3" in split_paragraphs("\f".join(pages[:2] + ["La reforma rural sigue rezagada.\n"]))
