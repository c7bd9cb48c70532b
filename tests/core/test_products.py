"""Own product labels: what /myproducts accepts as a B12 value per 100 g or 100 ml."""

from __future__ import annotations

import math

import pytest
from translated import english_left, in_language

from bot.core.models import RecipeSet
from bot.core.products import (
    MAX_B12_PER_100,
    ProductInputError,
    label_from_per_100g,
    max_label_value,
    parse_product,
)


def test_implausible_product_values_are_refused_with_an_example(shipped: RecipeSet) -> None:
    rs = shipped
    with pytest.raises(ProductInputError) as exc:
        parse_product("cheerios 1000", rs)
    text = str(exc.value)
    assert "not a plausible" in text and "Example: /myproducts cheerios" in text
    assert "per 100 g" in text
    for bad in ("cheerios -5", "oat milk nan", "soy milk -0.4"):
        with pytest.raises(ProductInputError) as exc:
            parse_product(bad, rs)
        assert "is not a B12 amount" in str(exc.value)
    # real labels pass: the richest nutritional yeast (15 µg per 10 g), a brand without B12
    assert parse_product("nutritional yeast 150", rs) == ("nutritional_yeast", 150.0)
    assert parse_product("oat milk 0", rs) == ("oat_milk_fortified", 0.0)
    assert parse_product("cheerios 6.8", rs) == ("cheerios", 6.8)
    with pytest.raises(ProductInputError):
        parse_product("nutritional yeast 201", rs)


def test_product_limit_is_ten_times_typical_capped_at_the_absolute_bound(
    shipped: RecipeSet,
) -> None:
    rs = shipped
    for ing in rs.ingredients.values():
        if not ing.fortified:
            continue
        limit = max_label_value(ing)
        typical = label_from_per_100g(ing, ing.per_100g.b12_ug)
        assert 0 < limit <= MAX_B12_PER_100
        assert limit >= typical * 1.5  # a richer brand than the typical one still fits
        if typical > 0:
            assert math.isclose(limit, min(MAX_B12_PER_100, 10 * typical))


def test_products_are_named_and_refused_in_the_users_language(shipped: RecipeSet) -> None:
    """Local product names and decimal commas are read; errors speak German with commas."""
    with in_language("de"):
        assert parse_product("Sojadrink 0,5", shipped) == ("soy_milk_fortified", 0.5)
        with pytest.raises(ProductInputError) as exc:
            parse_product("Sojadrink 50", shipped)
        text = str(exc.value)
        assert "ist kein plausibler Etikettwert für Sojadrink, ungesüßt, angereichert" in text
        assert "pro 100 ml" in text and "0,4 µg pro 100 ml" in text and "Beispiel:" in text
        assert not english_left(text), english_left(text)
        with pytest.raises(ProductInputError) as exc:
            parse_product("Zauberpulver 3", shipped)
        assert "Das Produkt „Zauberpulver“ kenne ich nicht." in str(exc.value)
    with in_language("fr"):
        assert parse_product("levure nutritionnelle 22", shipped) == ("nutritional_yeast", 22.0)
