"""Find recipes and ingredients from what a user types.

Typo-tolerant look-ups for the chat and the CLI: `search_recipes` / `find_recipe` for a recipe
name, `match_ingredient` / `resolve_ingredient` for a word of an exclusion list ("soy", "nuts",
"peanut allergy"), `suggest_ingredient_words` for an unknown word and `describe_match` for the
reply. Group words map to the allergen and food groups of `bot.core.recipe_schema`.
"""

from __future__ import annotations

import difflib
import re
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass

from bot.core.food_words import LOCAL_GROUP_WORDS
from bot.core.i18n import N_, _, current_language, ngettext
from bot.core.languages import localized_name
from bot.core.models import Ingredient, Recipe, RecipeSet
from bot.core.recipe_schema import KNOWN_GROUPS

# Whatever a user types is cut to this before any fuzzy matching, so one message costs a few
# milliseconds at most ("egg " x 1000 once blocked every other user for seconds).
MAX_QUERY_CHARS = 64
MAX_QUERY_WORDS = 6


QUOTE_LIMIT = 40


def quote(text: str, limit: int = QUOTE_LIMIT) -> str:
    """What the user typed, cut to `limit` characters plus "…", for echoing it back in an
    answer (not HTML-escaped)."""
    return text if len(text) <= limit else text[:limit].rstrip() + "…"


def _normal(text: str) -> str:
    return " ".join(re.sub(r"[_\-,()/]+", " ", text.lower()).split())


def _bounded(text: str) -> str:
    """`text` normalised, at most MAX_QUERY_WORDS words and MAX_QUERY_CHARS characters."""
    words = _normal(text[: 4 * MAX_QUERY_CHARS]).split()[:MAX_QUERY_WORDS]
    return " ".join(words)[:MAX_QUERY_CHARS].strip()


def _ratio_to(matcher: difflib.SequenceMatcher[str], a: str, floor: float = 0.0) -> float:
    """difflib's ratio of `a` to the matcher's second sequence, or 0.0 when its cheap upper
    bounds show it is below `floor`. The matcher keeps what it learned of its second sequence
    (the index of its characters, the costly part) across set_seq1, so it is made once."""
    matcher.set_seq1(a)
    if floor and (matcher.real_quick_ratio() < floor or matcher.quick_ratio() < floor):
        return 0.0
    return matcher.ratio()


# Words that name no dish: a query of only these (or of words under MIN_WORD letters) matches
# nothing, and they never match a name's words ("on" is not "Tofu scramble on toast").
STOP_WORDS = frozenset(
    {"a", "an", "the", "on", "in", "with", "and", "of", "no", "or", "to", "for", "my", "some"}
    | {"at", "i", "it", "is", "ate", "had", "x", "&", "n"}
)
MIN_WORD = 3


def content_words(words: Iterable[str]) -> list[str]:
    """The words that can name a food: no stop words, none shorter than MIN_WORD letters."""
    return [w for w in words if w not in STOP_WORDS and len(w) >= MIN_WORD]


GOOD_MATCH = 0.6  # a recipe scoring below this is not offered
PER_WORD_WEIGHT = 0.75  # word-by-word likeness counts this much of a whole-name match
WORD_RATIO_CACHE = 50_000  # (typed word, name word) ratios kept across searches


@dataclass(frozen=True, slots=True)
class _Named:
    """One recipe's name and id, normalised once per recipe set, with their matchers."""

    recipe: Recipe
    name: str
    rid: str
    words: tuple[str, ...]
    name_matcher: difflib.SequenceMatcher[str]
    rid_matcher: difflib.SequenceMatcher[str]


