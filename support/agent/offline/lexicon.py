"""Words and phrases the offline NLU listens for, in English, Hindi (Devanagari and romanised),
Bengali and Marathi.

Patterns use a tiny notation so they stay readable: `<` is a word start and `>` a word end in
any of the scripts (Indic words take suffixes, so most Indic stems have no `>`). Everything is
folded like the input (see numbers.normalise) before compiling.
"""

from __future__ import annotations

import re

from .numbers import END, START, fold, fold_script, normalise


def rx(*alternatives: str) -> re.Pattern:
    body = "|".join(fold_script(a).replace("<", START).replace(">", END) for a in alternatives)
    return re.compile(f"(?:{body})")


ORDER_WORD = r"(?:<orders?>|<ordar|<ऑर्डर|<आर्डर|<ओर्डर|<অর্ডার|<parcel|<package|<पार्सल|<পার্সেল|<shipment)"

HANDOFF = rx(
    r"<(talk|speak|connect|transfer|chat)\w* (to|with|me to|me with) (a |an |the |some |your )?(real |live )?"
    r"(human|person|agent|representative|executive|someone|somebody|manager|supervisor|senior|"
    r"customer (care|support|service))",
    r"<(human|real person|live agent|representative)> (please|now)?$", r"^(human|agent)$",
    r"<(insaan|insan|agent|executive|aadmi|customer care)> (se )?baat",
    r"(इंसान|व्यक्ति|एजेंट|आदमी|कस्टमर केयर|प्रतिनिधि)\S* से बात",
    r"(মানুষ|এজেন্ট|কাস্টমার কেয়ার|প্রতিনিধি|ম্যানেজার)\S* (সাথে|সঙ্গে) কথা",
    r"(माणसा|माणूस|एजंट|कस्टमर केअर|प्रतिनिधी|मॅनेजर|व्यवस्थापक)\S* (शी )?बोल", r"(माणसा|एजंट|मॅनेजर)\S*शी",
    r"(मैनेजर|मॅनेजर|मेनेजर)\S* से बात", r"<(manager|supervisor) se baat",
)

COMPLAINT_BILLING = rx(
    r"<(charged|deducted|debited|billed) (twice|two times|double|extra|more)",
    r"<(double|twice|extra|over) ?charg", r"<(money|amount|payment)\S* (was |got |has been )?(deducted|debited|cut)",
    r"<(deducted|debited)>", r"<refund\S* (for|of|on) (my |the )?(last |previous )?(bill|invoice|charge|payment)",
    r"<bill\S* (is )?wrong", r"<wrong (bill|amount|charge)", r"<(paise|paisa|amount) (do baar |double )?(kat|cut)",
    r"<do baar (paise|payment|charge)", r"पैसे (कट|काट)", r"दो बार (पैसे|पेमेंट|चार्ज)", r"बिल\S* (का|की) रिफंड",
    r"(টাকা|পয়সা) (কেটে|কাটা)", r"(দুবার|দুইবার|দু'বার) (টাকা|পেমেন্ট)", r"বিল\S* রিফান্ড",
    r"पैसे (कापले|कापून|कट)", r"दोनदा (पैसे|पेमेंट)", r"बिला\S* रिफंड",
)
COMPLAINT_DELIVERY = rx(
    r"<(delivery|courier) ?(guy|boy|man|person|agent|executive)\S* (was |is )?(very |so |really )?(rude|misbehav|abusive)",
    r"<marked (as )?delivered but", r"डिलीवरी (बॉय|वाला)\S* (ने )?(बदतमीज|गाली)", r"ডেলিভারি বয়\S* খারাপ",
)
COMPLAINT_GENERAL = rx(
    r"<complain", r"<(file|raise|register|lodge) (a )?(complaint|ticket)", r"<shikayat", r"शिकायत",
    r"অভিযোগ", r"तक्रार",
)

POLICY_WORD = rx(r"<polic", r"<niti>", r"<niyam", r"<rules?>", r"<terms>", r"नीति", r"नियम", r"पॉलिसी", r"पालिसी",
                 r"পলিসি", r"নীতি", r"নিয়ম", r"धोरण")
