"""`/faq`: short, sourced answers about B12 (and B12 with MS), sized for a phone screen.

Plain text only (the Telegram layer escapes it). Every answer names its sources; none
claims that B12 treats MS; answers about doses, injections and tests send the reader to
their clinician. Numbers come from the shared nutrition reference (USDA SR28, IOM 1998,
NIH ODS, EFSA 2015, Vegan Society, NICE NG239, BSH 2014).
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_ANSWER_CHARS = 700

# Sources an answer may cite (full names for the reader).
SOURCES: dict[str, str] = {
    "NIH ODS": "NIH Office of Dietary Supplements, Vitamin B12 fact sheet",
    "EFSA 2015": "EFSA NDA Panel 2015, Dietary Reference Values for cobalamin",
    "IOM 1998": "Institute of Medicine 1998, Dietary Reference Intakes (B vitamins)",
    "Vegan Society": "The Vegan Society, 'What every vegan should know about vitamin B12'",
    "NICE NG239": "NICE guideline NG239 (2024), Vitamin B12 deficiency in over 16s",
    "BSH 2014": "British Society for Haematology 2014, cobalamin and folate guideline",
    "USDA SR28": "USDA National Nutrient Database for Standard Reference, Release 28",
    "Watanabe 2014": "Watanabe et al. 2014, Nutrients 6:1861",
    "Cochrane 2020": "Parks et al. 2020, Cochrane review of dietary interventions for MS",
    "Nemazannikova 2018": "Nemazannikova et al. 2018, Med Chem 14:170",
}


@dataclass(frozen=True, slots=True)
class FaqEntry:
    key: str
    question: str
    answer: str
    sources: tuple[str, ...]


FAQ: tuple[FaqEntry, ...] = (
    FaqEntry(
        "what",
        "What does vitamin B12 do?",
        "B12 helps make healthy red blood cells and DNA, and keeps nerve cells healthy. "
        "The body cannot make it, so it "
        "must come from food or supplements. Adults need about 2.4 µg a day (US RDA); "
        "EFSA sets 4 µg a day as adequate intake for adults.",
        ("NIH ODS", "IOM 1998", "EFSA 2015"),
    ),
    FaqEntry(
        "signs",
        "What are signs of low B12, and why do they matter with MS?",
        "Low B12 can cause tiredness, weakness, pins and needles or numbness, balance "
        "problems, memory trouble, a sore tongue and anaemia. Many of these overlap with MS "
        "symptoms, so a deficiency can be missed; testing and correcting it matters. B12 "
        "does not treat MS: evidence that it changes the course of MS is sparse and "
        "uncertain. If you notice new or worse symptoms, talk to your clinician.",
        ("NIH ODS", "Cochrane 2020", "Nemazannikova 2018"),
    ),
    FaqEntry(
        "ms",
        "Does B12 help MS itself?",
        "Not as far as we know. Reviews found the evidence on diet and MS, B12 included, "
        "sparse and uncertain; B12 does not treat MS. What is clear: a B12 deficiency "
        "causes problems of its own, some of which look like MS symptoms, so it is worth "
        "getting enough and having your level checked when your clinician advises it.",
        ("Cochrane 2020", "Nemazannikova 2018"),
    ),
    FaqEntry(
        "food",
        "Which foods give B12?",
        "Only animal foods and fortified foods. Per 100 g (USDA): cooked mackerel 19 µg, "
        "sardines in oil 8.9 µg, cooked salmon 2.8 µg, Swiss cheese 3.1 µg, whole milk "
        "0.45 µg, egg 0.89 µg (a large egg is about 50 g). Plant foods: fortified plant "
        "milks, breakfast cereals and nutritional yeast. Nori, spirulina, tempeh and "
        "mushrooms are not reliable sources: they mostly hold inactive forms.",
        ("USDA SR28", "NIH ODS", "Watanabe 2014"),
    ),
    FaqEntry(
        "fortified",
        "How do fortified foods and labels work?",
        "Fortified means B12 was added. Look for vitamin B12 (or cobalamin) in the "
        "ingredients and the µg per 100 g or 100 ml in the nutrition table; brands differ "
        "a lot and some plant milks have none. The Vegan Society advises fortified foods at "
        "least twice a day for at least 3 µg a day. Enter your own product's label value "
        "with /myproducts so your plans use it.",
        ("Vegan Society", "NIH ODS"),
    ),
    FaqEntry(
        "risk",
        "Who is at risk of low B12?",
        "Vegans, and vegetarians who eat little dairy or egg, unless they use fortified "
        "foods or a supplement. People over 50: 10–30 % absorb food-bound B12 poorly. "
        "People with pernicious anaemia or stomach or bowel surgery, and long-term users "
        "of metformin or stomach-acid medicines (PPIs, H2 blockers). If this is you, talk "
        "to your clinician about testing and supplements.",
        ("NIH ODS", "IOM 1998", "NICE NG239"),
    ),
    FaqEntry(
        "testing",
        "How is B12 tested?",
        "Usually a blood test of total (serum) B12. Active B12 (holotranscobalamin) is "
        "another first test; methylmalonic acid (MMA) and homocysteine can help when "
        "results are unclear. Cut-offs differ between labs, so compare with your lab's "
        "range. Log results with /levels add. What a result means for you is for your "
        "clinician to say: talk to them about tests and results.",
        ("NICE NG239", "BSH 2014"),
    ),
    FaqEntry(
        "supplements",
        "Supplements or injections?",
        "The Vegan Society suggests 10 µg a day or 2,000 µg a week for vegans, or fortified "
        "foods twice a day. Large doses work because about 1 % of any dose is absorbed "
        "without intrinsic factor. Injections are used when the gut cannot absorb B12 "
        "(e.g. pernicious anaemia); the schedule is set by a clinician. Talk to your "
        "clinician before you start, change or stop supplements or injections. /remind can "
        "remind you of your doses.",
        ("Vegan Society", "IOM 1998", "NICE NG239"),
    ),
    FaqEntry(
        "safety",
        "Is a high B12 intake safe?",
        "No upper limit has been set: the IOM found no adverse effects from excess B12 "
        "from food or supplements in healthy people. That is why the planner sets a floor, "
        "not a ceiling. Still, tell your clinician which supplements and doses you take, "
        "especially before a blood test.",
        ("IOM 1998", "NIH ODS"),
    ),
)

_BY_KEY: dict[str, FaqEntry] = {e.key: e for e in FAQ}


def faq_keys() -> tuple[str, ...]:
    return tuple(e.key for e in FAQ)


def faq_index() -> str:
    """The list of questions, numbered, with the command that opens each."""
    lines = ["Questions about B12 — tap a button or send /faq <number>:"]
    lines += [f"{i}. {e.question}" for i, e in enumerate(FAQ, start=1)]
    lines.append("Information, not medical advice: talk to your clinician about your own case.")
    return "\n".join(lines)


def faq_entry(key: str) -> FaqEntry | None:
    """Entry by key ('testing') or 1-based number ('7'); None when unknown."""
    k = key.strip().lower().lstrip("/")
    if k.isdigit():
        i = int(k)
        return FAQ[i - 1] if 1 <= i <= len(FAQ) else None
    return _BY_KEY.get(k)


def faq_answer(key: str) -> str | None:
    """Question, answer and sources as one plain-text message; None when unknown."""
    entry = faq_entry(key)
    if entry is None:
        return None
    return f"{entry.question}\n\n{entry.answer}\n\nSources: {', '.join(entry.sources)}."