class _Index:
    """What a search needs of a recipe set, computed once: every search used to normalise
    100 names with regexes and rebuild difflib's index of each name and name word."""

    def __init__(self, rs: RecipeSet) -> None:
        self.source = rs  # kept alive, so the id() it is cached under is never reused
        self.size = len(rs.recipes)
        self.named: list[_Named] = []
        self.vocabulary: dict[str, difflib.SequenceMatcher[str]] = {}
        for recipe in rs.recipes.values():
            name, rid = _normal(recipe.name), _normal(recipe.id)
            words = tuple(w for w in name.split() + rid.split() if w not in STOP_WORDS)
            for word in words:
                if word not in self.vocabulary:
                    self.vocabulary[word] = difflib.SequenceMatcher(None, "", word)
            self.named.append(
                _Named(
                    recipe,
                    name,
                    rid,
                    words,
                    difflib.SequenceMatcher(None, "", name),
                    difflib.SequenceMatcher(None, "", rid),
                )
            )
        self.word_ratios: OrderedDict[tuple[str, str], float] = OrderedDict()

    def word_ratio(self, word: str, other: str, floor: float) -> float:
        """ratio(typed word, name word), or 0.0 when it is surely below `floor`; remembered
        across searches (names share words). A ratio skipped by its bound is kept as minus
        the bound, so a later call with a lower floor computes it."""
        key = (word, other)
        known = self.word_ratios.get(key)
        if known is not None and (known >= 0 or -known < floor):
            return max(known, 0.0)
        matcher = self.vocabulary[other]
        matcher.set_seq1(word)
        bound = min(matcher.real_quick_ratio(), matcher.quick_ratio())
        known = matcher.ratio() if bound >= floor else -bound
        self.word_ratios[key] = known
        if len(self.word_ratios) > WORD_RATIO_CACHE:
            self.word_ratios.popitem(last=False)
        return max(known, 0.0)


_INDEXES: OrderedDict[tuple[int, int], _Index] = OrderedDict()
_INDEX_LOCK = threading.Lock()  # matchers are reused: one search at a time per process


def _index(rs: RecipeSet) -> _Index:
    key = (id(rs), id(rs.recipes))
    index = _INDEXES.get(key)
    if index is None or index.size != len(rs.recipes):
        index = _INDEXES[key] = _Index(rs)
        while len(_INDEXES) > 8:  # a set per region at most
            _INDEXES.popitem(last=False)
    return index


def _recipe_score(query: str, named: _Named, whole: re.Pattern[str], index: _Index) -> float:
    """0..1 likeness of a user's words to a recipe, exact > substring > all words > fuzzy."""
    name, rid = named.name, named.rid
    if query in (name, rid):
        return 1.0
    # Whole words (plural allowed) beat a piece of a word: "egg" means eggs, not eggplant.
    if whole.search(name) or whole.search(rid):
        at_start = name.startswith(query) or rid.startswith(query)
        return 0.9 + 0.05 * at_start + 0.04 * len(query) / max(len(name), len(rid))
    words = content_words(query.split())
    name_words = named.words
    if all(any(w2.startswith(w) for w2 in name_words) for w in words):
        return 0.8
    # Below GOOD_MATCH a whole-string ratio never decides, so its cheap bounds may skip it.
    ratio = max(
        _ratio_to(named.name_matcher, query, GOOD_MATCH),
        _ratio_to(named.rid_matcher, query, GOOD_MATCH),
    )
    # The words' mean decides only from GOOD_MATCH / 0.75 up; for that every word's best must
    # reach 1 - (1 - that) * len(words): a name word below it can never be a word's best in a
    # recipe that qualifies, so its ratio may stop at the cheap bounds (scores stay exact).
    floor = 1.0 - (1.0 - GOOD_MATCH / PER_WORD_WEIGHT) * len(words) - 1e-9
    word_ratio = index.word_ratio
    per_word = sum(max(word_ratio(w, w2, floor) for w2 in name_words) for w in words) / len(words)
    return max(ratio, per_word * PER_WORD_WEIGHT)