POLICY_KINDS = [
    ("cancellation", rx(r"<cancel", r"कैंसिल", r"कैंसल", r"रद्द", r"বাতিল", r"ক্যানসেল", r"कॅन्सल")),
    ("refunds", rx(r"<refund", r"रिफंड", r"রিফান্ড", r"परतावा")),
    ("returns", rx(r"<return", r"<exchange", r"रिटर्न", r"वापसी", r"রিটার্ন", r"ফেরত", r"परत")),
    ("shipping", rx(r"<shipping", r"<delivery", r"शिपिंग", r"डिलीवरी", r"শিপিং", r"ডেলিভারি", r"डिलिव्हरी")),
    ("warranty", rx(r"<warrant", r"<guarantee", r"वारंटी", r"गारंटी", r"ওয়ারেন্টি", r"গ্যারান্টি", r"वॉरंटी")),
    ("privacy", rx(r"<privacy", r"<personal (data|information|info)", r"<my data", r"गोपनीयता", r"डेटा",
                   r"গোপনীয়তা", r"ডেটা")),
]
# Policies asked about without the word "policy".
POLICY_IMPLICIT = [
    ("warranty", rx(r"<warrant", r"<guarantee", r"वारंटी", r"ওয়ারেন্টি", r"वॉरंटी")),
    ("privacy", rx(r"<privacy", r"<(personal|my) (data|information)", r"गोपनीयता", r"গোপনীয়তা")),
    ("returns", rx(r"<how (many|long|much time)\S* (days )?(do i have |have i got |can i )?(to )?return",
                   r"<return (window|period)", r"<within how many days", r"<kitne din (me|mein|tak) return",
                   r"कितने दिन\S* (में )?(रिटर्न|वापस)", r"কত দিন\S* (মধ্যে )?(ফেরত|রিটার্ন)",
                   r"किती दिवसा\S* (परत|रिटर्न)")),
]

STATUS_WORDS = rx(
    r"<status", r"<where", r"<when>", r"<picked up", r"<pick ?up", r"<(been |got )?processed", r"<update",
    r"<kab>", r"<kya hua", r"<mila nahi", r"<kahan",
    r"स्टेटस", r"कहां", r"कब>", r"क्या हुआ", r"मिला नहीं", r"मिलेगा", r"স্ট্যাটাস", r"কোথায়", r"কবে",
    r"কী অবস্থা", r"কি অবস্থা", r"অবস্থা", r"পাব>", r"পাইনি", r"कुठे", r"कधी", r"काय झाले", r"काय झालं",
    r"मिळेल", r"मिळाला नाही",
)
# "I want my money back": about a refund, not about sending the parcel back.
MONEY_BACK = rx(r"<money back", r"<paise? wapas", r"<paisa wapas", r"पैस\S* वापस", r"টাকা ফেরত", r"पैसे परत")
RETURN_WORD = rx(r"<returns?>", r"<returned", r"<refund", r"रिटर्न", r"रिफंड", r"वापसी", r"রিটার্ন", r"রিফান্ড",
                 r"ফেরত", r"परतावा", r"<return>", r"<money back")

CANCEL = rx(r"<cancel", r"<radd", r"कैंसिल", r"कैंसल", r"कॅन्सल", r"कॅन्सेल", r"रद्द", r"বাতিল", r"ক্যানসেল",
            r"ক্যান্সেল")
