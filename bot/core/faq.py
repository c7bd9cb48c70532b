"""`/faq`: short, sourced answers about B12 (and B12 with MS), sized for a phone screen.

Plain text only (the Telegram layer escapes it). Every answer names its sources; none
claims that B12 treats MS or gives a dose for the reader to take; answers about doses,
injections and tests send the reader to their clinician. Numbers come from the shared
nutrition reference (USDA SR28, IOM 1998, NIH ODS, EFSA 2015, Vegan Society, NICE NG239,
BSH 2014, MHRA 2022, Cochrane 2018); food values are the raw, as-bought values per 100 g the
planner itself counts (recipes/ingredients.yaml), so an answer never contradicts a plan.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.i18n import N_, _, pgettext

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
    "MHRA 2022": "MHRA Drug Safety Update, June 2022: metformin and reduced vitamin B12 levels",
    "Cochrane 2018": "Wang et al. 2018, Cochrane review CD004655.pub3: oral vs intramuscular B12",
}


ANSWER_VALUES = {"percent": "1 %"}


@dataclass(frozen=True, slots=True)
class FaqEntry:
    """One question and answer. The texts are stored in English (marked for translation) and
    read in the current language through `question` and `answer`; source names stay as they
    are in every language (they are names)."""

    key: str
    question_en: str
    answer_en: str
    sources: tuple[str, ...]

    @property
    def question(self) -> str:
        return _(self.question_en)

    @property
    def answer(self) -> str:
        # "1 %" is a value, not in the msgid: gettext would read "% o" as a printf placeholder
        return _(self.answer_en).format(**ANSWER_VALUES)


FAQ: tuple[FaqEntry, ...] = (
    FaqEntry(
        "what",
        N_("What does vitamin B12 do?"),
        N_(
            "B12 helps make healthy red blood cells and DNA, and keeps nerve cells healthy. "
            "The body cannot make it, so it "
            "must come from food or supplements. Adults need about 2.4 µg a day (US RDA); "
            "EFSA sets 4 µg a day as adequate intake for adults."
        ),
        ("NIH ODS", "IOM 1998", "EFSA 2015"),
    ),
    FaqEntry(
        "signs",
        N_("What are signs of low B12, and why do they matter with MS?"),
        N_(
            "Low B12 can cause tiredness, weakness, pins and needles or numbness, balance "
            "problems, memory trouble, a sore tongue and anaemia. Many of these overlap with MS "
            "symptoms, so a deficiency can be missed; testing and correcting it matters. B12 "
            "does not treat MS: evidence that it changes the course of MS is sparse and "
            "uncertain. If you notice new or worse symptoms, talk to your clinician."
        ),
        ("NIH ODS", "Cochrane 2020", "Nemazannikova 2018"),
    ),
    FaqEntry(
        "ms",
        N_("Does B12 help MS itself?"),
        N_(
            "Not as far as we know. Reviews found the evidence on diet and MS, B12 included, "
            "sparse and uncertain; B12 does not treat MS. What is clear: a B12 deficiency "
            "causes problems of its own, some of which look like MS symptoms, so it is worth "
            "getting enough and having your level checked when your clinician advises it."
        ),
        ("Cochrane 2020", "Nemazannikova 2018"),
    ),
    FaqEntry(
        "food",
        N_("Which foods give B12?"),
        N_(
            "Only animal foods and fortified foods. Per 100 g as bought (raw; USDA, the values "
            "your plans count): canned clams 18.6 µg, sardines in oil 8.9 µg, mackerel 8.7 µg, "
            "trout 4.3 µg, salmon 3.2 µg, Swiss cheese 3.1 µg, egg 0.89 µg (a large egg is about "
            "50 g), milk 0.53 µg. Fortified plant drinks, cereals and nutritional yeast differ by "
            "brand and country (many UK and EU plant drinks: 0.38 µg per 100 ml); check your "
            "label and enter it with /myproducts. Nori, spirulina, tempeh and mushrooms are not "
            "reliable sources."
        ),
        ("USDA SR28", "NIH ODS", "Watanabe 2014"),
    ),
    FaqEntry(
        "nori",
        N_("Are nori, spirulina or mushrooms a B12 source?"),
        N_(
            "Not a reliable one. The B12 measured in nori and other seaweeds, spirulina, tempeh "
            "and mushrooms varies a lot between batches, and much of it is inactive forms "
            "(analogues) the body cannot use. Your plans count them as 0 µg. Reliable sources "
            "for vegans are fortified foods and supplements."
        ),
        ("Watanabe 2014", "Vegan Society"),
    ),
    FaqEntry(
        "fortified",
        N_("How do fortified foods and labels work?"),
        N_(
            "Fortified means B12 was added. Look for vitamin B12 (or cobalamin) in the "
            "ingredients and the µg per 100 g or 100 ml in the nutrition table; brands differ "
            "a lot and some plant milks have none. The Vegan Society advises fortified foods at "
            "least twice a day for at least 3 µg a day. Enter your own product's label value "
            "with /myproducts so your plans use it."
        ),
        ("Vegan Society", "NIH ODS"),
    ),
    FaqEntry(
        "risk",
        N_("Who is at risk of low B12?"),
        N_(
            "NICE lists: metformin (low B12 is a common side effect, MHRA 2022); PPIs or H2 "
            "blockers for stomach acid; colchicine; some epilepsy medicines, e.g. topiramate; "
            "nitrous oxide (laughing gas) use, where blood B12 can look normal; coeliac disease "
            "and autoimmune conditions; stomach or bowel surgery; a family history of B12 "
            "deficiency or pernicious anaemia; vegan or vegetarian diets; age over 65. If this "
            "is you, talk to your clinician about testing. Never stop a prescribed medicine on "
            "your own."
        ),
        ("NICE NG239", "MHRA 2022", "NIH ODS"),
    ),
    FaqEntry(
        "testing",
        N_("How is B12 tested?"),
        N_(
            "Usually a blood test of total (serum) B12. NICE: below 180 ng/L deficiency likely, "
            "180–350 indeterminate (active B12 or MMA can clarify), above 350 unlikely. Active "
            "B12 (holoTC) is another first test and the preferred one in pregnancy; MMA and "
            "homocysteine help when results are unclear. Labs set their own ranges: log yours "
            "with /levels add. A result in range does not rule out a deficiency with symptoms. "
            "What a result means for you is for your clinician to say."
        ),
        ("NICE NG239", "BSH 2014"),
    ),
    FaqEntry(
        "before",
        N_("Should I test before starting supplements?"),
        N_(
            "Yes, if you have symptoms that could come from low B12 (tiredness, pins and needles "
            "or numbness, weakness, balance or memory problems): ask your GP or MS team for a B12 "
            "test first. Supplements and injections raise blood B12 and make a later test hard "
            "to read, which can hide a deficiency. Already taking B12? Tell your clinician before "
            "the test. With new or worsening numbness, weakness, balance or memory problems, "
            "contact your GP or MS team soon."
        ),
        ("NICE NG239",),
    ),
    FaqEntry(
        "supplements",
        N_("Supplements or injections?"),
        N_(
            "The Vegan Society advises vegans to eat B12-fortified foods twice a day or to take "
            "a B12 supplement; which one and how much is for you and your clinician to decide, "
            "not this bot. High-dose tablets can work because about {percent} of any dose is "
            "absorbed without intrinsic factor. Injections are used when the gut cannot absorb B12 "
            "(e.g. pernicious anaemia); the schedule is set by a clinician. Talk to your "
            "clinician before you start, change or stop supplements or injections. /remind can "
            "remind you of your doses."
        ),
        ("Vegan Society", "IOM 1998", "NICE NG239"),
    ),
    FaqEntry(
        "oral",
        N_("Can tablets work as well as injections?"),
        N_(
            "In trials, high-dose B12 tablets raised blood levels about as well as injections; "
            "the evidence is of low quality (Cochrane review 2018). Injections are used when "
            "the gut cannot absorb B12, e.g. pernicious anaemia. Whether tablets or injections "
            "suit you, and how much and how often, is for your clinician to decide: talk to them "
            "before you start, change or stop either. /remind can remind you of the schedule "
            "they set."
        ),
        ("Cochrane 2018", "NICE NG239"),
    ),
    FaqEntry(
        "folic",
        N_("Can folic acid hide a lack of B12?"),
        N_(
            "Yes. A lot of folic acid (from supplements or fortified foods) can correct the "
            "anaemia that a lack of B12 causes in a blood count, while nerve damage from the "
            "lack of B12 goes on unnoticed. So don't treat anaemia or tiredness with folic acid "
            "on your own: ask your clinician for a B12 check. This is no reason to stop folic "
            "acid you were advised to take, e.g. in pregnancy: talk to your clinician."
        ),
        ("NIH ODS", "NICE NG239"),
    ),
    FaqEntry(
        "safety",
        N_("Is a high B12 intake safe?"),
        N_(
            "No upper limit has been set: the IOM found no adverse effects from excess B12 "
            "from food or supplements in healthy people. That is why the planner sets a floor, "
            "not a ceiling. Still, tell your clinician which supplements and doses you take, "
            "especially before a blood test."
        ),
        ("IOM 1998", "NIH ODS"),
    ),
)

_BY_KEY: dict[str, FaqEntry] = {e.key: e for e in FAQ}


def faq_keys() -> tuple[str, ...]:
    return tuple(e.key for e in FAQ)


def faq_index() -> str:
    """The list of questions, numbered, with the command that opens each."""
    # "<number>" is plain text here (the Telegram layer escapes it), so it stays out of the
    # msgid, which is checked as Telegram HTML
    command = "/faq <" + pgettext("placeholder", "number") + ">"
    lines = [_("Questions about B12 — tap a button or send {command}:").format(command=command)]
    lines += [f"{i}. {e.question}" for i, e in enumerate(FAQ, start=1)]
    lines.append(_("Information, not medical advice: talk to your clinician about your own case."))
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
    sources = _("Sources: {sources}.").format(sources=", ".join(entry.sources))
    return f"{entry.question}\n\n{entry.answer}\n\n{sources}"
