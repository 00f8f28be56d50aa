"""Product vocabulary: Indic product words mapped to the English words the catalog is written in,
categories, and the filler words stripped from a product query in each language."""

from __future__ import annotations

from .numbers import fold

# stem -> English; a token that starts with the stem is that word (Indic plurals and case
# endings: कुर्ते, साड़ियाँ, হেডফোনগুলো).
_INDIC_RAW = [
    ("कुर्त", "kurta"), ("কুর্ত", "kurta"), ("कुर्ती", "kurti"), ("কুর্তি", "kurti"),
    ("साड़ी", "saree"), ("साड़ि", "saree"), ("साड्", "saree"), ("শাড়ি", "saree"), ("সাড়ি", "saree"),
    ("ब्लूटूथ", "bluetooth"), ("ব্লুটুথ", "bluetooth"), ("वायरलेस", "wireless"), ("ওয়্যারলেস", "wireless"),
    ("हेडफ़ोन", "headphone"), ("हेडफोन", "headphone"), ("হেডফোন", "headphone"),
    ("ईयरफ़ोन", "earphone"), ("इयरफोन", "earphone"), ("ইয়ারফোন", "earphone"), ("ईयरबड", "earbuds"),
    ("टी-शर्ट", "t-shirt"), ("টি-শার্ট", "t-shirt"), ("टीशर्ट", "t-shirt"), ("শার্ট", "shirt"), ("शर्ट", "shirt"),
    ("मोबाइल", "mobile"), ("मोबाईल", "mobile"), ("মোবাইল", "mobile"),
    ("फ़ोन", "phone"), ("फोन", "phone"), ("ফোন", "phone"), ("स्मार्टफोन", "smartphone"),
    ("जूत", "shoe"), ("জুতো", "shoe"), ("জুতা", "shoe"), ("शूज", "shoe"), ("बूट", "shoe"), ("बुट", "shoe"),
    ("चप्पल", "slipper"), ("চপ্পল", "slipper"), ("सैंडल", "sandal"), ("স্যান্ডেল", "sandal"),
    ("घड़ी", "watch"), ("घड़ि", "watch"), ("ঘড়ি", "watch"), ("घड्याळ", "watch"), ("स्मार्टवॉच", "smartwatch"),
    ("लैपटॉप", "laptop"), ("ল্যাপটপ", "laptop"), ("लॅपटॉप", "laptop"),
    ("जींस", "jeans"), ("जीन्स", "jeans"), ("জিন্স", "jeans"),
    ("कुकर", "cooker"), ("কুকার", "cooker"), ("प्रेशर", "pressure"), ("প্রেসার", "pressure"),
    ("बैग", "bag"), ("ব্যাগ", "bag"), ("बॅग", "bag"), ("टीवी", "tv"), ("টিভি", "tv"), ("टीव्ही", "tv"),
    ("चार्जर", "charger"), ("চার্জার", "charger"), ("मिक्सर", "mixer"), ("মিক্সার", "mixer"),
    ("लहंगा", "lehenga"), ("লেহেঙ্গা", "lehenga"), ("दुपट्टा", "dupatta"), ("ওড়না", "dupatta"),
    ("लाल", "red"), ("লাল", "red"), ("नीला", "blue"), ("नीले", "blue"), ("নীল", "blue"), ("निळ", "blue"),
    ("काला", "black"), ("काले", "black"), ("কালো", "black"), ("काळ", "black"),
    ("सफेद", "white"), ("সাদা", "white"), ("पांढर", "white"), ("हरा", "green"), ("সবুজ", "green"), ("हिरव", "green"),
    ("सूती", "cotton"), ("कॉटन", "cotton"), ("সুতি", "cotton"), ("सुती", "cotton"), ("रेशम", "silk"), ("সিল্ক", "silk"),
    ("सिल्क", "silk"), ("किताब", "book"), ("पुस्तक", "book"), ("বই", "book"), ("ইয়ারবাড", "earbuds"),
    ("इयरबड", "earbuds"), ("ईअरबड", "earbuds"), ("वायरलेस", "wireless"),
]
INDIC_PRODUCT_WORDS = sorted(((fold(s), e) for s, e in _INDIC_RAW), key=lambda p: -len(p[0]))

