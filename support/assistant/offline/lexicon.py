"""Words and phrases the offline NLU listens for, in English, Hindi (Devanagari and romanised),
Bengali and Marathi.

Patterns use a tiny notation so they stay readable: `<` is a word start and `>` a word end in
any of the scripts (Indic words take suffixes, so most Indic stems have no `>`). Everything is
folded like the input (see numbers.normalise) before compiling.
"""

from __future__ import annotations

import re

from .numbers import END, START, fold, fold_script


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
    r"<(get|give|put) me (through to )?(a |an |the )?(real |live )?(human|person|agent|executive|representative|customer care)",
    r"<(connect|transfer) me>", r"<customer (care|support|service) (executive|agent|person|team)",
    r"<(insaan|insan|agent|customer care|manager)\S* se (baat|jod)",
    r"(इंसान|व्यक्ति|एजेंट|कस्टमर केयर|मैनेजर)\S* से (जोड|बात)", r"(এজেন্ট|মানুষ|ম্যানেজার)\S* (সাথে|সঙ্গে) (যোগাযোগ|কথা)",
    r"কাস্টমার কেয়ার\S* (সাথে|সঙ্গে)", r"(एजंट|माणसा|मॅनेजर|कस्टमर केअर)\S*शी (जोड|बोल)", r"बोलणे करून द्या",
    r"<(give|put) me (to |through to )?(an? |the )?(agent|human|person|manager|executive)",
    r"(কাস্টমার কেয়ার|এজেন্ট|ম্যানেজার|মানুষ)\S* (দিন|ডাকুন|চাই)", r"(एजेंट|मैनेजर|कस्टमर केयर)\S* (दीजिए|बुलाइए|बुलाओ)",
    r"(एजंट|मॅनेजर|कस्टमर केअर)\S* (द्या|बोलवा)", r"<(agent|manager|customer care) (do|dijiye|bulao)",
    r"(कस्टमर केअर|कस्टमर केयर|কাস্টমার কেয়ার)\S* (फोन|कॉल|ফোন)", r"<call (the )?(customer care|an agent|a human|a person)",
)

COMPLAINT_BILLING = rx(
    r"<(payment|paise|money|amount)\S* (twice|two times|do baar|double)", r"(पैसे|पेमेंट)\S* (दोनदा|दोन वेळा|दो बार)",
    r"(দুবার|দুইবার|দু'বার) (টাকা|পেমেন্ট)", r"(টাকা|পেমেন্ট)\S* (দুবার|দুইবার)", r"(दोन वेळा|दोनदा) (पैसे|पेमेंट)",
    r"पैसे गेले", r"(ज्यादा|ज़्यादा|ज्यादा) पैसे (कट|काट)", r"<(extra|more) (money|amount) (deducted|charged|cut)",
    r"(डबल|दो बार) (पेमेंट|चार्ज)", r"<double (payment|charge)", r"ডাবল (পেমেন্ট|চার্জ)", r"(दो बार का|दो बार) चार्ज",
    r"पैसे कट गए (लेकिन|पर)", r"<paise kat gaye (lekin|par|but)",
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
    r"डिलीवरी (बॉय|वाल)\S*( ने)?( \S+){0,3} (बदतमीज|गाली|बुरा|बेकार|रूड)", r"(बुरा|खराब) (बर्ताव|व्यवहार)",
    r"<delivery (boy|wala|guy|person)\S*( ne)?( \S+){0,3} (badtameez|rude|bura|gali|abus)", r"<(rude|misbehav)",
    r"ডেলিভারি (বয়|ম্যান)\S*( \S+){0,3} (খারাপ|অভদ্র)", r"(খারাপ|অভদ্র) ব্যবহার",
    r"डिलिव्हरी (बॉय|करणार)\S*( \S+){0,3} (उद्धट|वाईट)", r"उद्धट",
)
COMPLAINT_GENERAL = rx(
    r"<complain", r"<(file|raise|register|lodge) (a )?(complaint|ticket)", r"<shikayat", r"शिकायत", r"कंप्लेंट",
    r"कम्प्लेंट", r"কমপ্লেইন", r"কমপ্লেন",
    r"অভিযোগ", r"तक्रार",
)

POLICY_WORD = rx(r"<polic", r"<niti>", r"<niyam", r"<rules?>", r"<terms>", r"नीति", r"नियम", r"पॉलिसी", r"पालिसी",
                 r"পলিসি", r"নীতি", r"নিয়ম", r"धोरण")