RETURN_ACTION = rx(
    r"<return", r"<send (it |this |them )?back", r"<wapas", r"<vapas", r"<exchange", r"<replace",
    r"<(received|got|get) (a |an |the |my )?(\w+ )?(broken|damaged|defective|wrong|torn)",
    r"वापस", r"रिटर्न", r"लौटा", r"ফেরত", r"রিটার্ন", r"परत", r"रिटर्न",
)
RETURN_REASONS = [
    ("wrong_item", rx(r"<wrong (item|product|thing|colou?r|size item)", r"<different (item|product)",
                      r"<galat", r"गलत", r"ভুল", r"चुकीच")),
    ("damaged", rx(r"<damage", r"<broken", r"<defective", r"<not working", r"<torn", r"<kharab", r"<toot", r"<tut",
                   r"टूट", r"खराब", r"फटा", r"ভাঙা", r"ভেঙে", r"নষ্ট", r"খারাপ", r"छेंड", r"तुटल", r"फुटल", r"फाटल")),
    ("size_fit", rx(r"<size", r"<fit", r"<too (small|big|tight|loose)", r"साइज", r"साईज", r"छोटा", r"ढीला",
                    r"সাইজ", r"মাপ", r"ছোট", r"লहान", r"लहान", r"मोठा")),
    ("not_as_described", rx(r"<not as (described|shown|pictured)", r"<(different|differs) from (the )?(picture|photo|description)",
                            r"फोटो जैसा नहीं", r"ছবির মতো নয়", r"ছবির মতো না")),
    ("changed_mind", rx(r"<changed? my mind", r"<(don'?t|do not|no longer) (want|need|like)", r"पसंद नहीं",
                        r"नहीं चाहिए", r"ভালো লাগেনি", r"লাগবে না", r"आवडल\S* नाही", r"नको आहे")),
]

ORDER_DETAILS = rx(
    r"<details?>", r"<what did i (order|buy)", r"<what (is|was|'s) in (my |the )?order", r"<which items",
    r"<items? (in|of)", r"<how much did i pay", r"<(order )?total", r"<kya kya", r"<kitne ka tha",
    r"डिटेल", r"विवरण", r"क्या क्या", r"কী কী", r"কি কি", r"বিস্তারিত", r"তথ্য", r"तपशील", r"काय काय",
)
TRACK = rx(
    r"<where", r"<track", r"<status", r"<when (will|would|does|is)", r"<arriv", r"<deliver(ed|y date)?>",
    r"<shipped", r"<dispatch", r"<check (on|up on)?", r"<(know|update) about", r"<nahi aaya", r"<nahi mila",
    r"<abhi tak", r"<(not|n'?t) (arrived|received|come|delivered|reached)", r"<not yet",
    r"<still waiting", r"<kahan", r"<kab", r"<aaya nahi", r"<pahunch",
    r"कहां", r"कब", r"ट्रैक", r"स्टेटस", r"पहुंच", r"आया नहीं", r"नहीं आया", r"आएगा", r"कोथाय",
    r"কোথায়", r"কবে", r"ট্র্যাক", r"স্ট্যাটাস", r"আসেনি", r"আসবে", r"পৌঁছ", r"কুঠে",
    r"कुठे", r"कधी", r"ट्रॅक", r"स्टेटस", r"आली नाही", r"आला नाही", r"येईल", r"पोहोच",
)

PRODUCT_DETAILS = rx(
    r"<(tell me )?more about", r"<specs?>", r"<specifications?", r"<features", r"<in stock", r"<available in",
    r"<details (of|about|for)", r"<price of", r"<how much (is|does) (the|this|that)", r"<(is|are) .* available",
    r"के बारे में", r"कीमत", r"सম্পর্কে", r"সম্পর্কে", r"দাম কত", r"बद्दल", r"किंमत", r"स्टॉक",
)
ORDINALS = [
    (1, rx(r"<first", r"<1st>", r"पहला", r"पहले", r"पहली", r"প্রথম", r"पहिला", r"पहिली")),
    (2, rx(r"<second", r"<2nd>", r"दूसरा", r"दूसरी", r"দ্বিতীয়", r"दुसरा", r"दुसरी")),
    (3, rx(r"<third", r"<3rd>", r"तीसरा", r"तीसरी", r"তৃতীয়", r"तिसरा", r"तिसरी")),
]

