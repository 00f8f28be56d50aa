"""Demo customers and the cities they live in.

Phone numbers follow the pattern +91 98765 43NNN, where NNN is the customer number, so they are
easy to say and type in a demo ("cust_123" is +919876543123). Emails use example.com (RFC 2606).
"""

# city -> (state, pincode, region, sorting centre, last-mile delivery hub)
CITIES = {
    "Bengaluru": ("Karnataka", "560034", "south", "Bengaluru sorting centre", "Koramangala delivery hub"),
    "Chennai": ("Tamil Nadu", "600040", "south", "Chennai sorting centre", "Anna Nagar delivery hub"),
    "Hyderabad": ("Telangana", "500081", "south", "Hyderabad sorting centre", "Madhapur delivery hub"),
    "Kochi": ("Kerala", "682024", "south", "Kochi sorting centre", "Edappally delivery hub"),
    "Gurugram": ("Haryana", "122002", "north", "Gurugram sorting centre", "DLF Phase 3 delivery hub"),
    "New Delhi": ("Delhi", "110092", "north", "Delhi (Okhla) sorting centre", "Laxmi Nagar delivery hub"),
    "Lucknow": ("Uttar Pradesh", "226010", "north", "Lucknow sorting centre", "Gomti Nagar delivery hub"),
    "Kanpur": ("Uttar Pradesh", "208002", "north", "Kanpur sorting centre", "Swaroop Nagar delivery hub"),
    "Varanasi": ("Uttar Pradesh", "221005", "north", "Varanasi sorting centre", "Lanka delivery hub"),
    "Jaipur": ("Rajasthan", "302017", "north", "Jaipur sorting centre", "Malviya Nagar delivery hub"),
    "Patna": ("Bihar", "800001", "east", "Patna sorting centre", "Boring Road delivery hub"),
    "Bhopal": ("Madhya Pradesh", "462016", "north", "Bhopal sorting centre", "Arera Colony delivery hub"),
    "Kolkata": ("West Bengal", "700091", "east", "Kolkata sorting centre", "Salt Lake delivery hub"),
    "Howrah": ("West Bengal", "711101", "east", "Kolkata sorting centre", "Howrah Maidan delivery hub"),
    "Siliguri": ("West Bengal", "734001", "east", "Siliguri sorting centre", "Hill Cart Road delivery hub"),
    "Durgapur": ("West Bengal", "713216", "east", "Durgapur sorting centre", "City Centre delivery hub"),
    "Mumbai": ("Maharashtra", "400069", "west", "Mumbai (Bhiwandi) sorting centre", "Andheri East delivery hub"),
    "Thane": ("Maharashtra", "400601", "west", "Mumbai (Bhiwandi) sorting centre", "Thane West delivery hub"),
    "Pune": ("Maharashtra", "411045", "west", "Pune (Chakan) sorting centre", "Baner delivery hub"),
    "Nashik": ("Maharashtra", "422005", "west", "Nashik sorting centre", "College Road delivery hub"),
    "Nagpur": ("Maharashtra", "440010", "west", "Nagpur sorting centre", "Dharampeth delivery hub"),
    "Kolhapur": ("Maharashtra", "416003", "west", "Kolhapur sorting centre", "Rajarampuri delivery hub"),
}

# region -> (fulfilment centre, the carrier's origin hub next to it)
WAREHOUSES = {
    "west": ("Bhiwandi fulfilment centre", "Bhiwandi hub"),
    "north": ("Gurugram (Farukhnagar) fulfilment centre", "Gurugram hub"),
    "east": ("Dankuni fulfilment centre", "Kolkata (Dankuni) hub"),
    "south": ("Hoskote fulfilment centre", "Bengaluru (Hoskote) hub"),
}


def _c(number, name, language, city, address):
    first, last = name.split(" ", 1)
    return {
        "customer_id": f"cust_{number:03d}",
        "name": name,
        "phone": f"+919876543{number:03d}",
        "email": f"{first.lower()}.{last.lower().replace(' ', '')}@example.com",
        "preferred_language": language,
        "city": city,
        "address": address,
    }