POLICY_KINDS = [
    ("cancellation", rx(r"<cancel", r"कैंसिल", r"कैंसल", r"रद्द", r"বাতিল", r"ক্যানসেল", r"कॅन्सल")),
    ("refunds", rx(r"<refund", r"रिफंड", r"রিফান্ড")),
    ("returns", rx(r"<return", r"<exchange", r"रिटर्न", r"वापसी", r"রিটার্ন", r"ফেরত", r"परत")),
    ("shipping", rx(r"<shipping", r"<delivery", r"शिपिंग", r"डिलीवरी", r"শিপিং", r"ডেলিভারি", r"डिलिव्हरी")),
    ("warranty", rx(r"<warrant", r"<guarantee", r"वारंटी", r"गारंटी", r"ওয়ারেন্টি", r"গ্যারান্টি", r"वॉरंटी")),
    ("privacy", rx(r"<privacy", r"<personal (data|information|info)", r"<my data", r"गोपनीयता", r"डेटा",
                   r"গোপনীয়তা", r"ডেটা")),
]
# Policies asked about without the word "policy".
POLICY_IMPLICIT = [
    ("warranty", rx(r"<warrant", r"<guarantee", r"वारंटी", r"गारंटी", r"ওয়ারেন্টি", r"গ্যারান্টি", r"वॉरंटी", r"हमी")),
    ("privacy", rx(r"<privacy", r"<(personal|my) (data|information)", r"गोपनीयता", r"গোপনীয়তা")),
    ("returns", rx(r"<how (many|long|much time)\S* (days )?(do i have |have i got |can i )?(to )?return",
                   r"<return (window|period)", r"<within how many days", r"<kitne din (me|mein|tak) return",
                   r"कितने दिन\S*( \S+){0,3} (रिटर्न|वापस|लौटा)", r"কত ?দিন\S*( \S+){0,3} (ফেরত|রিটার্ন)",
                   r"किती दिवसा\S*( \S+){0,3} (परत|रिटर्न)", r"<return\S* kitne din", r"<kitne din\S*( \S+){0,3} (return|wapas)",
                   r"(रिटर्न|वापस)\S* कितने दिन", r"(ফেরত|রিটার্ন)\S*( \S+){0,2} কত ?দিন", r"(परत|रिटर्न)\S*( \S+){0,2} किती दिवस",
                   r"<how (many days|long)\S*( \S+){0,4} return")),
]

STATUS_WORDS = rx(
    r"<status", r"<where", r"<when>", r"<picked up", r"<pick ?up", r"<(been |got )?processed", r"<update",
    r"<kab>", r"<kya hua", r"<mila nahi", r"<kahan",
    r"स्टेटस", r"कहां", r"कब>", r"क्या हुआ", r"मिला नहीं", r"मिलेगा", r"স্ট্যাটাস", r"কোথায়", r"কবে",
    r"কী অবস্থা", r"কি অবস্থা", r"অবস্থা", r"পাব>", r"পাইনি", r"कुठे", r"कधी", r"काय झाले", r"काय झालं",
    r"मिळेल", r"मिळाला नाही",
    r"<approv", r"<(hua|hui|hue) (ya|kya|ki)", r"(हुआ|हुई) (या|क्या|कि)", r"অনুমোদ", r"(ফেরত|টাকা) এসেছে", r"মঞ্জুর",
    r"मंजूर", r"परत आले", r"झाला का", r"झाले का",
    r"<happen", r"<news>", r"जानकारी", r"स्थिति", r"স্থিতি", r"আপডেট", r"খবর", r"माहिती", r"स्थिती", r"कुठपर्यंत",
    r"पिकअप", r"পিকআপ", r"হয়েছে কি", r"হল কি", r"हुआ क्या", r"<hua kya",
)
# "How do I get my money back?": a question about the rules, not about one order.
HOW_QUESTION = rx(r"<how>", r"<kaise", r"कैसे", r"কীভাবে", r"কিভাবে", r"कसे>", r"कसा>", r"कशी>")
# "I want my money back": about a refund, not about sending the parcel back.
MONEY_BACK = rx(r"<money back", r"<paise? wapas", r"<paisa wapas", r"पैस\S* वापस", r"টাকা ফেরত", r"पैसे परत")
RETURN_WORD = rx(r"<returns?>", r"<returned", r"<refund", r"रिटर्न", r"रिफंड", r"वापसी", r"রিটার্ন", r"রিফান্ড",
                 r"ফেরত", r"परतावा", r"<return>", r"<money back")

CANCEL = rx(r"<cancel", r"<radd", r"कैंसिल", r"कैंसल", r"कॅन्सल", r"कॅन्सेल", r"रद्द", r"বাতিল", r"ক্যানসেল",
            r"ক্যান্সেল")