def search_recipes(rs: RecipeSet, query: str, limit: int = 5) -> list[Recipe]:
    """Recipes whose name or id best match `query` (case-insensitive, typo-tolerant)."""
    wanted = _bounded(query)
    if not content_words(wanted.split()):  # "a", "on", "no": no word that could name a dish
        return []
    whole = re.compile(r"\b" + re.escape(wanted) + r"(?:s|es)?\b")
    with _INDEX_LOCK:
        index = _index(rs)
        scored = [(n.recipe, _recipe_score(wanted, n, whole, index)) for n in index.named]
    good = [(r, s) for r, s in scored if s >= GOOD_MATCH]
    good.sort(key=lambda rs_: (-rs_[1], rs_[0].name))
    return [r for r, _score in good[:limit]]


def find_recipe(rs: RecipeSet, query: str) -> Recipe | None:
    """The one recipe a user most likely means (exact id first), or None."""
    if query in rs.recipes:
        return rs.recipes[query]
    best = search_recipes(rs, query, limit=1)
    return best[0] if best else None


def confident_recipe(rs: RecipeSet, query: str) -> Recipe | None:
    """The one dish `query` names beyond doubt, or None; for logging what was eaten, where
    a guess would record B12 the user never had ("/ate bread" is not the mussels with bread).

    Confident means: the recipe's id or whole name; or every word of the query (singular or
    plural, stop words aside) is a word of one recipe's name or id, those words make at least
    half of that name's words, and no other recipe fits as well. "/ate shakshuka" finds
    "Shakshuka with feta"; "egg", "pie", "chicken" or "omelette" find several dishes or too
    small a part of one, and the caller asks instead. Names in the bot's other languages count
    too ("/ate Apfel-Zimt-Porridge mit Sojadrink").
    """
    if query in rs.recipes:
        return rs.recipes[query]
    wanted = _bounded(query)
    typed = set(content_words(singular_words(wanted)))
    if not typed:
        return None
    hits: list[Recipe] = []
    for recipe in rs.recipes.values():
        labels = (recipe.name, recipe.id, *recipe.names.values())  # a name in any language
        if wanted in {_normal(label) for label in labels}:
            return recipe
        for label in labels:
            words = set(content_words(singular_words(label)))
            if typed <= words and 2 * len(typed) >= len(words):
                hits.append(recipe)
                break
    return hits[0] if len(hits) == 1 else None


def _singular(word: str) -> str:
    for plural, single in (("ies", "y"), ("oes", "o"), ("ches", "ch"), ("shes", "sh")):
        if word.endswith(plural) and len(word) > len(plural) + 1:
            return word[: -len(plural)] + single
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        return word[:-1]
    return word


def singular_words(text: str) -> list[str]:
    """Lower-case singular words: "Tree-Nuts" -> [tree, nut], "cow's milk" -> [cow, milk]."""
    text = re.sub(r"'s\b|'", "", text.lower())
    return [_singular(w) for w in _normal(text).split()]


# "peanut allergy", "allergic to nuts", "lactose intolerance": the food is the other words
_FILLER_WORDS = frozenset(
    {"allergy", "allergie", "allergic", "intolerance", "intolerant", "sensitivity", "to", "no"}
    # the same in German, Spanish and French ("Allergie gegen Erdnüsse", "sin huevo")
    | {"allergisch", "unverträglichkeit", "unvertraglichkeit", "gegen", "kein", "keine", "ohne"}
    | {"alergia", "alergico", "alérgico", "intolerancia", "sin", "intolérance", "intolerance"}
    | {"allergique", "sans", "pas"}
)


def _query_words(text: str) -> list[str]:
    words = singular_words(_bounded(text))
    kept = [w for w in words if w not in _FILLER_WORDS]
    return kept or words


