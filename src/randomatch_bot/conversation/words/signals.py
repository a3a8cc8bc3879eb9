"""What a person's own message says that changes the conversation for good: that they are under
18 (`declares_minor`), or that they want the persona to stop writing (`asks_to_stop`).

The output guard (`guard.py`) judges what the persona writes; this module judges what the
human wrote, in French and English, as people write on a phone: "16 ans et toi ?", "j'ai que
15 ans", "je suis en 1ère", "im 16 lol", "still in high school"; "arrête de me harceler", "ne me
contacte plus", "j'ai trouvé quelqu'un", "please don't text me again".

Both verdicts are acted on for good (a minor's conversation is closed, a request to stop ends
the follow-ups), so these rules favour precision: each statement must be in the first person
and about the person, not a number that happens to sit near "ans" ("15 ans d'expérience", "mon
fils a 15 ans", "j'ai fait ma première rando à 16 ans", "I'm 15 minutes away"), nor a teacher
("j'enseigne au lycée", "au lycée toute la journée", "I taught high school"), nor a hiker's
"stop" ("on a fait un stop au refuge", "stop, cette montée me tue", "arrête, tu me fais
rire"). What they miss, the reviewing model may catch; what they flag by mistake, the operator
reopens (`docs/SAFETY.md`). Pure functions, no I/O.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata

__all__ = ["asks_to_stop", "declares_minor", "normalise"]


def normalise(text: str) -> str:
    """Lower case, no accents, one kind of apostrophe, no invisible characters, single spaces."""
    text = re.sub(r"[\u200b-\u200d\u2060\ufeff\u00ad]", "", text)
    text = text.replace("\u2019", "'").replace("\u02bc", "'").replace("`", "'")
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"\s+", " ", stripped.lower()).strip()


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.VERBOSE)


# --------------------------------------------------------------------------- minors
# An age under 18, in digits or words (8 and up: younger children are not on a dating app, and
# "j'ai 5 ans de plus" is common).
_AGE = (
    r"(?:(?<![\d,.])(?:[89]|1[0-7])(?![\d,.]\d)"
    r"|huit|neuf|dix|onze|douze|treize|quatorze|quinze|seize|dix[- ]sept"
    r"|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen)"
)
# What may follow a stated age so that it is one: the end of the clause, a tag ("et toi",
# "lol", an emoji), a time word ("aujourd'hui", "depuis hier"). Never a unit or "de …"
# ("15 ans d'expérience", "15 minutes away", "15% done").
_EMOJI = r"[\u2600-\u27bf\U0001F000-\U0001FAFF]"
_FR_AFTER = (
    rf"(?=\s*(?:$|[.!?,;…)~*]|{_EMOJI}|:\)|:\(|:p|:d"
    r"|(?:et|mais|donc|alors|lol|mdr|ptdr|xd|haha\w*|hihi|hein|bientot|depuis|aujourd'hui"
    r"|cette|ce\s+mois|cet\s+ete|tout\s+juste|a\s+peine|passes?|perso|moi|toi|btw|sinon"
    r"|pourquoi|tu|t'|c'est|ca|j'|je|en\s+vrai|ok|oui|non|voila|presque|justement|hier"
    r"|avant[- ]hier|la\s+semaine\s+derniere|le\s+mois\s+dernier|ici|aussi|pile)\b))"
)
_EN_AFTER = (
    rf"(?=\s*(?:$|[.!?,;…)~*]|{_EMOJI}|:\)|:\(|:p|:d"
    r"|(?:and|but|so|lol|lmao|haha\w*|tho|though|btw|rn"
    r"|going\s+on|turning|soon|wbu|hbu|wby|u|you|xd|actually|now|myself|here|too)\b))"
)
_FR_SELF = r"(?:\bje\s+suis|\bj'?\s?suis|\bjsuis|\bchui|\bchuis)"
_EN_SELF = r"(?:\bi'?m|\bi\s+am|\bim)"
_GRADES = (
    r"(?:seconde|2nde|2de|premiere|1ere|1re|terminale|tle|troisieme|3e|3eme|quatrieme|4e"
    r"|4eme|cinquieme|5e|5eme|sixieme|6e|6eme)"
)
# "en première année (de fac)", "en première ligne", "en seconde main": not a class at school.
_NOT_A_CLASS = (
    r"(?!\s*(?:annee|an\b|ans\b|ligne|classe|position|place|partie|fois|main|div|division"
    r"|chance|session|semestre|cycle|etape|etage|vitesse|mi-temps|periode|manche|saison))"
)
_SCHOOL_END = (
    rf"(?=\s*(?:$|[.!?,;…)~*]|{_EMOJI}|(?:et|mais|donc|lol|mdr|ptdr|xd|haha\w*|en\s+\w+|a\s+\w+"
    r"|encore|toujours|aussi|moi|toi|btw|perso|pour\s+l'instant|pour\s+le\s+moment|cette"
    r"|l'an|l'annee|depuis|j'|je|t'|tu|c'est|ca)\b))"
)

_MINOR = [
    # "j'ai 15 ans", "j'ai que 15 ans", "jai 16 ans et toi", "g 15 ans", "j'ai eu 16 ans hier".
    _rx(
        rf"""(?:\bj'?\s?ai|\bg|\bjai)\s+(?:que\s+|qu'|seulement\s+|juste\s+|bientot\s+|deja\s+
        |a\s+peine\s+|eu\s+|tout\s+juste\s+|presque\s+)*{_AGE}\s*ans?\b{_FR_AFTER}"""
    ),
    # "16 ans et toi ?", "15 ans, et vous ?" (not "il a 15 ans et toi ?").
    _rx(
        rf"""(?<!\ba\s)(?<!\bont\s)(?<![\w'])(?<!\ba\s\s){_AGE}\s*ans?\s*,?\s*et\s+(?:toi|vous)\b"""
    ),
    # The message opens with the age: "15 ans", "moi 16 ans !", "bah 17 lol".
    _rx(
        rf"""^(?:(?:bah|ben|beh|euh|alors|oui|ouais|ok|moi|perso|sinon|et\s+moi|pour\s+info|
        salut|coucou|hello|hey|cc|slt|wesh|bientot|presque|deja|tout\s+juste)[\s,!.]*)*
        {_AGE}\s*ans?\b{_FR_AFTER}"""
    ),
    # "moi 15 ans", "perso 16".
    _rx(rf"""\b(?:moi|perso)\s*,?\s*{_AGE}(?:\s*ans?\b)?{_FR_AFTER}"""),
    # "j'ai 15 et toi ?", "jai 16 lol": the age without "ans", with a tag after it.
    _rx(
        rf"""(?:\bj'?\s?ai|\bjai)\s+(?:que\s+|qu'|seulement\s+|juste\s+|bientot\s+)*{_AGE}
        (?=\s*(?:,?\s*et\s+(?:toi|vous)\b|lol|mdr|ptdr|xd|haha|{_EMOJI}|$))"""
    ),
    # "je fête mes 16 ans samedi", "je vais fêter mes 18 ans".
    _rx(
        r"""\bje\s+(?:fete|vais\s+feter)\s+mes\s+(?:1[0-8]|seize|dix[- ]sept|dix[- ]huit)
        \s*ans\b"""
    ),
    # "j'ai 18 ans dans deux mois", "j'aurai 18 ans en mars", "je vais avoir 17 ans".
    _rx(
        r"""\bj'?\s?ai\s+(?:bientot\s+)?18\s*ans\s+(?:dans|en|le|au\s+mois|cet|cette|a\s+la)\b
        |\bj'?\s?ai\s+bientot\s+(?:1[0-8]|dix[- ]huit)\s*ans\b
        |\bj'?\s?aurai\s+(?:1[0-8]|dix[- ]huit)\s*ans\b
        |\bje\s+vais\s+(?:avoir|sur\s+mes)\s+(?:1[0-8]|dix[- ]huit)\s*(?:ans\b|$)
        |\bje\s+serai\s+majeur(?:e)?\b
        |\bj'?\s?ai\s+(?:pas|pas\s+encore|meme\s+pas|moins\s+de)\s+18\s*ans\b"""
    ),
    # "je suis mineure", "je suis pas encore majeur", "je suis bientôt majeure".
    _rx(
        rf"""{_FR_SELF}\s+(?:encore\s+|toujours\s+|qu'|que\s+|juste\s+)?(?:une?\s+)?mineur(?:e)?\b
        |{_FR_SELF}\s+(?:pas|bientot|presque)\s+(?:encore\s+)?majeur(?:e)?\b
        |\bje\s+ne\s+suis\s+pas\s+(?:encore\s+)?majeur(?:e)?\b"""
    ),
    # "je suis en 1ère", "moi je suis en seconde", "je rentre en terminale", "en 3e au collège".
    _rx(
        rf"""(?:{_FR_SELF}|\bmoi)\s+(?:encore\s+|toujours\s+|qu'|que\s+|juste\s+|seulement\s+)?
        en\s+{_GRADES}\b{_NOT_A_CLASS}
        |\bje\s+(?:rentre|passe\s+en\s+septembre|vais\s+rentrer)\s+en\s+{_GRADES}\b{_NOT_A_CLASS}
        |\ben\s+{_GRADES}\s+au\s+(?:lycee|college)\b"""
    ),
    # "je suis au lycée" (the whole clause: not "au lycée toute la journée"), "je suis encore
    # au collège", "je suis lycéenne".
    _rx(
        rf"""{_FR_SELF}\s+(?:encore\s+|toujours\s+|qu'|que\s+|juste\s+|seulement\s+)?
        au\s+(?:lycee|college)\b{_SCHOOL_END}
        |{_FR_SELF}\s+(?:encore\s+|toujours\s+)au\s+(?:lycee|college)\b
        |{_FR_SELF}\s+(?:encore\s+|juste\s+|qu'|que\s+)?(?:une?\s+)?
        (?:lyceen|lyceenne|collegien|collegienne)\b"""
    ),
    # The whole message names a class or a school, as an answer does: "en seconde", "au
    # collège et toi ?", "encore au lycée lol".
    _rx(
        rf"""^(?:(?:bah|ben|beh|euh|alors|oui|ouais|ok|moi|perso|la|la\s+je\s+suis|sinon)[\s,!.]*)*
        (?:encore\s+|toujours\s+)?(?:en\s+{_GRADES}{_NOT_A_CLASS}(?:\s+(?:au|a\s+la)\s+\w+)?
        |au\s+(?:lycee|college))
        \s*(?:,?\s*(?:et\s+(?:toi|vous)|lol|mdr|ptdr|xd|haha\w*|et\s+ouais|pourquoi))?
        \s*(?:[.!?…~*]|{_EMOJI}|:\)|:p)*\s*$"""
    ),
    # "je passe le bac l'an prochain", "je passe mon brevet" (not "mon brevet d'accompagnateur").
    _rx(
        r"""\bje\s+(?:passe|vais\s+passer|prepare|revise)\s+(?:le|mon)\s+brevet\b(?!\s*(?:d'|de\b|du\b|des\b))
        |\bje\s+(?:passe|vais\s+passer|prepare|revise)\s+(?:le|mon)\s+bac\b(?!\s*\+)
        (?:\s+de\s+francais|\s+(?:l'an|l'annee)\s+prochaine?|\s+cette\s+annee|\s+en\s+juin
        |\s+dans\s+\w+\s+(?:mois|semaines|ans?)|\s+blanc|\s*(?=$|[.!?,;…]|et\b|lol|mdr))"""
    ),
    # English: "i'm 15", "im 16 lol", "I am only 14", "i'm a 16 year old", "I just turned 16".
    _rx(
        rf"""\b{_EN_SELF}\s+(?:only\s+|just\s+|still\s+|barely\s+|almost\s+|nearly\s+)*{_AGE}
        (?:\s*(?:y/?o\b|y\.o\.?|yrs?\s+old\b|years?\s+old\b|yrs\b))?{_EN_AFTER}
        |\b{_EN_SELF}\s+(?:only\s+|just\s+)?a\s+{_AGE}[\s-]*(?:years?|yrs?|yr)[\s-]*old\b
        |\bi\s+(?:just\s+)?turned\s+{_AGE}\b(?!\s*(?:minutes|mins|km|miles))
        |^(?:(?:well|um+|uh+|ok|okay|yeah|yes|me|hi|hey|hello|lol)[\s,!.]*)*{_AGE}
        \s*(?:y/?o|y\.o\.?|yrs?(?:\s+old)?|years?\s+old)?\s*,?\s*(?:and\s+you|hbu|wbu|wby|u\?|you\?)
        |^(?:(?:well|um+|uh+|ok|okay|yeah|yes|me|hi|hey|hello|lol)[\s,!.]*)*{_AGE}
        \s*(?:y/?o|y\.o\.?|yrs?\s+old|years?\s+old)\b"""
    ),
    # English: "still in high school", "i'm a junior in high school", "in 10th grade", "my
    # GCSEs", "i'm a minor", "i'm not 18 yet", "I'll be 18 in May".
    _rx(
        rf"""\b{_EN_SELF}\s+(?:still\s+|only\s+|just\s+)?in\s+(?:high|middle|secondary|junior\s+high)
        [\s-]*school\b(?!\s*(?:teacher|teaching|staff|admin))
        |^(?:(?:well|um+|uh+|ok|okay|yeah|yes|lol|haha)[\s,!.]*)*still\s+in\s+(?:high|middle)
        [\s-]*school\b
        |\b(?:me|i'?m|im|i\s+am)\s*,?\s+still\s+in\s+(?:high|middle)[\s-]*school\b
        |\b{_EN_SELF}\s+(?:a\s+)?(?:high|middle)[\s-]*school(?:er\b|\s+(?:student|freshman|sophomore
        |junior|kid|girl|boy)\b)
        |\b{_EN_SELF}\s+(?:a\s+)?(?:freshman|sophomore|junior)\s+(?:in|at)\s+(?:high[\s-]*school|hs)\b
        |\b{_EN_SELF}\s+in\s+(?:the\s+)?(?:[6-9]th|1[01]th|sixth|seventh|eighth|ninth|tenth
        |eleventh)\s+grade\b
        |\b(?:doing|taking|sitting|revising\s+for|studying\s+for)\s+my\s+gcses?\b
        |\b{_EN_SELF}\s+(?:still\s+|only\s+)?in\s+year\s+(?:[7-9]|1[0-2])\b(?!\s*(?:of|at\s+uni))
        |\b(?:{_EN_SELF}|me)\s*,?\s+(?:still\s+|only\s+)?in\s+hs\b
        |^still\s+in\s+hs\b
        |\b{_EN_SELF}\s+(?:a\s+)?hs\s+(?:student|freshman|sophomore|junior|kid)\b
        |\b{_EN_SELF}\s+(?:still\s+)?(?:a\s+)?(?:minor|underage|under\s*age|under\s+18|not\s+18
        |not\s+an\s+adult|not\s+(?:even\s+)?18|a\s+teen(?:ager)?)\b
        |\bi(?:\s+will|'ll|\s?ll)\s+(?:be|turn)\s+18\b|\bi\s+turn\s+18\s+(?:next|in|this|on|soon)\b"""
    ),
]

