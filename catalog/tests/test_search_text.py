"""The words of search, without a database: normalising, romanising, index terms, sound keys,
trigram similarity, and reading price and stock words out of a query."""

from decimal import Decimal

import pytest

from catalog.search.query import parse
from catalog.search.synonyms import Synonyms, phrase_terms
from catalog.search.text import normalise, parts, romanise, similarity, sound_key, term, words


def test_normalise_folds_what_shoppers_and_asrs_write_differently():
    assert normalise("फ़ोन") == normalise("फोन")
    assert normalise("हाँ") == normalise("हां")
    assert normalise("Lakmé NESCAFÉ") == "lakme nescafe"
    assert normalise("৫০০ टाका १२") == "500 टाका 12"
    assert words(normalise("Levi's T-Shirt, किताबें!")) == ["levis", "t-shirt", "किताबें"]
    assert parts("t-shirt") == ["tshirt", "t", "shirt"]


@pytest.mark.parametrize("word, roman", [
    ("आटा", "ata"), ("कपड़े", "kapde"), ("बोतल", "botal"), ("चावल", "chaval"), ("सैमसंग", "saimsang"),
    ("लॅपटॉप", "laptop"), ("ঘড়ি", "ghori"), ("বই", "boi"), ("স্যামসাং", "syamsang"), ("ওয়াশ", "wash"),
    ("डंबेल", "dambel"), ("संपूर्ण", "sampurn"), ("phone", "phone"),
])
def test_romanise_writes_indic_words_as_shoppers_type_them(word, roman):
    assert romanise(normalise(word)) == roman


def test_terms_are_romanised_and_singular_alike_for_index_and_query():
    assert term("phones") == term("phone") == "phone"
    assert term("watches") == term("watch") and term("ladies") == "lady" and term("glass") == "glass"
    assert term(normalise("आटा")) == "ata"
    assert term("batli") == "batli"  # not "bat": romanised Marathi is not English
    assert term("m34") == "m34" and term("128") == "128"


@pytest.mark.parametrize("a, b", [
    ("samsung", "सैमसंग"), ("samsung", "স্যামসাং"), ("samsung", "सॅमसंग"), ("laptop", "लैपटॉप"), ("laptop", "ল্যাপটপ"),
    ("cooker", "kukar"), ("chawal", "चावल"), ("tv", "টিভি"), ("galaxy", "गैलेक्सी"), ("xiaomi", "শাওমি"),
    ("face", "ফেস"), ("prestige", "प्रेस्टिज"), ("moisturiser", "moisturizer"),
])
def test_sound_keys_meet_across_scripts_and_spellings(a, b):
    assert sound_key(normalise(a)) == sound_key(normalise(b)) != ""


def test_sound_keys_keep_different_words_apart():
    assert sound_key("bat") != sound_key("mat") and sound_key("kurta") != sound_key("cooker")
    assert sound_key("128") == ""


def test_similarity_is_pg_trgm_similarity():
    assert similarity("samsung", "samsung") == 1.0
    assert similarity("samsng", "samsung") == pytest.approx(0.5)  # pg_trgm: 0.5
    assert similarity("abc", "xyz") == 0.0


@pytest.mark.parametrize("query, words_left, low, high, stock, cheap", [
    ("phones under 20000", ["phones"], None, 20000, None, False),
    ("phones under ₹20,000", ["phones"], None, 20000, None, False),
    ("samsung ka phone 20k ke andar", ["samsung", "phone"], None, 20000, None, False),
    ("500 रुपये से कम की क्रीम", ["क्रीम"], None, 500, None, False),
    ("৫০০ টাকার নিচে ফেস ওয়াশ", ["ফেস", "ওয়াশ"], None, 500, None, False),
    ("५०० रुपयांपेक्षा कमी क्रीम", ["क्रीम"], None, 500, None, False),
    ("kurta 1500 paryant", ["kurta"], None, 1500, None, False),
    ("laptop above 50000", ["laptop"], 50000, None, None, False),
    ("1000 से ज्यादा के जूते", ["जूते"], 1000, None, None, False),
    ("shoes between 1000 and 2000", ["shoes"], 1000, 2000, None, False),
    ("phone 15000 rupees", ["phone"], None, 15000, None, False),
    ("सस्ता फोन", ["फोन"], None, None, None, True),
    ("কম দামে ফোন", ["ফোন"], None, None, None, True),
    ("कमी किमतीत फोन", ["फोन"], None, None, None, True),
    ("kurta in stock", ["kurta"], None, None, True, False),
    ("स्टॉक में जूते", ["जूते"], None, None, True, False),
    ("স্টকে আছে এমন হেডফোন", ["হেডফোন"], None, None, True, False),
    ("स्टॉकमध्ये असलेले बूट", ["बूट"], None, None, True, False),
    ("out of stock kurtas", ["kurtas"], None, None, False, False),
    ("wheat flour 10 kg", ["wheat", "flour", "10", "kg"], None, None, None, False),
    ("show me cotton shirts please", ["cotton", "shirts"], None, None, None, False),
    ("chai patti", ["chai", "patti"], None, None, None, False),
])
def test_price_and_stock_words_become_filters_and_filler_goes(query, words_left, low, high, stock, cheap):
    p = parse(query)
    assert p.words == [normalise(w) for w in words_left]
    assert (p.min_price, p.max_price) == (None if low is None else Decimal(low), None if high is None else Decimal(high))
    assert (p.in_stock, p.cheap) == (stock, cheap)


def test_synonym_phrases_match_longest_first_by_form_or_by_sound():
    syn = Synonyms([(1, ["water bottle", "बोतल", "पाण्याची बाटली"], ["flask"]), (2, ["water", "पानी"], [])])
    m = syn.match(["water", "bottle"], 0, sound=False)
    assert (m.length, [e.id for e in m.entries]) == (2, [1])
    assert syn.match(["water"], 0, sound=False).entries[0].id == 2
    assert syn.match(["panyachi", "batli"], 0, sound=False).length == 2  # romanised, the same word
    assert syn.match(["panyaachi", "baatli"], 0, sound=False) is None
    assert syn.match(["panyaachi", "baatli"], 0, sound=True).length == 2
    assert syn.match(["बोतलें"], 0, sound=False).entries[0].id == 1  # an inflected form
    assert phrase_terms("पानी की बोतल") == ("pani", "botal")