# What people type (singular words, see singular_words) -> the groups they mean. Every group name is
# added too (tree_nut -> "tree nut"). "milk" alone is the allergen: all dairy.
_GROUP_SYNONYMS: dict[str, tuple[str, ...]] = {
    "nut": ("nuts",),
    "treenut": ("tree_nut",),
    "groundnut": ("peanut",),
    "soya": ("soy",),
    "soja": ("soy",),
    "soybean": ("soy",),
    "soy bean": ("soy",),
    "soya bean": ("soy",),
    "dairy": ("milk",),
    "dairy product": ("milk",),
    "milk product": ("milk",),
    "cow milk": ("milk",),
    "lactose": ("milk",),
    "casein": ("milk",),
    "whey": ("milk",),
    "seafood": ("fish", "shellfish"),
    "mollusk": ("mollusc",),
    "celeriac": ("celery",),
    "lupine": ("lupin",),
    "sulphite": ("sulphites",),
    "sulfite": ("sulphites",),
    "sulphur dioxide": ("sulphites",),
    "sulfur dioxide": ("sulphites",),
    "breakfast cereal": ("cereal",),
    "oat": ("oats",),
    "pulse": ("legume",),
    "ham": ("pork",),
    "bacon": ("pork",),
    "mutton": ("lamb",),
    "fungi": ("mushroom",),
    "maize": ("corn",),
    "malt": ("barley",),
}


def _folded(text: str) -> str:
    """ "Erdnüsse" -> "erdnusse", "œufs" -> "oeufs": a word without its accents."""
    text = text.replace("œ", "oe").replace("æ", "ae").replace("ß", "ss")
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _local_group_words() -> dict[str, tuple[str, ...]]:
    words: dict[str, tuple[str, ...]] = {}
    for group, said in LOCAL_GROUP_WORDS.items():
        for word in said:
            form = " ".join(singular_words(word))
            for key in (form, _folded(form)):
                words.setdefault(key, (group,))
    return words


GROUP_WORDS: dict[str, tuple[str, ...]] = (
    {" ".join(singular_words(name)): (name,) for name in KNOWN_GROUPS}
    | _GROUP_SYNONYMS
    | {k: v for k, v in _local_group_words().items() if k not in _GROUP_SYNONYMS}
)

# Said about the whole group when it is excluded: what it deliberately leaves in.
# English, translated at use (`IngredientMatch.notes` gives them translated).
GROUP_NOTES: dict[str, str] = {
    "gluten": N_(
        "oats are kept (they are gluten-free unless cross-contaminated): buy oats "
        "labelled gluten-free, or exclude oats too"
    ),
    "nuts": N_("coconut is kept (it is not a tree nut); exclude coconut too if you react to it"),
    "tree_nut": N_(
        "coconut is kept (it is not a tree nut); exclude coconut too if you react to it"
    ),
}


# How a group is named back to the user (the group ids are singular snake_case); English,
# translated by group_label.
GROUP_LABEL: dict[str, str] = {
    "gluten": N_("gluten"),
    "wheat": N_("wheat"),
    "crustacean": N_("crustaceans"),
    "mollusc": N_("molluscs"),
    "shellfish": N_("shellfish"),
    "egg": N_("eggs"),
    "fish": N_("fish"),
    "peanut": N_("peanuts"),
    "tree_nut": N_("tree nuts"),
    "soy": N_("soy"),
    "milk": N_("milk"),
    "celery": N_("celery"),
    "mustard": N_("mustard"),
    "sesame": N_("sesame"),
    "sulphites": N_("sulphites"),
    "lupin": N_("lupin"),
    "nuts": N_("nuts"),
    "cheese": N_("cheese"),
    "cereal": N_("cereal"),
    "oats": N_("oats"),
    "rye": N_("rye"),
    "barley": N_("barley"),
    "meat": N_("meat"),
    "red_meat": N_("red meat"),
    "beef": N_("beef"),
    "pork": N_("pork"),
    "lamb": N_("lamb"),
    "poultry": N_("poultry"),
    "legume": N_("legumes"),
    "mushroom": N_("mushrooms"),
    "yeast": N_("yeast"),
    "corn": N_("corn"),
    "coconut": N_("coconut"),
    "nightshade": N_("nightshades"),
    "liver": N_("liver"),
    "oily_fish": N_("oily fish"),
    "smoked_fish": N_("smoked fish"),
}


def group_label(group: str) -> str:
    """ "tree_nut" -> "tree nuts" ("Schalenfrüchte" in German): the group as a person says
    it, in the current language."""
    label = GROUP_LABEL.get(group)
    return _(label) if label is not None else group.replace("_", " ")