RETURN_ACTION = rx(
    r"<return", r"<send (it |this |them )?back", r"<wapas", r"<vapas", r"<lauta", r"<exchange", r"<replace",
    r"<(received|got|get) (a |an |the |my )?(\w+ )?(broken|damaged|defective|wrong|torn)",
    r"वापस", r"रिटर्न", r"लौटा", r"ফেরত", r"রিটার্ন", r"परत", r"रिटर्न",
)
RETURN_REASONS = [
    ("wrong_item", rx(r"<wrong (item|product|thing|colou?r|size item)", r"<different (item|product)",
                      r"<galat", r"गलत", r"ভুল", r"चुकीच")),
    ("damaged", rx(r"<damage", r"<broken", r"<defective", r"<not working", r"<torn", r"<kharab", r"<toot", r"<tut",
                   r"डैमेज", r"डॅमेज", r"ড্যামেজ", r"ক্ষতিগ্রস্ত", r"फाटलेल", r"<fat(i|a|e) hu", r"<phat", r"फटी",
                   r"<toot(a|i|e)", r"<leak", r"लीक",
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
    r"<update", r"খবর", r"অবস্থা", r"काय झाल", r"स्थिती", r"स्थिति", r"कुठपर्यंत", r"कुठवर", r"कहां तक",
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

# --- added for task success (support/assistant/evals) --------------------------------------------------

# Product features whose words are action words: "noise-cancelling earbuds" is a product, not a
# cancellation. Blanked before the intent is read, and kept for the product query.
FEATURES = [
    ("noise cancelling", rx(r"<noise[ -]?(cancell?\S*|canceling|isolation)", r"<active noise", r"<anc>",
                            r"नॉइज ?(कैंस\S*|कैंसि\S*|कॅन्स\S*|कॅन्से\S*|कॅंस\S*)", r"नोइज ?(कैंस\S*|कॅन्स\S*)",
                            r"নয়েজ ?(ক্যান্স\S*|ক্যানস\S*|ক্যান্সে\S*)")),
]

# "How long / when / how many days": a question about time, not about one order.
TIME_QUESTION = rx(
    r"<how (long|many days|much time|soon|quickly|fast)", r"<when>", r"<by when", r"<within how many",
    r"<kitne (din|dino)", r"<kitna (time|samay|waqt)", r"<kab>", r"<kab tak",
    r"कितने (दिन|समय)", r"कितना (समय|टाइम|वक्त)", r"कब>", r"कब तक",
    r"কত ?দিন", r"কত (সময়|তাড়াতাড়ি)", r"কবে", r"কতক্ষণ",
    r"किती (दिवस|वेळ|लवकर)", r"कधी", r"कधीपर्यंत",
)
REFUND_WORD = rx(r"<refund", r"<money back", r"<paise?( \S+){0,3} (wapas|vapas)", r"<paisa( \S+){0,3} (wapas|vapas)",
                 r"<paise kab", r"रिफंड", r"पैस\S*( \S+){0,4} (वापस|लौट)", r"রিফান্ড", r"টাকা\S*( \S+){0,3} (ফেরত|পাব|আসবে)",
                 r"पैसे\S*( \S+){0,4} (परत|कधी)", r"परतावा")
DELIVERY_WORD = rx(r"<deliver", r"<shipping", r"<ship>", r"<arriv", r"<reach", r"<get (it|my order)",
                   r"डिलीवरी", r"शिपिंग", r"पहुंच", r"आएगा", r"ডেলিভারি", r"শিপিং", r"আসবে", r"পৌঁছ", r"আসতে",
                   r"डिलिव्हरी", r"शिपिंग", r"येईल", r"पोहोच", r"मिळेल")
# "my order", "mera order": the shopper means one order of theirs, not the shop's rules.
MY_ORDER = rx(r"<my (order|parcel|package)", r"<mera (order|parcel)", r"मेरा (ऑर्डर|पार्सल)", r"मेरे (ऑर्डर|पार्सल)",
              r"আমার (অর্ডার|পার্সেল)", r"माझ\S* (ऑर्डर|पार्सल)")

# FAQ topics, each with a query in the shop's own FAQ words: FAQ tags are shared by every language's
# translation, so one query finds the right answer in all four.
FAQ_TOPICS = [
    ("cod cash on delivery", rx(
        r"<cash on delivery", r"<cod>", r"<pay (in |by |with )?cash", r"<(pay|paying) .{0,25}(when|on|at) (the )?(delivery|door|arriv)",
        r"<cash (when|at|on|pe|par) ", r"<(saman|parcel|delivery) (aane )?(pe|par) (cash|paise)", r"<aane par paise",
        r"कैश ऑन डिलीवरी", r"सीओडी", r"नकद", r"नगद", r"आने पर (पैसे|भुगतान)", r"डिलीवरी (पे|पर) (कैश|पैसे|नकद)",
        r"ক্যাশ অন ডেলিভারি", r"নগদ", r"হাতে পেয়ে (টাকা|দাম)", r"ডেলিভারির সময় (টাকা|দাম|নগদ)",
        r"कॅश ऑन डिलिव्हरी", r"रोख", r"मिळाल्यावर पैसे")),
    ("payment methods upi card emi", rx(
        r"<payment (method|option|mode)", r"<(pay|paying) (by|with|using|via|through)", r"<how (can|do|should) i pay",
        r"<upi>", r"<emi>", r"<net ?banking", r"<credit card", r"<debit card", r"<card (chalega|works|accepted)",
        r"<payment (kaise|kese)", r"पेमेंट", r"भुगतान", r"कार्ड चलेगा", r"ईएमआई", r"পেমেন্ট", r"কার্ড", r"पेमेंट पद्धत")),
    ("delivery charges shipping fee free delivery", rx(
        r"<(delivery|shipping) (charge|fee|cost)", r"<free (delivery|shipping)", r"<how much .{0,15}(delivery|shipping)",
        r"डिलीवरी (चार्ज|शुल्क)", r"ডেলিভারি (চার্জ|ফি)", r"डिलिव्हरी (शुल्क|चार्ज)")),
    ("change address", rx(r"<(change|update|edit) (my |the )?(delivery |shipping )?address", r"पता बदल", r"ঠিকানা বদল",
                          r"पत्ता बदल")),
]
DELIVERY_TIME_QUERY = "delivery time eta days"
REFUND_TIME_QUERY = "refund money back time days"

# A shopper correcting what they said: "no, I meant 1055", "sorry, wrong number".
CORRECTION = rx(
    r"<no>", r"<not>", r"<sorry", r"<i meant", r"<meant", r"<actually", r"<wrong", r"<oops", r"<mistake", r"<my bad",
    r"<galat", r"<galti", r"<matlab", r"<nahi", r"नहीं", r"माफ", r"गलत", r"गलती", r"मतलब", r"सॉरी",
    r"না>", r"দুঃখিত", r"ভুল", r"মানে", r"সরি", r"नाही", r"चुकीच", r"चूक", r"म्हणजे", r"अरे>", r"ओह", r"<oh>",
)
# Words that say a number is (part of) a phone number.
PHONE_WORD = rx(r"<phone", r"<mobile", r"<last", r"<digits?", r"<ending", r"<ends", r"<cell",
                r"फोन", r"मोबाइल", r"मोबाईल", r"आखिरी", r"अंक", r"ফোন", r"মোবাইল", r"শেষ", r"সংখ্যা", r"शेवटच", r"संपतो")

# Pointing back at a product just listed.
CHEAPER = rx(r"<cheap", r"<less expensive", r"<lower price", r"<sast", r"<kam (daam|dam|keemat|price|ka|wala|vala|wali)",
             r"<(lowest|less|low) price", r"सस्त", r"कम (दाम|कीमत|का|वाला|वाली)", r"সস্তা", r"কম দাম", r"स्वस्त",
             r"कमी (किंमत|किमत)")
COSTLIER = rx(r"<expensive", r"<costl", r"<pricier", r"<mehng", r"<mehang", r"महंग", r"দামি", r"বেশি দাম", r"महाग")
MORE_ORDINALS = [
    (1, rx(r"<1st>", r"पहला", r"पहले वाल", r"প্রথমটা", r"पहिल")),
    (2, rx(r"<second", r"दूसर", r"দ্বিতীয়", r"दुसर")),
    (3, rx(r"<third", r"तीसर", r"তৃতীয়", r"तिसर")),
    (4, rx(r"<fourth", r"<4th>", r"चौथ", r"চতুর্থ")),
    (5, rx(r"<fifth", r"<5th>", r"पांचव", r"পঞ্চম", r"पाचव")),
]

# "Don't cancel it", "cancel mat karo", "বাতিল করবেন না", "रद्द करू नका": the action, refused.
NEGATED_ACTION = rx(
    r"<(don'?t|do not|never|not) (cancel|return)", r"<(cancel|return)\S* (mat|nahi|nahin)>", r"<mat (cancel|radd|return)",
    r"(कैंसल|कैंसिल|रद्द|वापस|रिटर्न)\S*( \S+)? (मत|नहीं)>", r"मत (कैंसल|कैंसिल|रद्द|लौटा)",
    r"(বাতিল|ক্যানসেল|ক্যান্সেল|ফেরত|রিটার্ন)\S*( \S+)? না>",
    r"(रद्द|कॅन्सल|परत|रिटर्न)\S*( \S+)? (नका|नको)>",
)
# "I don't want order 1052 any more": a cancellation said without the word.
NOT_WANTED = rx(r"<(don'?t|do not|no longer) (want|need)", r"<nahi chahiye", r"<nahin chahiye", r"नहीं चाहिए",
                r"(আর )?(চাই না|লাগবে না)", r"नको>", r"नकोय")