FAQ = rx(
    r"<cash on delivery", r"<cod>", r"<payment (method|option|mode)", r"<(pay|paying) (by|with|using|via)",
    r"<(how|can) (do |can )?i pay", r"<upi>", r"<emi>", r"<net ?banking", r"<credit card", r"<debit card",
    r"<(change|update|edit) (my |the )?(delivery |shipping )?address", r"<address",
    r"<how long (does|will) (the )?(delivery|shipping)", r"<delivery (charge|fee|time)", r"<shipping (charge|fee|cost)",
    r"<free (delivery|shipping)", r"<how much (is|for|does) (the )?(shipping|delivery)", r"<coupon", r"<promo ?code", r"<discount code", r"<invoice", r"<gift ?wrap",
    r"<password", r"<log ?in>", r"<account", r"<pin ?code", r"<do you deliver", r"<exchange",
    r"कैश ऑन डिलीवरी", r"सीओडी", r"पेमेंट", r"भुगतान", r"पता", r"डिलीवरी चार्ज", r"कूपन", r"पासवर्ड",
    r"ক্যাশ অন ডেলিভারি", r"পেমেন্ট", r"ঠিকানা", r"ডেলিভারি চার্জ", r"কুপন", r"পাসওয়ার্ড",
    r"कॅश ऑन डिलिव्हरी", r"पत्ता", r"डिलिव्हरी शुल्क", r"कूपन",
)

SEARCH = rx(
    r"<show", r"<do you (have|sell|stock|carry)", r"<have you got", r"<looking for", r"<search", r"<find",
    r"<(want|like|need) to buy", r"<buy>", r"<i (want|need) (a|an|some)>", r"<any (good )?\w+ (under|below|between|above)",
    r"<dikhao", r"<dikhaiye", r"<dikha do", r"<chahiye", r"<hai kya", r"<milega",
    r"दिखा", r"चाहिए", r"आपके पास", r"है क्या", r"हैं क्या", r"খুঁজ", r"দেখা", r"দেখান", r"চাই>", r"আছে",
    r"दाखवा", r"हवा>", r"हवी>", r"हवे>", r"हवंय", r"आहेत का", r"आहे का", r"मिळेल का",
)

SMALLTALK = rx(
    r"<how are you", r"<how('s| is) it going", r"<who are you", r"<who am i (talking|speaking)", r"<who is this",
    r"<are you (a )?(robot|bot|human|machine|real|ai)", r"<who (made|built|created) you", r"<what are you>", r"<what('s| is) your name", r"<what can you do",
    r"<kaise ho", r"<kaise hain", r"<kaun ho", r"<kon ho", r"<tum kaun", r"<aap kaun",
    r"कैसे हो", r"कैसे हैं", r"कौन हो", r"कौन हैं", r"তুমি কে", r"আপনি কে", r"কেমন আছ", r"তোমার নাম",
    r"कसे आहात", r"कसा आहेस", r"कशी आहेस", r"कोण आहेस", r"कोण आहात",
)
GOODBYE = rx(r"<bye", r"<good ?bye", r"<see you", r"<good night", r"<alvida", r"अलविदा", r"बाय", r"বিদায়", r"বাই>",
             r"निरोप", r"भेटू")
THANKS = rx(r"<thank", r"<thx>", r"<shukriya", r"<dhanyava", r"धन्यवाद", r"शुक्रिया", r"ধন্যবাদ", r"আভার", r"आभार")
GREET = rx(r"^(hi|hii+|hello|hey|hola|yo)>", r"<(hi|hello|hey) there", r"<good (morning|afternoon|evening)",
           r"<namaste", r"<namaskar", r"<hello>", r"नमस्ते", r"नमस्कार", r"हैलो", r"हेलो", r"हॅलो", r"नमस्कार",
           r"নমস্কার", r"হ্যালো", r"হেলো", r"আদাব", r"প্রণাম", r"<hi>")

AFFIRM_LEAD = (r"yes|yeah|yep|yup|ya|sure|ok|okay|okey|correct|right|confirm|confirmed|absolutely|of course|please do|"
               r"do it|go ahead|haan|han|ha|haa|ji haan|haan ji|theek hai|thik hai|ok hai|accha|acha|achha|bilkul|"
               r"हां|हाँ|हा|जी हां|हां जी|जी|ठीक है|बिल्कुल|हो|होय|हो ना|ठीक आहे|बरं|चालेल|"
               r"হ্যাঁ|হ্যা|হাঁ|হা|ঠিক আছে|আচ্ছা|অবশ্যই|হ্যাঁ হ্যাঁ")
