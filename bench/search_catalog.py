"""A synthetic catalog to grow the demo shop to tens of thousands of products for timing search.

Generated on the fly (never committed): product families of the demo shop's eight categories,
real-looking brands, model codes, sizes, colours and descriptions, so the index holds the same
kind of words in the same proportions as a real Indian shop's catalog: many products share the
common words ("phone", "cotton", "1 kg"), and model codes make a long tail of rare ones.
Deterministic for a given seed.
"""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Iterator

# category slug -> [(product words, brands, price range in INR, description phrases)]
FAMILIES: dict[str, list[tuple[str, list[str], tuple[int, int], list[str]]]] = {
    "mobiles": [
        ("5G Smartphone", ["Samsung", "Xiaomi", "realme", "OnePlus", "Vivo", "Oppo", "Motorola", "iQOO", "Nokia",
                           "Lava", "Infinix", "Tecno", "POCO"], (6999, 89999),
         ["AMOLED display", "50 MP camera", "fast charging", "5000 mAh battery", "octa-core processor"]),
        ("Feature Phone", ["Nokia", "Jio", "Lava", "itel", "Kechaoda"], (899, 3499),
         ["dual SIM", "long battery life", "FM radio", "torch"]),
        ("True Wireless Earbuds", ["boAt", "Noise", "JBL", "realme", "OnePlus", "Boult", "pTron"], (799, 9999),
         ["noise cancellation", "low latency", "IPX4", "40 hours playback", "Bluetooth 5.3"]),
        ("Power Bank", ["Ambrane", "Mi", "URBN", "Portronics", "Anker"], (699, 3999),
         ["20000 mAh", "10000 mAh", "fast charging", "USB-C input", "two outputs"]),
        ("Smartwatch", ["Noise", "boAt", "Fire-Boltt", "Amazfit", "Fastrack"], (999, 24999),
         ["Bluetooth calling", "heart-rate monitor", "SpO2", "AMOLED display", "7-day battery"]),
        ("Phone Case", ["Spigen", "Amazon Basics", "Tempered", "Ringke"], (149, 1499),
         ["shockproof", "slim fit", "transparent back", "raised edges"]),
        ("USB-C Charger", ["Samsung", "Apple", "Ambrane", "Portronics", "Belkin"], (399, 2999),
         ["fast charging", "25 W", "65 W", "BIS certified", "cable included"]),
    ],
    "electronics": [
        ("Smart LED TV", ["Samsung", "LG", "Sony", "Xiaomi", "TCL", "Acer", "Vu", "Hisense"], (10999, 149999),
         ["4K Ultra HD", "Dolby Audio", "Google TV", "HDR10", "bezel-less design"]),
        ("Laptop", ["HP", "Dell", "Lenovo", "ASUS", "Acer", "MSI", "Apple"], (24999, 249999),
         ["Intel Core i5", "Ryzen 7", "16 GB RAM", "512 GB SSD", "Full HD display", "Windows 11"]),
        ("Bluetooth Speaker", ["JBL", "boAt", "Sony", "Marshall", "Zebronics", "Tribit"], (999, 29999),
         ["waterproof", "deep bass", "12 hours playtime", "portable", "party lights"]),
        ("Wireless Headphones", ["Sony", "JBL", "Sennheiser", "boAt", "Bose", "Audio-Technica"], (1299, 34999),
         ["active noise cancellation", "over-ear", "50 hours battery", "built-in mic"]),
        ("Ink Tank Printer", ["Canon", "Epson", "HP", "Brother"], (8999, 29999),
         ["Wi-Fi printing", "scan and copy", "low cost per page", "duplex"]),
        ("Wi-Fi Router", ["TP-Link", "D-Link", "Netgear", "Tenda", "ASUS"], (999, 14999),
         ["dual band", "gigabit ports", "mesh ready", "four antennas"]),
        ("Wireless Mouse", ["Logitech", "HP", "Dell", "Zebronics", "Portronics"], (299, 4999),
         ["silent clicks", "ergonomic", "USB receiver", "long battery life"]),
    ],
    "fashion": [
        ("Cotton Kurta", ["Fabindia", "Biba", "W", "Manyavar", "Aurelia", "Libas", "Soch"], (499, 4999),
         ["hand-block print", "straight fit", "mandarin collar", "three-quarter sleeves"]),
        ("Silk Saree", ["Nalli", "Kanchipuram Silks", "Pothys", "Sabyasachi", "Taneira"], (1999, 49999),
         ["zari border", "handwoven", "with blouse piece", "Banarasi weave"]),
        ("Slim Fit Jeans", ["Levi's", "Wrangler", "Lee", "Pepe Jeans", "Spykar", "Flying Machine"], (999, 4999),
         ["stretch denim", "mid rise", "five pockets", "stone wash"]),
        ("Polo T-Shirt", ["Allen Solly", "U.S. Polo Assn.", "Van Heusen", "Peter England", "Puma"], (399, 2999),
         ["cotton pique", "regular fit", "ribbed collar", "short sleeves"]),
        ("Running Shoes", ["Puma", "Nike", "Adidas", "ASICS", "Campus", "Bata", "Sparx"], (999, 14999),
         ["cushioned sole", "breathable mesh", "lightweight", "lace-up"]),
        ("Leather Sandals", ["Bata", "Woodland", "Khadim's", "Paragon", "Metro"], (399, 3999),
         ["comfortable footbed", "anti-skid sole", "adjustable strap"]),
        ("Cotton Vest", ["Jockey", "Rupa", "Dollar", "VIP", "Lux Cozi"], (199, 999),
         ["super combed cotton", "pack of 2", "rib knit"]),
    ],
    "home-kitchen": [
        ("Pressure Cooker", ["Prestige", "Hawkins", "Pigeon", "Butterfly", "Bergner"], (799, 4999),
         ["induction base", "aluminium", "stainless steel", "gasket release system"]),
        ("Vacuum Flask", ["Milton", "Cello", "Borosil", "Signoraware"], (299, 2499),
         ["keeps hot 24 hours", "stainless steel", "leak proof", "1000 ml"]),
        ("Non-Stick Cookware Set", ["Pigeon", "Prestige", "Hawkins", "Wonderchef", "Meyer"], (599, 7999),
         ["fry pan", "tawa", "kadai", "scratch resistant", "induction friendly"]),
        ("Steam Iron", ["Bajaj", "Philips", "Havells", "Usha", "Morphy Richards"], (499, 3999),
         ["non-stick soleplate", "vertical steam", "auto shut-off", "1200 W"]),
        ("Mixer Grinder", ["Philips", "Bajaj", "Preethi", "Sujata", "Butterfly", "Prestige"], (1499, 9999),
         ["750 W motor", "three jars", "stainless steel blades", "overload protection"]),
        ("Gas Stove", ["Butterfly", "Prestige", "Sunflame", "Glen", "Pigeon"], (1499, 9999),
         ["toughened glass top", "brass burners", "auto ignition", "ISI certified"]),
        ("Water Purifier", ["Kent", "Aquaguard", "Pureit", "Livpure", "AO Smith"], (6999, 29999),
         ["RO + UV", "TDS control", "7 litre tank", "free installation"]),
    ],
    "beauty": [
        ("Matte Lipstick", ["Lakmé", "Maybelline", "Sugar", "Nykaa", "L'Oréal"], (199, 1499),
         ["long wearing", "transfer proof", "creamy matte", "vitamin E"]),
        ("Face Wash", ["Himalaya", "Mamaearth", "Cetaphil", "Clean & Clear", "Garnier"], (99, 799),
         ["neem", "vitamin C", "oil control", "soap free", "for pimples"]),
        ("Hair Oil", ["Parachute", "Mamaearth", "Dabur", "Indulekha", "Bajaj"], (99, 699),
         ["onion", "coconut", "hair fall control", "ayurvedic"]),
        ("Moisturising Cream", ["Nivea", "Pond's", "Biotique", "Cetaphil", "Lakmé"], (99, 999),
         ["non-greasy", "24 hour moisture", "jojoba oil", "for dry skin"]),
        ("Beard Trimmer", ["Philips", "Mi", "Havells", "Braun", "Syska"], (699, 4999),
         ["cordless", "20 length settings", "skin-friendly blades", "USB charging"]),
    ],
    "grocery": [
        ("Atta", ["Aashirvaad", "Pillsbury", "Fortune", "Annapurna", "Patanjali"], (199, 699),
         ["whole wheat", "chakki fresh", "soft rotis", "5 kg", "10 kg"]),
        ("Basmati Rice", ["India Gate", "Daawat", "Kohinoor", "Fortune", "Lal Qilla"], (199, 1499),
         ["aged", "long grain", "for biryani", "5 kg", "1 kg"]),
        ("Sunflower Oil", ["Fortune", "Saffola", "Sundrop", "Gemini", "Freedom"], (129, 999),
         ["refined", "light", "vitamins A and D", "1 L", "5 L"]),
        ("Tea", ["Tata Tea", "Brooke Bond", "Wagh Bakri", "Taj Mahal", "Lipton"], (99, 899),
         ["Assam", "CTC", "strong", "250 g", "500 g", "1 kg"]),
        ("Toor Dal", ["Tata Sampann", "24 Mantra", "Fortune", "Organic India"], (99, 499),
         ["unpolished", "protein rich", "1 kg", "500 g"]),
        ("Ghee", ["Amul", "Gowardhan", "Patanjali", "Nandini", "Mother Dairy"], (299, 1299),
         ["pure cow ghee", "granular", "rich aroma", "1 L", "500 ml"]),
        ("Namkeen", ["Haldiram's", "Bikaji", "Balaji", "Bikano"], (49, 499),
         ["crispy", "bhujia", "mixture", "200 g", "1 kg"]),
    ],
    "books": [
        ("Novel (Paperback)", ["Penguin", "HarperCollins India", "Rupa", "Westland", "Jaico Publishing House"],
         (149, 899), ["bestseller", "fiction", "award winning", "English"]),
        ("Hindi Upanyas", ["Rajkamal Prakashan", "Vani Prakashan", "Hind Pocket Books"], (99, 599),
         ["Hindi", "classic", "paperback"]),
        ("Bengali Uponyas", ["Ananda Publishers", "Dey's Publishing", "Mitra & Ghosh"], (99, 699),
         ["Bengali", "classic", "hardcover"]),
        ("Marathi Kadambari", ["Mehta Publishing House", "Rajhans Prakashan", "Popular Prakashan"], (99, 799),
         ["Marathi", "historical", "paperback"]),
        ("Exam Guide", ["Arihant", "Disha", "MTG", "Oswaal", "S. Chand"], (149, 999),
         ["CBSE", "solved papers", "class 10", "class 12", "JEE", "NEET"]),
    ],
    "sports": [
        ("Cricket Bat", ["SG", "SS", "MRF", "Kookaburra", "DSC", "Gray-Nicolls"], (499, 19999),
         ["Kashmir willow", "English willow", "full size", "cane handle"]),
        ("Football", ["Nivia", "Cosco", "Adidas", "Nike", "Vector X"], (299, 2999),
         ["size 5", "machine stitched", "all weather", "rubber bladder"]),
        ("Badminton Racquet", ["Yonex", "Li-Ning", "Victor", "Carlton", "Cosco"], (399, 12999),
         ["aluminium", "graphite", "strung", "with cover"]),
        ("Yoga Mat", ["Boldfit", "Strauss", "Decathlon", "Lifelong"], (299, 2499),
         ["anti-slip", "6 mm", "8 mm", "with carry strap"]),
        ("Dumbbells", ["Kore", "Lifelong", "Strauss", "Aurion"], (399, 4999),
         ["PVC coated", "pair", "home workout", "hex"]),
        ("Mountain Bike", ["Hero", "Btwin", "Firefox", "Hercules", "Leader"], (5999, 49999),
         ["21 speed", "disc brakes", "front suspension", "26T"]),
    ],
}
COLOURS = ["Black", "White", "Blue", "Red", "Green", "Grey", "Navy", "Maroon", "Silver", "Gold", "Pink", "Yellow"]
SERIES = ["Pro", "Plus", "Max", "Lite", "Neo", "Prime", "Ultra", "Classic", "Smart", "Air", "Edge", "Nova"]


def generate(count: int, *, seed: int = 12) -> Iterator[dict]:
    """`count` product dicts: sku, category (slug), name, brand, price, stock, attributes, description."""
    rng = random.Random(seed)
    families = [(slug, f) for slug, fams in FAMILIES.items() for f in fams]
    for n in range(count):
        slug, (words, brands, (low, high), phrases) = families[n % len(families)]
        brand = rng.choice(brands)
        model = f"{rng.choice('ABCDEFGHJKLMNPRSTVXZ')}{rng.randint(1, 999)}"
        series = rng.choice(SERIES)
        colour = rng.choice(COLOURS)
        name = f"{brand} {series} {model} {words} ({colour})"
        price = Decimal(rng.randrange(low, high + 1, 10) - 1).max(Decimal(9))
        picked = rng.sample(phrases, k=min(len(phrases), rng.randint(2, 3)))
        description = f"{picked[0].capitalize()}, {', '.join(picked[1:])}. {series} series by {brand}."
        yield {
            "sku": f"GEN-{n:06d}", "category": slug, "name": name, "brand": brand, "price": price,
            "stock": rng.choice([0, 3, 8, 15, 40, 120]), "attributes": {"colour": colour, "model": model},
            "description": description,
        }
