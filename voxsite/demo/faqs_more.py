"""Less common questions, in English: (key, category, tags, popularity, question, answer)."""

MORE_FAQS = [
    ("marked-delivered-not-received", "delivery", ["not received", "delivered", "missing"], 480,
     "My order shows delivered but I did not receive it.",
     "Check with family, neighbours and your building's security first; carriers sometimes hand parcels there. If "
     "it still isn't found within 24 hours, tell the assistant your order number and we open an investigation with "
     "the carrier and resolve it within 3 working days."),
    ("partial-delivery", "delivery", ["split shipment", "missing item"], 460,
     "I received only some items from my order.",
     "Orders with several items may arrive in separate parcels from different warehouses. Each parcel has its own "
     "tracking. If the expected delivery date has passed, ask the assistant and we will check the missing item."),
    ("failed-delivery", "delivery", ["missed delivery", "reattempt"], 450,
     "The delivery agent could not reach me. What happens now?",
     "The carrier reattempts delivery on the next working day, up to three times. Keep your phone reachable; the "
     "agent calls before arriving. After three failed attempts the parcel returns to us and prepaid orders are refunded."),
    ("exchange-size", "returns", ["exchange", "size", "fit"], 440,
     "Can I exchange clothes or shoes for another size?",
     "Yes, within 7 days of delivery if the new size is in stock. Start a return with the reason \"size or fit\" "
     "and ask for an exchange; we pick up the old item and ship the new size at no extra cost."),
    ("return-pickup-missed", "returns", ["pickup", "return"], 420,
     "My return pickup did not happen.",
     "Pickups are reattempted the next working day. If two attempts fail, ask the assistant to reschedule the "
     "pickup for a day and time that suit you."),
    ("refund-cod", "refunds", ["cod", "refund", "bank account"], 410,
     "How do I get a refund for a cash on delivery order?",
     "We refund cash on delivery orders to your bank account or UPI ID. Share the account details or UPI ID when "
     "the return is approved; the money arrives within 3 working days of the pickup check."),
    ("refund-not-received", "refunds", ["refund", "delay", "utr"], 400,
     "My refund is marked done but I have not received it.",
     "Banks can take up to 7 working days to credit a refund. Ask the assistant for the refund's reference number "
     "(UTR) and share it with your bank; if it is still missing after 7 days we raise it with the payment partner."),
    ("warranty-claim", "products", ["warranty", "repair", "service centre"], 390,
     "How do I claim warranty on a product?",
     "Within 7 days of delivery, return it as defective. After that, contact the brand's authorised service centre "
     "with your invoice; the assistant can share the invoice and the brand's helpline."),
    ("invoice-gst", "orders", ["invoice", "gst", "bill"], 380,
     "How do I get an invoice with GST?",
     "Every order has a GST invoice, available once it ships. To add your GSTIN, enter it at checkout; it cannot be "
     "added after the order is placed."),
    ("emi-options", "payments", ["emi", "no-cost emi", "credit card"], 370,
     "Do you offer EMI?",
     "No-cost EMI is available on most credit cards for orders above ₹3,000, for 3, 6 or 9 months. Standard EMI "
     "with interest is available on debit cards of selected banks."),
    ("payment-failed", "payments", ["payment failed", "money deducted", "upi"], 360,
     "My payment failed but the money was deducted.",
     "If an order was not created, the bank reverses the amount automatically within 5-7 working days. If the order "
     "was created, it will show as confirmed shortly and nothing more is needed."),
    ("coupon-not-working", "payments", ["coupon", "offer", "discount"], 350,
     "My coupon code is not working.",
     "Coupons have a minimum order value, an expiry date and sometimes apply only to certain categories or "
     "payment methods. The checkout page shows why a coupon was not applied."),
    ("out-of-stock-notify", "products", ["out of stock", "restock", "notify"], 340,
     "An item I want is out of stock. When will it be back?",
     "Restocking depends on the brand. Tap \"Notify me\" on the product page and we will send an SMS the moment "
     "it is back in stock."),
    ("gift-wrap", "orders", ["gift", "gift wrap", "message"], 300,
     "Can I send an order as a gift?",
     "Yes. Choose gift wrap at checkout for ₹49 and add a message; the invoice is not put in the parcel and prices "
     "are hidden on the packing slip."),
    ("change-phone-number", "account", ["phone number", "account", "otp"], 290,
     "How do I change the phone number on my account?",
     "Open My Account, choose Edit profile and verify the new number with an OTP. Orders already placed keep the "
     "old contact number; ask the assistant to update the delivery phone on an order that has not shipped."),
    ("delete-account", "account", ["delete account", "privacy", "data"], 270,
     "How do I delete my account and data?",
     "Ask the assistant or write to privacy@example.com. We delete your account within 30 days, keeping only the "
     "invoices that tax law requires us to hold."),
    ("international-shipping", "delivery", ["international", "abroad"], 250,
     "Do you ship outside India?",
     "Not yet. We deliver to over 19,000 pincodes across India, including Andaman and Nicobar and Ladakh through "
     "India Post."),
    ("pincode-serviceable", "delivery", ["pincode", "serviceable", "availability"], 240,
     "How do I know if you deliver to my pincode?",
     "Enter your pincode on any product page to see the delivery date and whether cash on delivery is available "
     "there."),
    ("open-box-delivery", "delivery", ["open box", "mobile", "electronics"], 230,
     "Do you offer open-box delivery?",
     "Yes, for mobiles, laptops and TVs. The delivery agent opens the box in front of you so you can check the "
     "product before accepting it."),
    ("bulk-orders", "orders", ["bulk", "corporate", "gst"], 200,
     "Can I place a bulk or corporate order?",
     "Yes. For more than 10 units of an item, write to business@example.com with the items and your GSTIN for a "
     "quote with GST invoice."),
    ("support-hours", "support", ["customer care", "hours", "human agent"], 190,
     "When is customer support available?",
     "The voice assistant answers 24x7 in English, Hindi, Bengali and Marathi. Human agents are available from "
     "8 am to 10 pm every day; ask the assistant to connect you."),
    ("voice-assistant-languages", "support", ["language", "hindi", "bengali", "marathi"], 180,
     "Can I speak to the assistant in my language?",
     "Yes. Speak in English, Hindi, Bengali or Marathi and the assistant replies in the same language. You can "
     "switch languages at any time during the conversation."),
]