CUSTOMERS = [
    # English
    _c(123, "Rahul Sharma", "en", "Bengaluru", "Flat 402, Prestige Acropolis, 20 Hosur Road, Koramangala"),
    _c(1, "Priya Nair", "en", "Kochi", "House 17, Chakkaraparambu Road, Edappally"),
    _c(2, "Arjun Reddy", "en", "Hyderabad", "Plot 45, Kavuri Hills Phase 2, Madhapur"),
    _c(3, "Kavya Iyer", "en", "Chennai", "12, 3rd Avenue, Anna Nagar East"),
    _c(4, "Vikram Singh", "en", "Gurugram", "H-28, DLF Phase 3"),
    _c(5, "Ananya Rao", "en", "Bengaluru", "No. 9, 5th Cross, Indiranagar 2nd Stage"),
    _c(6, "Rohan Mehta", "en", "Mumbai", "B-1103, Oberoi Splendor, JVLR, Andheri East"),
    _c(7, "Sneha Pillai", "en", "Chennai", "Door 7, Lattice Bridge Road, Adyar"),
    # Hindi
    _c(8, "Amit Verma", "hi", "Lucknow", "2/145, Vikas Khand, Gomti Nagar"),
    _c(9, "Pooja Gupta", "hi", "New Delhi", "C-52, Laxmi Nagar"),
    _c(10, "Suresh Yadav", "hi", "Patna", "Flat 3B, Sheela Apartment, Boring Road"),
    _c(11, "Neha Agarwal", "hi", "Jaipur", "78, Malviya Nagar, Sector 3"),
    _c(12, "Rajesh Kumar", "hi", "New Delhi", "E-14, Preet Vihar"),
    _c(13, "Sunita Devi", "hi", "Varanasi", "B 21/38, Lanka, near BHU Gate"),
    _c(14, "Manoj Tiwari", "hi", "Bhopal", "E-5/112, Arera Colony"),
    _c(15, "Anjali Mishra", "hi", "Kanpur", "117/N/45, Kakadeo, Swaroop Nagar"),
    # Bengali
    _c(16, "Arindam Chatterjee", "bn", "Kolkata", "CK-214, Sector II, Salt Lake"),
    _c(17, "Moumita Banerjee", "bn", "Kolkata", "45/2, Jodhpur Park"),
    _c(18, "Subhajit Das", "bn", "Howrah", "12, Panchanantala Road, Howrah Maidan"),
    _c(19, "Rupa Mukherjee", "bn", "Siliguri", "Hakimpara, near Siliguri College"),
    _c(20, "Debasish Ghosh", "bn", "Durgapur", "B-Zone, Sector 2A, Bidhannagar"),
    _c(21, "Tanushree Sen", "bn", "Kolkata", "22B, Lake Gardens"),
    _c(22, "Sayan Bose", "bn", "Kolkata", "7/1, Hindustan Park, Gariahat"),
    # Marathi
    _c(23, "Sachin Patil", "mr", "Pune", "Flat 12, Shivneri Heights, Baner Road"),
    _c(24, "Snehal Deshmukh", "mr", "Mumbai", "Room 5, Parle Niwas, Vile Parle East"),
    _c(25, "Omkar Kulkarni", "mr", "Pune", "41, Prabhat Road, Erandwane"),
    _c(26, "Prajakta Joshi", "mr", "Nashik", "Sai Darshan Bungalow, College Road"),
    _c(27, "Aniket Jadhav", "mr", "Thane", "A-704, Hiranandani Estate, Ghodbunder Road"),
    _c(28, "Rutuja Shinde", "mr", "Nagpur", "Plot 88, Dharampeth Extension"),
    _c(29, "Mangesh Pawar", "mr", "Kolhapur", "1143 E, Rajarampuri 9th Lane"),
]