_ENGLISH_PRODUCTS = """
kurta kurti saree sari shirt t-shirt tshirt jeans dress top lehenga dupatta salwar jacket hoodie
shoe sneaker sandal slipper chappal boot heel phone mobile smartphone laptop tablet headphone
earphone earbud speaker watch smartwatch charger cable tv television fridge refrigerator cooker
mixer grinder kettle bag backpack wallet perfume lipstick cream shampoo book toy bottle
""".split()
# Category hints (an entity for the brain's wording; the search itself runs on the query words).
CATEGORIES = {
    "fashion": {"kurta", "kurti", "saree", "sari", "shirt", "t-shirt", "jeans", "dress", "top", "lehenga",
                "dupatta", "salwar", "jacket", "hoodie"},
    "footwear": {"shoe", "sneaker", "sandal", "slipper", "chappal", "boot", "heel"},
    "electronics": {"phone", "mobile", "smartphone", "laptop", "tablet", "headphone", "earphone", "earbud",
                    "speaker", "watch", "smartwatch", "charger", "cable", "tv", "television"},
    "home-kitchen": {"fridge", "refrigerator", "cooker", "mixer", "grinder", "kettle", "bottle"},
    "beauty": {"perfume", "lipstick", "cream", "shampoo"},
}
PRODUCT_WORDS = set(_ENGLISH_PRODUCTS) | {w for ws in CATEGORIES.values() for w in ws} | {
    "kurtas", "sarees", "phones", "shoes", "headphones", "laptops", "watches", "electronics", "clothes",
    "footwear", "earbuds", "book", "books",
}

# Words that say "I want to buy" but are not what is being bought.
QUERY_STOPWORDS = {fold(w) for w in """
show me us do you have has any i i'm im am looking for want wanna to buy a an the some please can could get
sell sells stock carry need cheap cheaper cheapest good best nice under below above over less more than
between and rupees rupee rs inr within in of with is are there something find search price priced budget it
my tell about what specs spec specifications details detail stock available availability range around upto
up max maximum min minimum least starting from at me? costing cost costs which one ones got like would
also other options option new latest kindly let see sasta sasti se kam mein me ke ka ki andar tak dikhao
dikhaiye dikha chahiye hai hain kya koi wala wali wale mujhe mere liye zyada upar ek do k hazar thousand
lakh what's whats that's first second third one ones beech between product products item items kuch koi
मुझे मेरे लिए के की का कम से में दिखाओ दिखाइए दिखा दो चाहिए क्या आपके पास हैं है रुपये रुपए रुपयों
अंदर तक कोई वाले वाला वाली और मैं लेना खरीदना बताइए बताओ बारे ज़्यादा ज्यादा ऊपर एक अच्छा अच्छे सस्ता सस्ते
टाकार টাকার টাকা মধ্যে নিচে কম দেখান দেখাও আছে চাই কি কী আমাকে আমি কিছু একটা ভালো সস্তা বেশি উপরে থেকে
पेक्षा कमी किमतीचे किमतीचा किमतीची किंमतीचे दाखवा हवा हवे हवी आहे आहेत का रुपयांच्या रुपये आत मला
काही चांगले स्वस्त जास्त वर पर्यंत बीच पहला दूसरा প্রথম দ্বিতীয় पहिला दुसरा
""".split()}


def singular(word: str) -> str:
    """English plural to singular, enough for product nouns ("kurtas", "watches", "sarees")."""
    if not word.isascii() or "'" in word or len(word) <= 3 or word in ("jeans", "glasses", "shorts", "trousers", "pants",
                                                        "earbuds", "dress", "electronics", "clothes"):
        return word
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "xes", "sses")):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


# Romanised Hindi product words as shoppers type them ("kurte dikhao", "kitabein").
ROMANISED_PRODUCT_WORDS = {
    "kurte": "kurta", "kurtey": "kurta", "kurton": "kurta", "kurtiyan": "kurti", "kurtiya": "kurti", "sadi": "saree",
    "saadi": "saree", "sadiyan": "saree", "joote": "shoe", "jute": "shoe", "joota": "shoe", "chappalein": "slipper",
    "kitab": "book", "kitaab": "book", "kitabein": "book", "kitaben": "book", "kitabe": "book", "ghadi": "watch",
    "ghadiyan": "watch", "pustak": "book", "pustake": "book",
}


def translate(token: str) -> str | None:
    """The English word for an Indic or romanised Hindi product word, if known."""
    if token.isascii():
        # Romanised spellings double their vowels at will: kitaabein, kitabein.
        return ROMANISED_PRODUCT_WORDS.get(token) or ROMANISED_PRODUCT_WORDS.get(
            token.replace("aa", "a").replace("ee", "i").replace("oo", "u"))
    for stem, english in INDIC_PRODUCT_WORDS:
        if token.startswith(stem):
            return english
    return None


def category_of(words: list[str]) -> str | None:
    for word in words:
        for category, members in CATEGORIES.items():
            if word in members:
                return category
    return None
