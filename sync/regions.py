"""Indonesian provinces and regencies, as the first digits of a NIK name them."""

PROVINCES = {
    "11": "Aceh", "12": "Sumatera Utara", "13": "Sumatera Barat", "14": "Riau",
    "15": "Jambi", "16": "Sumatera Selatan", "17": "Bengkulu", "18": "Lampung",
    "19": "Kepulauan Bangka Belitung", "21": "Kepulauan Riau", "31": "DKI Jakarta",
    "32": "Jawa Barat", "33": "Jawa Tengah", "34": "DI Yogyakarta", "35": "Jawa Timur",
    "36": "Banten", "51": "Bali", "52": "Nusa Tenggara Barat", "53": "Nusa Tenggara Timur",
    "61": "Kalimantan Barat", "62": "Kalimantan Tengah", "63": "Kalimantan Selatan",
    "64": "Kalimantan Timur", "65": "Kalimantan Utara", "71": "Sulawesi Utara",
    "72": "Sulawesi Tengah", "73": "Sulawesi Selatan", "74": "Sulawesi Tenggara",
    "75": "Gorontalo", "76": "Sulawesi Barat", "81": "Maluku", "82": "Maluku Utara",
    "91": "Papua", "92": "Papua Barat", "93": "Papua Selatan", "94": "Papua Tengah",
    "95": "Papua Pegunungan", "96": "Papua Barat Daya",
}

# Regency/city codes (province + 2 digits). Banten in full; Jakarta because its
# residents often apply at Banten offices. Other codes in a known province are
# accepted and marked unknown rather than refused.
REGENCIES = {
    "3601": "Kab. Pandeglang", "3602": "Kab. Lebak", "3603": "Kab. Tangerang",
    "3604": "Kab. Serang", "3671": "Kota Tangerang", "3672": "Kota Cilegon",
    "3673": "Kota Serang", "3674": "Kota Tangerang Selatan",
    "3101": "Kab. Kepulauan Seribu", "3171": "Kota Jakarta Selatan",
    "3172": "Kota Jakarta Timur", "3173": "Kota Jakarta Pusat",
    "3174": "Kota Jakarta Barat", "3175": "Kota Jakarta Utara",
}


def regency_name(code):
    """The regency's name, or a label saying the code is not in our table."""
    return REGENCIES.get(code, f"unknown regency {code}")