# "né(e) en 2010": the age from the year.
_BORN = _rx(
    r"""\b(?:je\s+suis|j'?\s?suis|chui)\s+nee?\s+en\s+(20[0-2]\d)\b
    |\bi\s+was\s+born\s+in\s+(20[0-2]\d)\b"""
)


def declares_minor(text: str, *, today: dt.date | None = None) -> bool:
    """Whether the person who wrote `text` says they are under 18 (see the module docstring).

    `today` dates a birth year ("je suis née en 2010"); the current date by default."""
    return _declares_minor(text, (today or dt.date.today()).year)


# Verdicts kept per text: every step of a reply reads the same unanswered messages again.
VERDICT_CACHE = 2048


@functools.lru_cache(maxsize=VERDICT_CACHE)
def _declares_minor(text: str, year: int) -> bool:
    norm = normalise(text)
    if any(p.search(norm) for p in _MINOR):
        return True
    born = _BORN.search(norm)
    if born:
        return year - int(born.group(1) or born.group(2)) < 18
    return False


# --------------------------------------------------------------------------- stop
# What may follow a statement so that it stands on its own: the end of the clause or a tag.
# A question mark is not one ("pas intéressée ?" asks).
_STOP_END = (
    rf"(?=\s*(?:$|[.!,;…)~*]|{_EMOJI}|:\)|:\(|(?:desole|desolee|merci|sorry|thanks|thank\s+you"
    r"|bonne\s+continuation|bonne\s+chance|good\s+luck|bye|ciao|salut|adieu|au\s+revoir|stp|svp"
    r"|please|pls|plz|ok|donc|alors|so|and|et|mais|but|vraiment|really|maintenant|now"
    r"|du\s+tout|at\s+all|anymore|any\s+more|en\s+fait|actually|tbh)\b))"
)
_TO_ME = (
    r"(?:m'ecrire|me\s+parler|m'envoyer\s+des\s+messages|me\s+harceler|me\s+contacter"
    r"|me\s+spammer|me\s+relancer|me\s+draguer|me\s+deranger|me\s+saouler|me\s+souler"
    r"|me\s+soler|me\s+texter|me\s+recontacter|m'harceler|me\s+faire\s+chier|me\s+suivre"
    r"|me\s+coller|insister|me\s+forcer|me\s+menacer|m'insulter)"
)

