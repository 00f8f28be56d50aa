"""What each demo order is.

Rows run from oldest to newest. Numbers ORD-1001.. are given in the order the orders were
placed, so a row's number is its position give or take a place or two; the planner checks that
ORD-1042, the issue's example, is a shipped order. `days` is how many days ago the order was
delivered (delivered/returned) or cancelled (cancelled); in-flight orders are placed a few hours
to a few days before today. Everything else (items, times, carriers, tracking numbers, discounts)
comes from the seeded random generator in `plan.py`.

`ret` describes the order's return; `hint` marks an order for the demo table in the README:
{number} and {ret} are filled in with the order's and its return's numbers.
"""

D, C, OFD, SH, PK, CF, PL, RT = (
    "delivered", "cancelled", "out_for_delivery", "shipped", "packed", "confirmed", "placed", "returned",
)


def o(customer, status, payment, days=None, **options):
    return {"customer": customer, "status": status, "payment": payment, "days": days, **options}


ORDER_SPECS = [
    o("cust_016", D, "upi", 60),
    o("cust_028", D, "netbanking", 50),
    o("cust_015", D, "card", 45),
    o("cust_024", D, "cod", 40),
    o("cust_123", D, "cod", 35, skus=["MOB-SGM34-128"],
      hint="Try to return it: refused, delivered 35 days ago (outside the 7-day window)"),
    o("cust_004", RT, "upi", 30, ret={"status": "refunded", "reason": "not_as_described",
                                      "detail": "Colour is very different from the photos"}),
    o("cust_026", RT, "card", 28, ret={"status": "refunded", "reason": "damaged",
                                       "detail": "Box was crushed and the lid is cracked"}),
    o("cust_012", D, "upi", 25, ret={"status": "rejected", "reason": "changed_mind", "after_days": 6,
                                     "detail": "Don't need it any more",
                                     "note": "Item shows signs of use; not eligible for return"}),
    o("cust_019", RT, "upi", 22, ret={"status": "refunded", "reason": "wrong_item",
                                      "detail": "Received a different model"}),
    o("cust_011", D, "upi", 20),
    o("cust_013", RT, "upi", 18, ret={"status": "refunded", "reason": "size_fit",
                                      "detail": "Too small, need one size bigger"}),
    o("cust_001", C, "card", 20, cancel_from="confirmed", cancel_reason="Found a better price elsewhere"),
    o("cust_007", D, "card", 15, skus=["FAS-LEVI511-32", "FAS-ASOLLY-POLO-L"],
      ret={"status": "refunded", "reason": "size_fit", "partial": True, "detail": "Jeans are tight at the waist"}),
    o("cust_002", RT, "card", 12, skus=["ELE-SONYCH520"],
      ret={"status": "refunded", "reason": "damaged", "detail": "Left ear cup makes a crackling sound"},
      hint="Ask about the refund: return {ret} was refunded to the card"),
    o("cust_005", C, "netbanking", 15, cancel_from="placed", cancel_reason="Ordered by mistake"),
    o("cust_025", D, "upi", 10),
    o("cust_003", D, "card", 8),
    o("cust_011", C, "cod", 10, cancel_from="placed", cancel_reason="Delivery date too late"),
    o("cust_018", D, "upi", 6, ret={"status": "cancelled", "reason": "changed_mind",
                                    "detail": "Found it cheaper in a local shop",
                                    "note": "Cancelled by customer: decided to keep the item"}),
    o("cust_010", D, "cod", 5, ret={"status": "picked_up", "reason": "damaged",
                                    "detail": "Handle came off on first use"}),
    o("cust_024", C, "upi", 8, cancel_from="packed", cancel_reason="Need a different colour",
      hint="Ask about the refund (Marathi): \"{number} चा रिफंड कधी मिळेल?\""),
    o("cust_006", D, "netbanking", 4, ret={"status": "approved", "reason": "not_as_described",
                                           "detail": "Fabric is thinner than described"}),
    o("cust_003", D, "upi", 3, ret={"status": "requested", "reason": "size_fit", "detail": "Too large"},
      hint="Ask for the status of return {ret} (requested, awaiting approval)"),
    o("cust_027", D, "upi", 3, ret={"status": "requested", "reason": "wrong_item",
                                    "detail": "Received the wrong shade"}),
    o("cust_123", D, "upi", 2, skus=["MOB-BOAT141", "HK-MILTON-FLASK1L"],
      hint="Return it: \"I want to return order {number}\" (delivered 2 days ago, inside the window)"),
    o("cust_023", D, "upi", 2, skus=["BK-SHRIMANYOGI-MR"],
      hint="Return it (Marathi): \"मला {number} परत करायची आहे\""),
    o("cust_017", D, "upi", 1, skus=["HK-PRES-PC5L"],
      hint="Return it (Bengali): \"আমি {number} ফেরত দিতে চাই\""),
    o("cust_026", C, "cod", 5, cancel_from="placed", cancel_reason="Ordered the wrong size"),
    o("cust_001", OFD, "upi", skus=["ELE-JBLFLIP6"],
      hint="Track it: out for delivery, yesterday's attempt failed, reattempt today"),
    o("cust_022", OFD, "cod"),
    o("cust_029", OFD, "upi"),
    o("cust_009", OFD, "cod"),
    o("cust_021", C, "wallet", 3, cancel_from="packed", cancel_reason="Bought it offline"),
    o("cust_009", SH, "upi", hint="Track it (Hindi): \"मेरा ऑर्डर {number} कहाँ है?\""),
    o("cust_016", SH, "cod", hint="Track it (Bengali): \"আমার অর্ডার {number} কোথায়?\""),
    o("cust_025", SH, "card"),
    o("cust_002", SH, "upi"),
    o("cust_008", SH, "card"),
    o("cust_012", SH, "cod"),
    o("cust_019", SH, "upi"),
    o("cust_006", SH, "card"),
    o("cust_123", SH, "upi", skus=["ELE-MITV-A43"],
      hint="Track it: \"Where is my order {number}?\"; cancelling is refused (already shipped)"),
    o("cust_004", PK, "card", hint="Cancel it: packed but not shipped yet; prepaid, so refunded in full"),
    o("cust_020", PK, "cod"),
    o("cust_023", PK, "upi"),
    o("cust_010", PK, "upi"),
    o("cust_005", CF, "cod", hint="Cancel it: cash on delivery, so nothing to refund"),
    o("cust_014", CF, "upi"),
    o("cust_018", CF, "card"),
    o("cust_007", CF, "wallet"),
    o("cust_021", PL, "wallet"),
    o("cust_008", PL, "upi", hint="Cancel it (Hindi): \"मेरा ऑर्डर {number} कैंसल कर दीजिए\""),
    o("cust_027", PL, "cod"),
    o("cust_028", PL, "upi"),
    o("cust_123", PL, "card", skus=["MOB-RDMN13-128"],
      hint="Cancel it: \"Cancel my order {number}\" (placed last night, prepaid)"),
]