@dataclass(frozen=True, slots=True)
class IngredientMatch:
    """What one word of a user's exclusion list means.

    `groups` is set when the word named a food group (soy, gluten, nuts ...); `ids` may then be
    empty (no recipe food contains lupin), which is not an unknown word.
    """

    word: str
    ids: tuple[str, ...]
    groups: tuple[str, ...] = ()

    @property
    def known(self) -> bool:
        return bool(self.ids or self.groups)

    @property
    def notes(self) -> tuple[str, ...]:
        return tuple(_(GROUP_NOTES[g]) for g in self.groups if g in GROUP_NOTES)


def _group_members(rs: RecipeSet, groups: Iterable[str]) -> set[str]:
    wanted = set(groups)
    return {i.id for i in rs.ingredients.values() if i.groups & wanted}


def _word_matches(rs: RecipeSet, query: list[str]) -> set[str]:
    """Ids whose id or name words contain every query word (exact id first)."""
    joined = "_".join(query)
    hits: set[str] = set()
    for ing in rs.ingredients.values():
        if ing.id == joined or all(w in _tokens(ing) for w in query):
            hits.add(ing.id)
    return hits


_TOKENS: dict[tuple[str, str, tuple[str, ...]], frozenset[str]] = {}


def _tokens(ing: Ingredient) -> frozenset[str]:
    """The words of a food's id and of its name in every language (accents optional), so
    "/exclude Erdnussbutter" or "huevo" finds the food whatever language the user writes."""
    key = (ing.id, ing.name, tuple(sorted(ing.names.values())))
    found = _TOKENS.get(key)
    if found is None:
        words = set(singular_words(ing.id)) | set(singular_words(ing.name))
        for name in ing.names.values():
            local = singular_words(name)
            words.update(local)
            words.update(_folded(w) for w in local)
        found = _TOKENS[key] = frozenset(words)
        if len(_TOKENS) > 4096:  # a few ingredient tables at most
            _TOKENS.clear()
    return found


def match_ingredient(rs: RecipeSet, word: str) -> IngredientMatch:
    """What a user's word means, group words first.

    Order: a multi-word phrase that names foods ("soy milk", "peanut butter") means those
    foods, unless the whole phrase is a group word ("red meat", "noix de coco"); a group word,
    singular or plural, in any of the bot's languages ("soy", "nuts", "tree-nuts", "gluten",
    "dairy", "milk", "seafood", "Erdnüsse", "huevos") means every ingredient in the group;
    then words of an id or name (in any language); then the end of a compound word
    ("berries" -> blueberries); then the closest ids and names (typos). Used by /exclude, so
    erring towards more matches is the safe side.
    """
    query = _query_words(word)
    if not query:
        return IngredientMatch(word, ())
    phrase = " ".join(query)
    groups = GROUP_WORDS.get(phrase, ()) or GROUP_WORDS.get(_folded(phrase), ())
    if groups and phrase not in GROUP_WORDS:  # "Erdnusse" for "Erdnüsse"
        query = _folded(phrase).split()
    if len(query) > 1 and not groups:  # a whole phrase naming a group stays that group
        hits = _word_matches(rs, query)
        if hits:
            return IngredientMatch(word, tuple(sorted(hits)))
    if groups:
        hits = _group_members(rs, groups)
        exact = "_".join(query)
        if exact in rs.ingredients:
            hits.add(exact)
        if hits:
            return IngredientMatch(word, tuple(sorted(hits)), groups)
    hits = _word_matches(rs, query)
    if not hits and len(query) == 1 and len(query[0]) >= 3:
        for ing in rs.ingredients.values():
            if any(t.endswith(query[0]) for t in singular_words(ing.id) + singular_words(ing.name)):
                hits.add(ing.id)
    if not hits and not groups:
        # typos keep their first letter: "salmom" -> salmon, but never "barley" -> parsley
        names = {_normal(i.name): i.id for i in rs.ingredients.values()}
        close_ids = difflib.get_close_matches("_".join(query), list(rs.ingredients), 3, 0.75)
        close_names = [names[n] for n in difflib.get_close_matches(phrase, list(names), 3, 0.75)]
        hits.update(i for i in close_ids + close_names if i[0] == phrase[0])
    return IngredientMatch(word, tuple(sorted(hits)), groups)


