"""Which of en, hi, bn, mr a typed or transcribed turn is in: script first, then keywords.

Devanagari is shared by Hindi and Marathi and Latin script carries romanised Hindi, so those
two cases are settled by counting marker words. Text with nothing to go on (digits, "ok",
an order number) keeps the conversation's language: `default`.
"""

from __future__ import annotations

import re

from .numbers import DIGIT_WORDS, fold

_MARATHI = {fold(w) for w in """
आहे आहेत आहात आहेस माझा माझी माझे माझं माझ्या मला तुम्ही तुमची तुमचा तुमचे तू कुठे कधी काय
करायचा करायची करायचे करायचं करा करून नाही नको आणि पाहिजे झाला झाले झाली हवा हवी हवे हवंय
दाखवा सांगा येईल मिळेल बद्दल पेक्षा मध्ये आत द्या बोलायचे बोलायचं बोलणे कसे कसा कशी
किती अजून आली आला होय बरं बरोबर तक्रार नोंदवायची परत किमतीचे रुपयांच्या कोण हवामान विनोद
खूप आभार भेटू नंतर ऑर्डरची चे ची चा च्या ला शेवटचे अंक तपशील धोरण वस्तू तुटलेली राहू
""".split()}

_HINDI = {fold(w) for w in """
है हैं हूँ हूं था थी थे मेरा मेरी मेरे मुझे मैं कहाँ कहां कब क्या चाहिए नहीं कीजिए दीजिए
करो करना करनी करवाइए बताओ बताइए बताएं दिखाओ दिखाइए आप आपका आपकी आपके तुम के की का में से
को कैसे कैसा कैसी वापस इंसान बात गए गया गई रहने आएगा आएगी मिलेगा मिलेगी बहुत शुक्रिया
अपना अपने अपनी यह ये और किसी कोई हुआ हुई पास अंदर कम ज़्यादा ज्यादा सकते सकता दो बार
पैसे खाते आखिरी पिछले शिकायत मौसम चुटकुला सुनाओ अलविदा इतना बस
""".split()}

_HINGLISH = set("""
mera meri mere mujhe mujhko kahan kahaan kaha kab hai hain chahiye chahie karna karni karo
kar karwao karao nahi nahin nai batao bataiye bataye kitne kitna kitni kya dikhao dikhaiye
aayega ayega aayegi milega milegi kaise kaisa kaun haan han ji theek thik accha acha achha
yaar bhai se ke ki mein wala wali wale paise paisa baar kat gaye gaya rehne shukriya
dhanyavad dhanyawad namaste namaskar baat sasta sasti andar aaj jeeta galat aaya aayi ye yeh
hoga kal abhi bhi toh raha rahi liya diya lena dena wapas zyada jyada tak aur ko apna apne
hua hui tha thi kuch koi bolo bol
""".split())

_WORD = re.compile(r"[a-z\u0900-\u097f\u0980-\u09ff]+")
_CODE = re.compile(r"^(?:ord|ret|sku|[a-z])$")


def _count(regex: str, text: str) -> int:
    return len(re.findall(regex, text))


def detect_language(text: str, default: str = "en") -> str:
    t = fold(text)
    bengali = _count(r"[\u0980-\u09ff]", t)
    devanagari = _count(r"[\u0900-\u097f]", t)
    if bengali and bengali >= devanagari:
        return "bn"
    words = _WORD.findall(t)
    if devanagari:
        mr = sum(w in _MARATHI for w in words)
        hi = sum(w in _HINDI for w in words)
        if mr > hi:
            return "mr"
        if hi > mr:
            return "hi"
        return default if default in ("hi", "mr") else "hi"
    # Digits said as words ("nau aath saat", "nine eight seven") belong to no language of their own.
    latin = [w for w in words if w.isascii() and not _CODE.match(w) and w not in DIGIT_WORDS]
    hinglish = sum(w in _HINGLISH for w in latin)
    if hinglish >= 2 or (hinglish == 1 and len(latin) <= 4):
        return "hi"
    if len(latin) < 2:
        return default
    return "en"