AFFIRM_TAIL = (r"please|go|ahead|do|it|that|yes|sure|confirm|cancel|return|proceed|kar|karo|kijiye|dijiye|do|"
               r"ji|जी|कर|करो|दो|दीजिए|कीजिए|करें|करा|द्या|करून|করে|দিন|দাও|করুন|হ্যাঁ|please|now")
DENY_LEAD = (r"no|nope|nah|not now|don't|do not|dont|never mind|nevermind|cancel that|nahi|nahin|nai|na|mat|"
             r"नहीं|ना|नही|मत|नाही|नको|না|নাহ|থাক|রাখুন")
DENY_TAIL = (r"wait|stop|please|thanks|thank you|don't|dont|do not|cancel|return|it|that|do|now|leave|keep|rehne|do|"
             r"karo|mat|rehne do|रहने|दो|दीजिए|मत|करो|रहने दो|राहू|द्या|दे|করবেন|করো|না|থাক|দরকার|নেই|"
             r"ठीक|है|thanks")
DENY_PHRASES = rx(r"<(don'?t|do not) (cancel|return|do)", r"<mat (karo|kijiye)", r"मत (करो|कीजिए)", r"रहने दो",
                  r"<rehne do", r"থাক>", r"করবেন না", r"করো না", r"नका>", r"राहू द्या", r"नको>", r"দরকার নেই",
                  r"<zarurat nahi", r"ज़रूरत नहीं", r"जरूरत नहीं")

# Words in a turn that only carries an order/return/phone number ("my order number is 1042").
PROVIDE_FILLER = {fold(w) for w in """
my the is its it's it this that order number no num id phone mobile return last four digits digit are
ending ends with in here and of okay ok sure yes yeah registered contact cell please
mera meri mere hai number tha
मेरा मेरी मेरे नंबर है हैं आखिरी चार अंक मोबाइल फोन ऑर्डर रिटर्न यह ये का की
আমার নম্বর নাম্বার শেষ চারটে চারটি চার সংখ্যা অঙ্ক ডিজিট ফোন মোবাইল অর্ডার রিটার্ন এটা হল
माझा माझी माझे नंबर आहे आहेत शेवटचे चार अंक मोबाईल फोन ऑर्डर रिटर्न हा
""".split()}


# Listener sounds said while the assistant speaks: they mean "go on", never "stop". Whole
# utterances only (an "okay" followed by a request is a request).
BACKCHANNEL = rx(
    r"^(([mh]+([- ]?[mh]+)*|mhm|uh[ -]?huh|ok(ay)?|yeah|yes|yep|right|sure|i see|got it|alright|go on|"
    r"haa?n|haan ji|ji|ji haan|acc?ha|achha|thik hai|theek hai|"
    r"हम्म|हम|हाँ|हां|हाँ जी|जी|जी हाँ|अच्छा|ठीक है|ओके|"
    r"হুঁ|হুম|হ্যাঁ|আচ্ছা|ঠিক আছে|ওকে|"
    r"हो|बरं|ठीक आहे|ओके)[ ,.!?।]*)+$",
)
# Short words that do mean "stop talking", whatever follows.
STOP_TALKING = rx(
    r"<(stop|wait|hold on|hang on|no|nope|pause|enough|one (second|sec|minute))>",
    r"<(ruko|ruk jao|bas|nahi|nahin|mat)>", r"रुको", r"रुकिए", r"<बस>", r"नहीं", r"<मत>",
    r"থামুন", r"থামো", r"দাঁড়ান", r"<না>", r"थांबा", r"थांब", r"<नको>", r"<नाही>",
)


def is_backchannel(text: str) -> bool:
    """Whether `text` is only listener sounds ("hmm", "okay", "haan ji", "হুঁ"), in any of the languages."""
    return bool(BACKCHANNEL.match(normalise(text)))


def interrupts_speaker(text: str) -> bool:
    """Whether a short utterance said over the assistant asks it to stop: a stop word ("stop",
    "ruko", "থামুন", "नको"), or a request of three words or more. Anything shorter is taken as
    listening; a misheard hum ("Damn.", "Han Jai") must not cut the answer off."""
    folded = normalise(text)
    if STOP_TALKING.search(folded):
        return True
    return len(folded.split()) >= 3 and not BACKCHANNEL.match(folded)