def resolve_ingredient(rs: RecipeSet, word: str) -> list[str]:
    """Ingredient ids a user's word means, e.g. "soy" -> edamame, soy_milk_fortified, tofu_firm...

    See `match_ingredient` for the order; an empty list means nothing to exclude.
    """
    return list(match_ingredient(rs, word).ids)


def suggest_ingredient_words(rs: RecipeSet, word: str, n: int = 5) -> list[str]:
    """Words to offer for an unknown word: group words and ids that start like it, then typos.

    Suggestions share the input's first letters ("glutn" -> gluten, "cashew nut" -> cashews),
    so a user never gets an unrelated food offered as "close".
    """
    query = _query_words(word)
    if not query:
        return []
    phrase = " ".join(query)
    # normalised form -> (what to show, what it means: one suggestion per meaning)
    candidates: dict[str, tuple[str, object]] = {}
    for form, groups in GROUP_WORDS.items():
        single = len(groups) == 1 and _singular(groups[0]) == form
        shown = groups[0] if form not in _GROUP_SYNONYMS or single else form
        candidates.setdefault(form, (shown.replace("_", " "), groups))
    for ing in rs.ingredients.values():
        candidates.setdefault(" ".join(singular_words(ing.id)), (ing.id, ing.id))
    prefix = query[0][:3]
    scored: list[tuple[float, str, object]] = []
    for form, (shown, meaning) in candidates.items():
        starts = any(w.startswith(prefix) for w in form.split())
        ratio = difflib.SequenceMatcher(None, phrase, form).ratio()
        best_word = max(
            difflib.SequenceMatcher(None, q, w).ratio() for q in query for w in form.split()
        )
        score = max(ratio, best_word * 0.9) + (0.2 if starts else 0.0)
        if score >= 0.85:
            scored.append((score, shown, meaning))
    scored.sort(key=lambda item: (-item[0], item[1]))
    result: list[str] = []
    meanings: list[object] = []
    for _score, shown, meaning in scored:
        if shown not in result and meaning not in meanings:
            result.append(shown)
            meanings.append(meaning)
    return result[:n]


def short_name(ing: Ingredient) -> str:
    """ "Soy milk, unsweetened, fortified" -> "Soy milk": enough to recognise in a list."""
    return re.split(r"\s*[,(]", ing.name, maxsplit=1)[0].strip() or ing.name


def local_name(ing: Ingredient) -> str:
    """The food's full name in the current language (English when it has none)."""
    return localized_name(ing, current_language())


def local_short_name(ing: Ingredient) -> str:
    """ "Tofu, fest" -> "Tofu": `short_name` of the name in the current language."""
    name = local_name(ing)
    return re.split(r"\s*[,(]", name, maxsplit=1)[0].strip() or name


def describe_match(rs: RecipeSet, match: IngredientMatch, shown: int = 4) -> str:
    """One line for a reply: "soy (6 foods: Edamame, Soy milk, Tofu, Tempeh, …)"."""
    names = sorted({local_short_name(rs.ingredients[i]) for i in match.ids if i in rs.ingredients})
    label = " + ".join(group_label(g) for g in match.groups) or match.word
    if not match.ids:
        return _("{label} (no food in the recipes contains it)").format(label=label)
    if not match.groups and len(names) == 1:
        return names[0]
    listed = ", ".join(names[:shown]) + (", …" if len(names) > shown else "")
    count = len(match.ids)
    return ngettext(
        "{label} ({count} food: {listed})", "{label} ({count} foods: {listed})", count
    ).format(label=label, count=count, listed=listed)