_STOP = [
    # "arrête de me harceler", "arrêtez de m'écrire", "cesse de me contacter", "stop de m'écrire".
    _rx(rf"""\b(?:arrete|arretez|arretes|cesse|cessez|stop|stoppe|stoppez)\s*,?\s+(?:donc\s+|stp\s+
    |svp\s+|maintenant\s+|tout\s+de\s+suite\s+)?de\s+{_TO_ME}"""),
    # "ne m'écris plus", "me contacte plus", "ne me parle plus jamais", "ne me recontacte pas".
    _rx(
        r"""\b(?:ne\s+)?m'(?:ecri(?:s|t|vez)|envoie|envoies|envoyez)\s+plus\b
        |\b(?:ne\s+)?me\s+(?:contacte|contactez|contactes|parle|parlez|relance|relancez|texte
        |recontacte|recontactez|harcele|harcelez)\s+(?:plus|jamais)\b
        |\bne\s+me\s+(?:recontacte|recontactez|contacte|contactez|reecris|reecrivez)\s+pas\b
        |\bme\s+(?:recontacte|recontactez)\s+(?:pas|plus|jamais)\b
        |\bne\s+m'ecri(?:s|vez)\s+(?:plus|pas|jamais)\b"""
    ),
    # "laisse-moi tranquille", "fous-moi la paix", "lâche-moi".
    _rx(
        r"""\blaisse[sz]?[\s-]*moi\s+(?:tranquille|en\s+paix)\b
        |\b(?:fous|fout|foutez|fiche|fichez|fichez)[\s-]*moi\s+la\s+paix\b
        |\blache[sz]?[\s-]*moi\s+(?:la\s+grappe|les\s+baskets|tranquille)\b
        |\blache[sz]?[\s-]*moi\b(?=\s*(?:$|[.!,;…]|stp|svp|maintenant))"""
    ),
    # Harassment named: "tu me harcèles", "c'est du harcèlement", "you're harassing me".
    _rx(
        rf"""\btu\s+me\s+harcele[sz]?\b(?:\s+la\b)?{_STOP_END}|\bvous\s+me\s+harcelez\b{_STOP_END}
        |\bc'est\s+du\s+harcelement\b
        |\b(?:you'?re|you\s+are|ur)\s+harass?ing\s+me\b|\bthis\s+is\s+harass?ment\b"""
    ),
    # "j'ai trouvé quelqu'un", "j'ai rencontré quelqu'un d'autre", "je suis en couple maintenant".
    _rx(
        rf"""\bj'?\s?ai\s+(?:trouve|rencontre)\s+(?:quelqu'un|qqn|qq'un|quelqu'une)
        (?:\s+d'autre\b|\s+(?:de\s+mon\s+cote|entre\s+temps|entretemps|sur\s+l'appli|ailleurs)\b
        |{_STOP_END})
        |\bje\s+(?:suis|me\s+suis\s+mise?)\s+(?:en\s+couple|avec\s+quelqu'un)\s+
        (?:maintenant|depuis\s+peu|desormais|entre\s+temps)\b
        |\bje\s+ne\s+suis\s+plus\s+(?:disponible|dispo|celibataire|libre)\b{_STOP_END}
        |\bje\s+suis\s+plus\s+celibataire\b"""
    ),
    # "pas intéressée, désolée", "ça ne m'intéresse pas", "je ne veux plus te parler".
    _rx(
        rf"""\b(?:pas|plus)\s+interesse(?:e|s|es)?\b{_STOP_END}
        |\bca\s+(?:ne\s+)?m'interesse\s+(?:pas|plus)\b{_STOP_END}
        |\bje\s+(?:ne\s+)?veux\s+plus\s+(?:te\s+parler|discuter|parler|que\s+tu\s+m'ecrives
        |de\s+tes\s+messages|recevoir|avoir\s+de\s+(?:tes\s+)?nouvelles|echanger)\b
        |\bje\s+(?:ne\s+)?(?:veux|souhaite)\s+pas\s+(?:continuer|poursuivre)\b{_STOP_END}"""
    ),
    # "je vais te bloquer", "je te signale", "on en reste là", "je préfère qu'on arrête là".
    _rx(
        rf"""\bje\s+(?:vais\s+te|te)\s+(?:bloquer|bloque|signaler|signale)\b{_STOP_END}
        |\b(?:on\s+en\s+reste|restons[\s-]en|j'en\s+reste)\s+la\b{_STOP_END}
        |\bje\s+prefere\s+(?:qu'on\s+)?(?:arreter|arrete|en\s+rester)\s+(?:la|ici)\b{_STOP_END}
        |\b(?:arretons|on\s+arrete|j'arrete)\s+(?:la|ici)\s+(?:la\s+)?(?:conversation|discussion
        |les\s+frais|nos\s+echanges)\b
        |\b(?:c'est|c\s+est)\s+(?:fini|termine)\s+(?:entre\s+nous|pour\s+moi)\b
        |\bbye\s+(?:definitivement|pour\s+de\s+bon)\b"""
    ),
    # Polite endings: "je ne souhaite pas donner suite", "je préfère arrêter là", "bonne
    # continuation à toi", "merci de ne plus m'écrire", "plus la peine de m'écrire".
    _rx(
        rf"""\bje\s+(?:ne\s+)?(?:souhaite|veux|vais|prefere|compte)\s+(?:pas|plus|ne\s+pas)\s+
        donner\s+suite\b|\bje\s+(?:ne\s+)?donnerai\s+pas\s+suite\b
        |\bje\s+(?:prefere|vais|prefererais)\s+(?:arreter|m'arreter|stopper)\s*(?:la|ici|les\s+frais
        |notre\s+(?:conversation|discussion|echange))?\b{_STOP_END}
        |\bj'arrete\s+(?:la|ici)\b{_STOP_END}
        |\b(?:bonne\s+continuation|bonne\s+chance\s+(?:pour\s+la\s+suite|dans\s+tes\s+recherches))
        \s+(?:a\s+toi|a\s+vous|dans\s+tes\s+recherches|pour\s+la\s+suite)\b
        |\bje\s+te\s+souhaite\s+(?:une\s+)?bonne\s+continuation\b
        |\bje\s+te\s+souhaite\s+de\s+trouver\s+(?:quelqu'un|la\s+bonne|chaussure|ton\s+bonheur)
        |\bmerci\s+de\s+(?:ne\s+plus|ne\s+pas)\s+(?:m'ecrire|me\s+contacter|me\s+recontacter
        |me\s+relancer|m'envoyer)
        |\b(?:plus|pas|c'est\s+pas|ce\s+n'est\s+pas|inutile|c'est\s+inutile)\s+(?:la\s+peine\s+)?
        (?:de\s+)?(?:m'ecrire|me\s+recontacter|me\s+relancer|de\s+me\s+repondre|insister)\b
        |\bje\s+(?:ne\s+)?(?:te\s+)?repondrai\s+plus\b
        |\bj'?\s?ai\s+plus\s+envie\s+de\s+(?:te\s+parler|parler|discuter|continuer)\b
        |\bje\s+n'ai\s+plus\s+envie\s+de\s+(?:te\s+parler|parler|discuter|continuer)\b
        |\b(?:t'es|tu\s+es|vous\s+etes)\s+(?:vraiment\s+|trop\s+|super\s+)?(?:lourd|lourde|relou
        |insistant|insistante)\b
        |\btu\s+(?:n'es|es)\s+pas\s+mon\s+(?:genre|type|style)\b|\bt'es\s+pas\s+mon\s+(?:genre|type|style)\b
        |\bje\s+(?:quitte|supprime|desinstalle)\s+(?:l'appli|l'application|mon\s+compte|randomatch)\b
        |\boublie[sz]?[\s-]*moi\b{_STOP_END}|^(?:bon\s+|ok\s+)?(?:ca\s+suffit|basta)\b"""
    ),
    # "stop" as the whole message, or "stop les messages", "stop maintenant".
    _rx(
        r"""^(?:(?:bon|ok|alors|non|mais|euh|please|pls|ok\s+so|seriously|serieux)[\s,!.]*)*
        stop(?:\s*(?:!+|\.+|stp|svp|please|pls|maintenant|now|merci|thanks))*\s*$
        |\bstop\s+(?:les|tes|vos|avec\s+tes|avec\s+vos)\s+messages\b
        |^stop\s*[,.!]+\s*(?:je|ne|arrete|laisse|please|leave|don't|dont)\b"""
    ),
    # English: "stop texting me", "please don't text me again", "leave me alone".
    _rx(
        r"""\bstop\s+(?:texting|messaging|writing|writing\s+to|contacting|bothering|harass?ing
        |spamming|msging|dming|hitting\s+on|following|calling)\s+me\b
        |\b(?:don'?t|do\s+not|never)\s+(?:ever\s+)?(?:text|message|msg|write\s+to|contact|dm|call
        |bother)\s+me\s+(?:again|anymore|any\s+more|ever\s+again)\b
        |\b(?:don'?t|do\s+not)\s+(?:text|message|msg|write\s+to|contact|dm)\s+me\b(?=\s*(?:$|[.!,;…]))
        |\bleave\s+me\s+(?:alone|be)\b
        |\b(?:fuck|f)\s+off\b|\b(?:just|please|pls|now)\s+go\s+away\b|^go\s+away\b"""
    ),
    _rx(
        rf"""\b(?:i'?m|im|i\s+am)\s+(?:not|no\s+longer)\s+interested\b{_STOP_END}
        |^(?:(?:sorry|thanks|honestly|tbh)[\s,!.]*)*not\s+interested\b{_STOP_END}
        |\bi(?:'ve|\s+have)?\s+(?:met|found)\s+someone\b(?:\s+else\b|{_STOP_END})
        |\b(?:i'?m|im|i\s+am)\s+(?:seeing|dating|with)\s+someone\s+(?:now|else)\b
        |\b(?:i'?m|im|i\s+am)\s+(?:in\s+a\s+relationship|taken)\s+now\b
        |\b(?:i'?m|im|i\s+am)\s+(?:going\s+to|gonna)\s+(?:block|report)\s+you\b
        |\b(?:i'?m|im|i\s+am)\s+(?:blocking|reporting|unmatching)\s+you\b
        |\bi(?:'ll|\s+will)\s+(?:block|report)\s+you\b
        |\b(?:i'?m|im|i\s+am)\s+done\s+(?:talking\s+(?:to|with)\s+you|chatting\s+(?:to|with)\s+you
        |with\s+you|with\s+this\s+conversation)\b
        |\bi\s+(?:don'?t|do\s+not)\s+want\s+to\s+(?:talk|chat|speak)\s+(?:to|with)\s+you
        (?:\s+(?:anymore|any\s+more|again))?{_STOP_END}
        |\bi\s+(?:don'?t|do\s+not)\s+want\s+to\s+hear\s+from\s+you\b
        |\blose\s+my\s+number\b|\bunmatch(?:ing)?\s+(?:you\s+)?now\b
        |\bi(?:'m|\s+am|m)?\s+(?:not\s+)?(?:feeling\s+it|gonna\s+pass|going\s+to\s+pass)\b{_STOP_END}
        |\bi'?ll\s+pass\b{_STOP_END}|\bi\s+don'?t\s+(?:think\s+(?:this|we|it)'?s?\s+(?:is\s+)?
        going\s+to\s+work|see\s+this\s+going\s+anywhere)\b
        |\bthis\s+(?:isn'?t|is\s+not)\s+(?:going\s+to|gonna)\s+work\b
        |\bgood\s+luck\s+(?:with\s+(?:your|the)\s+search|out\s+there|finding\s+someone)\b
        |\bi(?:'m|\s+am|m)\s+(?:deleting|leaving|quitting)\s+(?:the|this)\s+app\b
        |\bi\s+won'?t\s+(?:be\s+)?(?:reply|replying|respond|responding|answer|answering)\b
        |\b(?:quit|stop)\s+(?:messaging|texting|writing|contacting)\b
        |\b(?:cut\s+it\s+out|back\s+off)\b{_STOP_END}
        |^(?:(?:ok|okay|please|seriously|ugh)[\s,!.]*)*(?:that'?s\s+)?enough\s*[.!]*\s*$
        |^(?:(?:ok|okay|seriously|ugh)[\s,!.]*)*(?:please\s+)?stop\s+it\s*(?:please|now)?\s*[.!]*\s*$
        |\byou'?re\s+not\s+my\s+type\b|\bno\s+longer\s+(?:looking|interested|on\s+here)\b"""
    ),
]


@functools.lru_cache(maxsize=VERDICT_CACHE)
def asks_to_stop(text: str) -> bool:
    """Whether the person who wrote `text` asks the persona to stop writing to them (see the
    module docstring)."""
    norm = normalise(text)
    return any(p.search(norm) for p in _STOP)
