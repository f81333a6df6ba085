"""What the display board says aloud: "Nomor antrean A nol nol satu, silakan ke loket dua".

The ticket number is read digit by digit (as people read it off their ticket),
the counter as a number. The words are built here, in the board's language,
and the browser's speech synthesis says them where it has a voice for it.
"""
from sync.i18n import _, language

DIGITS = {"id": ["nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan",
                 "sembilan"],
          "en": ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]}
# Letters as Indonesians spell them aloud: "A", "Be", "Pe".
LETTERS = {"id": {"A": "A", "B": "Be", "P": "Pe"}, "en": {"A": "A", "B": "B", "P": "P"}}
EN_TEENS = ["ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen",
            "seventeen", "eighteen", "nineteen"]
EN_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def spoken_call(number, counter):
    """The announcement of `number` called to `counter`, in this request's language."""
    lang = language()
    return _("Queue number %(number)s, please go to counter %(counter)s",
             number=spoken_number(number, lang), counter=spoken_counter(counter, lang))


def spoken_number(number, lang="id"):
    """"A001" -> "A nol nol satu"."""
    words = []
    for char in str(number):
        if char.isdigit():
            words.append(DIGITS[lang][int(char)])
        else:
            words.append(LETTERS[lang].get(char.upper(), char))
    return " ".join(words)


def spoken_counter(counter, lang="id"):
    """"2" -> "dua", "12" -> "dua belas"; a name that is not a number is said as it is."""
    text = str(counter)
    if not text.isdigit() or int(text) > 99:
        return text
    return (indonesian_number if lang == "id" else english_number)(int(text))


def indonesian_number(n):
    """0-99 in words: 11 "sebelas", 12 "dua belas", 20 "dua puluh", 21 "dua puluh satu"."""
    digits = DIGITS["id"]
    if n < 10:
        return digits[n]
    if n == 10:
        return "sepuluh"
    if n == 11:
        return "sebelas"
    if n < 20:
        return f"{digits[n - 10]} belas"
    tens, ones = divmod(n, 10)
    return f"{digits[tens]} puluh" + (f" {digits[ones]}" if ones else "")


def english_number(n):
    if n < 10:
        return DIGITS["en"][n]
    if n < 20:
        return EN_TEENS[n - 10]
    tens, ones = divmod(n, 10)
    return EN_TENS[tens] + (f"-{DIGITS['en'][ones]}" if ones else "")
