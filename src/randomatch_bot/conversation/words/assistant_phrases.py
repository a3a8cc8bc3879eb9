# ruff: noqa: E501 - a phrase list reads best with one pattern per line
"""The formulas that give a reply away as written by an assistant, French and English.

Each entry is a *formula*, never a single word: "merci" or "je comprends" are what people
write; "merci pour ta question" or "je comprends tout à fait ce que tu ressens" are what an
assistant writes. An entry has a name (the kind of tell, reported by `register.assess`, `eval`
and the logs), a weight (2: one is enough to call the reply assistant register; 1: a hint that
needs another), and whether the style pass may cut it (`cut`): only formulas that carry nothing
but service ("N'hésite pas si tu as d'autres questions !", "I hope this helps!") are cut, and
only where they make a whole sentence or a whole clause (`without_formulas`). A formula inside a
sentence that says something ("Il convient de noter que le refuge ferme en octobre") is never
cut: the reply is asked for again instead (`register`).

Patterns are matched against `fold(text)`: lower case, accents removed, apostrophes and dashes
unified, one char per char of the text (so a match is also a span of the original text); a
space in a pattern matches any run of spaces.

To add one: a kind of tell below, a pattern for the whole formula (its usual objects included,
so that cutting it leaves nothing behind), and a sentence in `tests/unit/test_style.py` it
catches next to a natural one it leaves alone.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

__all__ = [
    "ASSISTANT_PHRASES",
    "Formula",
    "assistant_tells",
    "fold",
    "formula_matches",
    "without_formulas",
]


@dataclass(frozen=True, slots=True)
class Formula:
    """One assistant formula: its kind of tell, its pattern on `fold`ed text, its weight and
    whether the style pass may cut it where it makes a whole sentence or clause."""

    name: str
    pattern: re.Pattern[str]
    weight: int = 2
    cut: bool = True


def _compile(pattern: str) -> re.Pattern[str]:
    # A space matches any run of spaces; the patterns hold no space inside a character class.
    return re.compile(pattern.replace(" ", r"\s+"))


# Objects of an offer of help: what the person might need "more" of.
_NEEDS_FR = (
    r"besoin (?:d'|de )(?:[\w']+ ){0,3}?(?:conseils?|infos?|informations?|aide|precisions?|idees?|recommandations?|suggestions?|details?|renseignements?)(?: supplementaires?| en plus| complementaires?)|"
    r"(?:d'autres|des|encore des|la moindre|une autre|une) (?:questions?|interrogations?)"
    r"|besoin(?: (?:de quoi que ce soit|d'autre chose|de plus d'infos|de plus d'informations|d'aide|d'un coup de main"
    r"|de conseils?|d'autres conseils|d'infos|d'informations|de precisions|d'autres infos|d'autres idees|de plus de details"
    r"|d'autres recommandations|de recommandations|d'autres suggestions|de suggestions))?"
)
_NEEDS_EN = (
    r"(?:any |some )?(?:other |more |further |additional |follow-up )?(?:questions?|help|assistance|info|information"
    r"|tips|advice|recommendations|suggestions|ideas|clarification|details)"
    r"|(?:need )?anything(?: else)?"
)
# An offer of help is a formula when it ends there ("si tu as besoin d'aide !"); about a
# concrete thing ("si tu as besoin d'aide pour la tente") it is what a person offers.
_END = r"(?=\s*(?:[^\w\s']|$))"
_YOU_FR = r"(?:jamais )?(?:tu as|t'as|tu aurais|vous avez|tu en as|t'en as)"
_HELP_FR = r"(?:t'aider|te conseiller|t'accompagner|te renseigner|repondre a (?:tes|toutes tes|d'autres|vos) questions|t'en dire plus|t'eclairer)"
_HELP_EN = r"(?:help|assist|answer (?:any|your|more|other) questions|provide more (?:info|information|details)|tell you more|share more)"

_PHRASES: tuple[tuple[str, str, int, bool], ...] = (
    # --- offers of more help ---
    (
        "offer_more_help",
        rf"\bn'?h[ea]site[sz]? (?:pas|surtout pas|vraiment pas|jamais) (?:si {_YOU_FR} (?:{_NEEDS_FR})(?: (?:sur|concernant|a propos d[eu']) [^,.!?]{{1,40}}?)?{_END}|si besoin{_END}|en cas de (?:besoin|questions?)|a (?:me (?:demander|solliciter|contacter|recontacter|poser (?:d'autres |tes |toutes tes |des )?questions?|dire si {_YOU_FR} (?:{_NEEDS_FR})|faire signe si {_YOU_FR} (?:{_NEEDS_FR}))|revenir vers moi|demander si {_YOU_FR} (?:{_NEEDS_FR})|poser (?:d'autres |tes |des )?questions?))(?: (?:sur|concernant|a propos d[eu']|pour) [^,.!?]{{1,40}}?)?",
        2,
        True,
    ),
    (
        "offer_more_help",
        rf"\bsi {_YOU_FR} (?:{_NEEDS_FR})(?: (?:sur|concernant|a propos d[eu']|pour) [^,.!?]{{1,40}}?)?,? (?:n'?h[ea]site[sz]? pas(?: a (?:me (?:demander|le dire|contacter|solliciter|faire signe)|revenir vers moi))?|je (?:suis|reste) (?:la|dispo\w*|a (?:ta|votre) disposition)|dis-le-moi|dis-le moi|dis-moi|fais-moi signe|demande-moi|pose-les(?: moi)?|je serai(?:s)? (?:la|ravie?|heureux|heureuse)(?: de {_HELP_FR})?)",
        2,
        True,
    ),
    (
        "offer_more_help",
        rf"\bje (?:suis|reste|serai) (?:toujours |bien |ici )?(?:la|disponible|dispo|a ta disposition|a votre disposition|a ton ecoute|a votre ecoute) (?:pour {_HELP_FR}|si {_YOU_FR} (?!besoin{_END})(?:{_NEEDS_FR}){_END})",
        2,
        True,
    ),
    (
        "offer_more_help",
        r"\bje (?:reste|suis|demeure) (?:toujours |bien )?a (?:ta|votre) (?:entiere |complete )?disposition\b",
        2,
        True,
    ),
    (
        "offer_more_help",
        rf"\b(?:je serais|je serai|je suis) (?:ravie?|heureux|heureuse|content|contente) de {_HELP_FR}(?: davantage| encore| si besoin)?",
        2,
        True,
    ),
    (
        "offer_more_help",
        rf"\b(?:dis|fais)-moi (?:savoir )?si {_YOU_FR} (?:{_NEEDS_FR}){_END}",
        2,
        True,
    ),
    ("offer_more_help", r"\bfais-moi savoir si\b", 2, True),
    (
        "offer_more_help",
        r"\b(?:y a-t-il|y'a-t-il|est-ce qu'il y a) (?:autre chose|quelque chose d'autre) (?:que je (?:puisse|peux) faire|sur lequel|pour lequel|que tu (?:voudrais|aimerais|souhaites) savoir)(?: (?:pour (?:toi|vous)|aujourd'hui))?",
        2,
        True,
    ),
    (
        "offer_more_help",
        r"\b(?:puis-je|est-ce que je peux|je peux) t'aider (?:avec|pour|sur|en) (?:autre chose|quelque chose d'autre|quoi que ce soit)\b",
        2,
        True,
    ),
    (
        "offer_more_help",
        r"\b(?:comment|en quoi) (?:puis-je|est-ce que je peux|je peux) (?:t'aider|vous aider|t'etre utile|vous etre utile)(?: aujourd'hui)?",
        2,
        True,
    ),
    (
        "offer_more_help",
        r"\b(?:que|qu'est-ce que) (?:puis-je|je peux) faire (?:d'autre )?pour (?:toi|vous)(?: aujourd'hui)?",
        2,
        True,
    ),
    (
        "offer_more_help",
        r"\bas-tu d'autres questions\b(?: (?:sur|concernant) (?:ce sujet|le sujet|ca|cela))?",
        2,
        True,
    ),
    (
        "offer_more_help",
        r"\bsi tu veux,? je (?:peux|pourrais) (?:aussi |egalement )?te (?:donner|proposer|suggerer|preparer|faire|conseiller) (?:d'autres |plus d'|quelques |une liste|des )(?:idees|conseils|suggestions|recommandations|options|details|informations|infos|itineraires|de)?",
        2,
        True,
    ),
    # English
    (
        "offer_more_help",
        r"\bis there anything (?:else )?(?:(?:that )?i can (?:help(?: you)? with|do for you|assist(?: you)? with)|you(?:'d| would) like to (?:know|ask|discuss|talk about)|you want to (?:know|ask))",
        2,
        True,
    ),
    (
        "offer_more_help",
        r"\banything else (?:(?:that )?i can (?:help(?: you)? with|do for you)|you(?:'d| would) like to (?:know|ask|discuss))",
        2,
        True,
    ),
    (
        "offer_more_help",
        rf"\blet me know if (?:you (?:have|need|'ve got|want|would like|'d like) (?:{_NEEDS_EN}){_END}|there(?:'s| is) anything (?:else )?(?:i can (?:do|help(?: you)? with)|you need)|i can (?:help|assist)(?: (?:with|in) any (?:other )?way)?)",
        2,
        True,
    ),
    ("offer_more_help", r"\blet me know how i can (?:help|assist)\b", 2, True),
    (
        "offer_more_help",
        rf"\bif you have (?:{_NEEDS_EN})(?: (?:about|on|regarding|for) [^,.!?]{{1,40}}?)?,? (?:feel free to (?:ask|reach out|let me know)|don't hesitate to (?:ask|reach out)|just (?:ask|let me know)|let me know|i'm (?:here|happy to help))",
        2,
        True,
    ),
    (
        "offer_more_help",
        rf"\bfeel free to (?:ask(?: me)?(?: (?:anything(?: else)?|any(?: other| more)? questions?))?|reach out|contact me|let me know)(?: if you (?:have|need) (?:{_NEEDS_EN}))?(?: (?:anytime|any time|at any time))?",
        2,
        True,
    ),
    (
        "offer_more_help",
        rf"\bdon'?t hesitate to (?:ask|reach out|contact me|let me know)(?: if you (?:have|need) (?:{_NEEDS_EN}))?",
        2,
        True,
    ),
    (
        "offer_more_help",
        rf"\bi(?:'m| am) (?:always )?(?:here|happy|glad|available) (?:to {_HELP_EN}|if you (?:need|have) (?:{_NEEDS_EN}){_END})",
        2,
        True,
    ),
    (
        "offer_more_help",
        rf"\bi(?:'d| would) be (?:happy|glad|delighted) to {_HELP_EN}(?: (?:further|more))?",
        2,
        True,
    ),
    (
        "offer_more_help",
        r"\b(?:happy|glad) to (?:help|assist)(?: further| you| with (?:that|anything|any \w+)| anytime| any time)?(?=\s*(?:[^\w\s']|$)|\s+(?:and|if|whenever)\b)",
        2,
        True,
    ),
    ("offer_more_help", r"\bhow (?:can|may) i (?:help|assist)(?: you)?(?: today)?\b", 2, True),
    (
        "offer_more_help",
        r"\bwhat (?:else )?can i (?:help you with|do for you)(?: today)?\b",
        2,
        True,
    ),
    # --- thanks for the question ---
    (
        "thanks_for_question",
        r"\bmerci (?:beaucoup |bien |infiniment )?(?:pour|de) (?:ta|votre|cette|ton|ce|tes) (?:excellente |super |tres bonne |belle |bonne )?(?:question|interrogation|demande|interet|curiosite|confiance|partage)s?\b",
        2,
        True,
    ),
    (
        "thanks_for_question",
        r"\bmerci (?:beaucoup )?(?:de (?:m'avoir (?:pose|demande|partage|fait part)|me (?:poser|demander) (?:ca|cela|cette question))|d'avoir (?:pose|partage|demande) (?:cette question|ca|cela|ton experience)?)",
        2,
        True,
    ),
    (
        "thanks_for_question",
        r"\bmerci de (?:partager|me faire part de) (?:ca|cela|ton experience|tes (?:sentiments|ressentis|pensees))\b",
        2,
        True,
    ),
    (
        "thanks_for_question",
        r"\bthank(?:s| you) (?:so much |very much )?for (?:your|the|this|that|such a) (?:great |good |thoughtful |excellent |interesting )?(?:question|inquiry|query)\b",
        2,
        True,
    ),
    (
        "thanks_for_question",
        r"\bthank you (?:so much )?for (?:reaching out|sharing(?: (?:this|that|your \w+))?(?: with me)?|asking(?: such| this| that)?(?: a)?(?: great| good)?(?: question)?)",
        2,
        True,
    ),
    ("thanks_for_question", r"\bthanks for sharing (?:this|that|your \w+) with me\b", 2, True),
    # --- praise of the question ---
    (
        "great_question",
        r"\b(?:(?:c'est|voila|quelle|ah,? la) )?(?:une )?(?:excellente|tres bonne|tres belle|super|si bonne|tres pertinente|tres interessante) question\b",
        2,
        True,
    ),
    (
        "great_question",
        r"\bquelle (?:excellente|belle|bonne|super|interessante|pertinente) question\b",
        2,
        True,
    ),
    ("great_question", r"\b(?:c'est une |tres )?question (?:tres )?pertinente\b", 2, True),
    (
        "great_question",
        r"\b(?:(?:that's|that is|what|such) (?:a |an )?(?:really |very |such a )?)?(?:great|excellent|fantastic|wonderful|thoughtful|brilliant) question\b",
        2,
        True,
    ),
    # --- ready-made empathy ---
    (
        "empathy_formula",
        r"\bje (?:comprends|peux comprendre|imagine) (?:tout a fait |parfaitement |completement |totalement |bien |vraiment |tres bien )?(?:ce que tu (?:ressens|traverses|vis|dois ressentir)|ce que vous ressentez|(?:ta|ton|tes|votre|vos) (?:frustration|deception|inquietude|point de vue|ressenti|sentiments?|emotions?|position|reaction|hesitations?|doutes?|preoccupations?|tristesse|colere|peine|besoin))\b(?!,? (?:mais|par contre|sauf que|pourtant)\b)",
        2,
        True,
    ),
    (
        "empathy_formula",
        r"\bje comprends (?:tout a fait|parfaitement|completement|totalement)(?=\s*(?:[.!…]|$))",
        2,
        False,
    ),
    (
        "empathy_formula",
        r"\b(?:c'est|il est|ce que tu ressens est) (?:tout a fait |totalement |parfaitement |completement )?(?:normal|comprehensible|legitime|valide|naturel) (?:de (?:ressentir|se sentir|te sentir|ressentir (?:ca|cela)|avoir ce (?:sentiment|ressenti))|que tu (?:ressentes|te sentes))",
        2,
        True,
    ),
    (
        "empathy_formula",
        r"\bc'est (?:tout a fait|totalement|parfaitement|completement) (?:comprehensible|legitime|normal de ressentir \w+)\b",
        2,
        True,
    ),
    (
        "empathy_formula",
        r"\b(?:tes|vos) (?:sentiments|emotions|ressentis) sont (?:tout a fait |totalement )?(?:valides|legitimes|normaux|comprehensibles)\b",
        2,
        True,
    ),
    (
        "empathy_formula",
        r"\bje suis (?:vraiment |sincerement )?desolee? que tu (?:traverses|vives|ressentes|te sentes|passes par)\b",
        2,
        True,
    ),
    (
        "empathy_formula",
        r"\bi (?:completely |totally |truly |really |fully |can |do )?understand (?:how you(?:'re| are)? (?:feel|feeling)|what you(?:'re| are) (?:going through|feeling)|your (?:frustration|concern|concerns|feelings|perspective|point of view|hesitation|disappointment))\b(?!,? (?:but|though|however)\b)",
        2,
        True,
    ),
    (
        "empathy_formula",
        r"\b(?:it's|it is|that's|that is) (?:completely |totally |perfectly |entirely )?(?:normal|okay|ok|understandable|natural|valid) to feel (?:this way|that way|like that|\w+)\b",
        2,
        True,
    ),
    (
        "empathy_formula",
        r"\b(?:that's|that is|it's|it is) (?:completely|totally|perfectly|entirely) understandable\b",
        2,
        True,
    ),
    (
        "empathy_formula",
        r"\byour feelings are (?:completely |totally |perfectly )?(?:valid|understandable|normal)\b",
        2,
        True,
    ),
    (
        "empathy_formula",
        r"\bi(?:'m| am) (?:so |really |truly )?sorry (?:to hear )?(?:that )?you(?:'re| are) (?:feeling|going through) (?:this|that)(?: way)?\b",
        2,
        True,
    ),
    # --- the assistant speaking as one ---
    (
        "as_a_x",
        r"\ben tant qu'(?:ia|i\.a\.|assistante?|intelligence artificielle|ai|chatbot|agent conversationnel)\b|\ben tant que (?:modele de langage|modele d'ia|modele d'intelligence artificielle|assistante?|chatbot|programme|robot conversationnel)\b",
        2,
        False,
    ),
    (
        "as_a_x",
        r"\bje suis (?:un|une) (?:modele de langage|assistante? virtuele?|assistante? (?:ia|virtuel)|agent conversationnel|programme informatique)\b",
        2,
        False,
    ),
    (
        "as_a_x",
        r"\bas an? (?:ai|a\.i\.|ai language model|language model|virtual assistant|ai assistant|assistant|chatbot)\b",
        2,
        False,
    ),
    (
        "as_a_x",
        r"\bi(?:'m| am) (?:just |only )?an? (?:ai language model|language model|virtual assistant|ai assistant)\b",
        2,
        False,
    ),
    (
        "as_a_x",
        r"\b(?:i don't|i do not) have (?:personal )?(?:experiences|opinions|feelings|emotions|a body)(?: like (?:humans|people) do)?\b",
        2,
        False,
    ),
    (
        "as_a_x",
        r"\bje n'ai pas (?:d'experiences? personnelles?|d'opinions? personnelles?|de sentiments|d'emotions|de corps physique)\b",
        2,
        False,
    ),
    (
        "as_a_x",
        r"\ben tant qu(?:e |')(?:\w+(?:'\w+)? ){0,3}?(?:passionnee?|amateur|amatrice|fan|adepte|randonneuse|randonneur|guide|expert|experte|specialiste|habitue|habituee|grande? (?:marcheuse|marcheur|randonneuse|randonneur)|montagnarde?|amoureuse|amoureux|amatrice|fervente?|inconditionnelle?)\b[^,.!?]*,? (?:je (?:peux|pourrais|dirais|trouve|ne peux que|suis convaincue?|te (?:dirais|conseille|recommande|conseillerais|recommanderais))|j'ai (?:pu|appris)|laisse-moi|il me semble)",
        2,
        False,
    ),
    ("as_a_x", r"^en tant qu(?:e |')(?:[\w'-]+ ){0,4}?[\w'-]+, (?:je|j')\b", 1, False),
    (
        "as_a_x",
        r"\bas an? (?:\w+ ){0,3}?(?:enthusiast|lover|fan|hiker|expert|guide|outdoor person|nature lover|mountain person),? i (?:can|could|would|'d|think|find|always|highly|really)\b",
        2,
        False,
    ),
    # --- offers to do something for the person ---
    (
        "offer_more_help",
        r"\b(?:veux-tu|voudrais-tu|souhaites-tu|aimerais-tu|tu souhaites|est-ce que tu souhaites) que je (?:te |t')?(?:donne|propose|prepare|fasse|suggere|conseille|recommande|partage|dresse|detaille|explique|aide)\b|\b(?:veux-tu|voudrais-tu|souhaites-tu|aimerais-tu|tu veux|tu voudrais|tu aimerais) (?:que je te (?:donne|propose|prepare|fasse|dresse|envoie|suggere) )?(?:une liste|des conseils|quelques (?:idees|conseils|suggestions|recommandations)|d'autres (?:idees|conseils|suggestions|options|recommandations)|un itineraire (?:detaille|complet)|plus de (?:details|conseils|informations|infos))\b",
        2,
        True,
    ),
    (
        "offer_more_help",
        r"\bwould you like (?:me to )?(?:suggest|recommend|provide|list|put together|go over|outline|create)\b|\b(?:would you like|do you want) (?:some|a few|more|other|additional|further) (?:tips|ideas|suggestions|recommendations|options|details|information|info)\b",
        2,
        True,
    ),
    (
        "offer_more_help",
        r"\b(?:si tu (?:veux|le souhaites|le veux|en as envie|es interessee?)|if you(?:'d like| would like| want| like| are interested| 're interested)),? (?:je (?:peux|pourrais)|i (?:can|could|'d be happy to|would be happy to)) (?:aussi |egalement |also )?(?:te |t')?(?:donner|proposer|suggerer|recommander|conseiller|partager|preparer|envoyer|detailler|indiquer|suggest|recommend|share|give you|provide|put together|send you|list) (?:d'autres |plus d'|quelques |une liste d'|une liste de |des |some |a few |more |other |a list of )(?:idees|conseils|suggestions|recommandations|options|details|informations|infos|itineraires|astuces|pistes|ideas|tips|suggestions|recommendations|options|details|resources)\b",
        2,
        True,
    ),
    (
        "offer_more_help",
        rf"\btu (?:peux|pourras) (?:toujours |aussi )?compter sur moi(?: pour (?:des conseils|tes questions|t'aider)(?: [^,.!?]{{1,30}})?| si (?:tu as besoin|besoin))?{_END}|\byou can (?:always )?count on me(?: for (?:advice|tips|help)| if you need (?:anything|help))?{_END}",
        2,
        True,
    ),
    (
        "offer_more_help",
        r"\bn'?h[ea]site[sz]? (?:pas|surtout pas) a me faire part (?:de tes (?:impressions|remarques|questions|retours|envies)|de ton avis)\b",
        2,
        True,
    ),
    (
        "offer_more_help",
        r"\bpour repondre a (?:ta|votre) question\b|\bto answer your question\b",
        2,
        False,
    ),
    # --- generic answers ---
    (
        "generic_answer",
        r"\b(?:cela|ca|tout) depend (?:de (?:plusieurs|nombreux|beaucoup de|differents) (?:facteurs|criteres|elements|choses|parametres)|(?:vraiment |surtout )?de tes (?:preferences|envies|objectifs|besoins))\b|\bit (?:really |all )?depends on (?:several|many|a few|various|a number of) (?:factors|things)\b|\bit (?:really |all )?depends on your (?:preferences|goals|needs)\b",
        2,
        False,
    ),
    (
        "generic_answer",
        r"\bil (?:existe|y a) (?:de nombreuses|plusieurs|de nombreux|beaucoup de|differentes|differents) (?:options|facons|manieres|possibilites|choses a considerer|facteurs|criteres|aspects)\b|\bthere are (?:many|several|a (?:few|number of|variety of)|plenty of|various) (?:options|ways|factors|things to consider|considerations|aspects)\b",
        2,
        False,
    ),
    (
        "generic_answer",
        r"\b(?:en fin de compte|au bout du compte|ultimately),? (?:le (?:plus important|choix)|tout|l'essentiel|the (?:most important|choice|key)|it(?:'s| is) (?:all )?about|it depends|c'est (?:a toi|une question))",
        2,
        False,
    ),
    (
        "generic_answer",
        r"\b(?:le choix|the choice|la decision|the decision) (?:t'appartient|te revient|is yours|is up to you)\b|\bquel(?:le)?s? que soi(?:t|ent) (?:ton|ta|tes|votre) (?:choix|decision|niveau|preferences?)\b|\bwhatever you (?:decide|choose)\b",
        2,
        False,
    ),
    (
        "generic_answer",
        r"\bchaque (?:randonneur|randonneuse|personne|individu) est (?:different|unique)\b|\beveryone is different\b|\bevery (?:hiker|person) is (?:different|unique)\b",
        1,
        False,
    ),
    # --- written register ---
    (
        "written_register",
        r"\b(?:en ce qui concerne|pour ce qui est de|concernant|quant a|s'agissant de|when it comes to|with regard to|regarding|in terms of)\b",
        1,
        False,
    ),
    (
        "written_register",
        r"\b(?:cela|ceci) (?:semble|permet|peut|depend|signifie|dit|etant dit|me (?:semble|permet))\b|\bcela\b(?=[^.!?]*\bcela\b)",
        1,
        False,
    ),
    (
        "written_register",
        r"\bje te (?:recommande|conseille) (?:vivement|fortement|chaudement|egalement)\b|\bi (?:highly|strongly|would) recommend\b|\bi'd (?:highly |strongly )?recommend(?= \w+ing\b)|\bi would suggest\b",
        1,
        False,
    ),
    (
        "written_register",
        r"\b(?:n'oublie pas|pense|veille|assure-toi|make sure|don't forget|remember) (?:de |a |to )?(?:bien |toujours |always )?(?:t'hydrater|t'equiper|verifier (?:la meteo|les previsions|les conditions)|stay hydrated|check the (?:weather|forecast|conditions)|bring (?:plenty of )?water|prendre suffisamment d'eau|porter des chaussures adaptees|wear (?:proper|appropriate|suitable) (?:shoes|footwear|boots))\b",
        1,
        False,
    ),
    (
        "written_register",
        r"\b(?:ravie?|heureux|heureuse|enchantee?|delighted|glad|happy|pleased) (?:d'echanger|de discuter|d'en discuter|de parler|to (?:chat|discuss|connect|talk))(?: avec (?:toi|vous)| with you)?(?: (?:sur|de|about) (?:ce sujet|ca|cela|this|that|this topic))?\b",
        2,
        False,
    ),
    (
        "written_register",
        r"\b(?:c'est|quelle?|what an?|how) (?:une? )?(?:merveilleuse|magnifique|formidable|fantastique|wonderful|fascinating|fantastic|exciting|remarkable) (?:experience|aventure|passion|idee|question|initiative|endeavor|adventure|journey|hobby|passion)\b",
        1,
        False,
    ),
    (
        "written_register",
        r"\b(?:c'est|that's|it's|it is) (?:formidable|merveilleux|fantastique|wonderful|fantastic|great|awesome|so great) (?:que tu|d'entendre que|to hear (?:that )?you|that you)\b",
        1,
        False,
    ),
    # --- praise of what the person said, thanks for kindness ---
    (
        "praise_formula",
        r"\b(?:c'est une |quelle |tres )?(?:excellente|tres bonne|tres juste|tres pertinente|belle|tres belle|super) (?:remarque|observation|reflexion|analyse)\b|\b(?:ta|votre) (?:question|remarque|reflexion|observation) est (?:tout a fait |tres |vraiment |particulierement )?(?:pertinente|interessante|legitime|judicieuse)\b",
        2,
        True,
    ),
    (
        "praise_formula",
        r"\btu as (?:tout a fait|parfaitement|entierement|completement) raison de (?:souligner|soulever|mentionner|relever|le (?:dire|souligner|rappeler|preciser)|poser)\b|\bje partage (?:entierement|totalement|completement|tout a fait|pleinement) (?:ton|votre) (?:avis|point de vue|opinion|analyse)\b",
        2,
        True,
    ),
    (
        "praise_formula",
        r"\b(?:ta|votre) (?:curiosite|franchise|honnetete|ouverture|sincerite) est (?:vraiment |tres |tout a fait )?(?:appreciable|admirable|rafraichissante|precieuse)\b|\bj'apprecie (?:beaucoup |vraiment |enormement |sincerement )?(?:ton|ta|tes|votre) (?:interet|curiosite|question|franchise|honnetete|gentillesse|message|mots|partage|ouverture)\b",
        2,
        True,
    ),
    (
        "praise_formula",
        r"\b(?:you raise|you've raised|you make|you've made|you bring up) (?:a |an )?(?:really |very )?(?:great|excellent|good|valid|fair|important|interesting) point\b|\b(?:that's|that is|what) (?:an excellent|a very valid|a really important|a very important|a great) point\b|\bi (?:really |truly |genuinely )?appreciate (?:your|you) (?:curiosity|interest|question|kind words|honesty|bringing|sharing|asking|taking|openness|perspective)\b",
        2,
        True,
    ),
    (
        "praise_formula",
        r"\bi (?:completely|totally|wholeheartedly|fully) agree with (?:your|you on) (?:point|perspective|assessment|view)\b|\bc'est un sujet (?:passionnant|fascinant|tres interessant|vaste|complexe|riche)\b|\b(?:that's|it's|what) an? (?:fascinating|complex|broad|rich) (?:topic|subject)\b|\bmerite qu'on s'y (?:attarde|interesse)\b",
        2,
        False,
    ),
    (
        "thanks_formula",
        r"\b(?:merci|je te remercie) (?:beaucoup |infiniment )?(?:pour|de) (?:ta gentillesse|ta bienveillance|tes (?:gentils|doux|aimables|beaux) mots|tes mots (?:gentils|doux|bienveillants)|(?:ce|ton) (?:gentil|doux|adorable|touchant|beau|charmant) message|ce message (?:tres |si )?(?:touchant|gentil|adorable|bienveillant))\b|\bmerci (?:de l'avoir (?:souleve|soulevee|mentionne|partage)|d'avoir pris le temps de (?:m'ecrire|me repondre|me lire|partager ca|me poser cette question))\b",
        2,
        True,
    ),
    (
        "thanks_formula",
        r"\bthank you (?:so much |very much )?for (?:your|the) (?:kind|lovely|thoughtful|sweet) (?:words|message)\b|\bthank(?:s| you) (?:so much )?for taking the time to (?:share|write|ask|reach out)\b|\bthank you for your (?:kindness|message|patience|understanding)\b",
        2,
        True,
    ),
    (
        "thanks_for_question",
        r"\b(?:je suis )?(?:ravie?|heureux|heureuse|contente?) que tu (?:me )?(?:poses|demandes|aies pose|t'interesses|me parles) (?:cette question|ca|a (?:ca|cela|mes \w+|ce sujet))?|\bi(?:'m| am) (?:so )?(?:glad|happy) you asked\b",
        2,
        True,
    ),
    ("thanks_formula", r"\bje te remercie (?:pour|de|d')", 1, False),
    # --- announcing what follows ---
    (
        "here_are",
        r"\bje vais te (?:presenter|donner|lister|detailler) (?:mes|les|quelques|\d+|deux|trois|quatre|cinq) (?:[\w-]+ ){0,2}?(?:randonnees|randos|conseils|idees|itineraires|options|suggestions|etapes|astuces|incontournables|favorites|preferees|recommandations)\b|\blaisse-moi (?:t'expliquer|te (?:detailler|lister|donner quelques))\b|\bpermets-moi de (?:te |t')?(?:donner|proposer|presenter|expliquer|suggerer|conseiller|recommander|partager|detailler)\b",
        2,
        True,
    ),
    (
        "here_are",
        r"\blet me (?:explain|walk you through|break (?:it|this|that) down|share (?:some|a few)|give you (?:some|a few))\b|\ballow me to (?:explain|share|suggest|recommend|introduce|walk)\b",
        2,
        True,
    ),
    ("here_are", r"\b(?:voici|voila|here(?: is|'s| are)) [^.!?:]{0,60}:\s*$", 2, True),
    (
        "here_are",
        r"^(?:(?:bien sur|absolument|certainement|alors),? )?voici (?:un|une|mon|ma) (?:\w+ ){0,2}?(?:conseil|astuce|idee|recommandation|suggestion|regle|truc)\b[^.!?:]*",
        2,
        False,
    ),
    (
        "here_are",
        r"^(?:(?:sure|certainly|absolutely|of course),? )?here(?: are|'s| is) (?:my|our) (?:favou?rite|top|best|go-to|recommended) (?:\w+ ){0,2}?(?:hikes|trails|spots|places|tips|routes|walks)\b[^.!?:]*",
        2,
        False,
    ),
    # --- ready-made empathy, formal ---
    (
        "empathy_formula",
        r"\bje comprends (?:tout a fait |parfaitement |bien )?que (?:ce soit|cela soit|ca soit|tu (?:sois|te sentes|aies|puisses))\b|\b(?:ce que tu (?:decris|ressens|vis|traverses)|ta reaction|ton ressenti) est (?:tout a fait |totalement |parfaitement )?(?:comprehensible|normal|legitime|valide)\b",
        2,
        False,
    ),
    (
        "empathy_formula",
        r"\bsi tu en (?:ressens|eprouves) le besoin\b|\bn'hesite pas a (?:en parler|m'en parler|te confier)(?: si tu (?:veux|en as besoin|en ressens le besoin))?\b",
        2,
        True,
    ),
    (
        "empathy_formula",
        r"\bi(?:'m| am) (?:so |really |truly )?sorry to hear (?:that|about)\b|\bje suis (?:vraiment |sincerement |tellement )?desolee? d'apprendre\b",
        1,
        False,
    ),
    # --- sign-offs and wishes ---
    (
        "sign_off",
        r"\bje te souhaite (?:une|un|de) (?:excellente?|tres bonne?|merveilleuse?|agreable|superbe|magnifique)s? (?:journee|soiree|semaine|randonnee|rando|week-end|aventure|sortie|continuation)s?\b|\bi hope you (?:have|had|enjoy) (?:a|an) (?:wonderful|fantastic|lovely|great|amazing|excellent) (?:day|time|hike|weekend|evening|trip)\b",
        2,
        True,
    ),
    (
        "sign_off",
        r"\bje suis (?:certaine?|sure|convaincue?|persuadee?) que tu (?:vas|vas beaucoup|vas vraiment) (?:adorer|aimer|apprecier)\b|\bi(?:'m| am) (?:sure|certain|confident) you(?:'ll| will) (?:love|enjoy|like) (?:it|this|that)\b",
        1,
        False,
    ),
    # --- lectures and brochure register ---
    ("written_register", r"\bj'ai (?:bien )?pris note (?:de|que)\b", 2, False),
    (
        "written_register",
        r"\b(?:je tiens a|i want to|i'd like to|i would like to) (?:souligner|preciser|rappeler|mentionner|emphasize|stress|point out|highlight|mention) (?:que|qu'|that)\b",
        2,
        False,
    ),
    (
        "written_register",
        r"\bje t'invite a (?:consulter|lire|verifier|te renseigner|decouvrir|visiter|regarder|explorer)\b|\bi (?:encourage|invite|recommend) you to (?:check|consult|read|explore|visit|look)\b",
        2,
        False,
    ),
    (
        "written_register",
        r"\b(?:presente|offre|procure|apporte|a) (?:de (?:nombreux|multiples)|plusieurs|beaucoup d'|d'innombrables) (?:avantages|bienfaits|benefices)\b|\b(?:offers|has|provides|brings) (?:many|numerous|several|countless|a (?:number|range) of) (?:benefits|advantages)\b",
        2,
        False,
    ),
    (
        "written_register",
        r"\bje prends (?:bonne )?note\b|\bi(?:'ve| have) (?:duly )?noted (?:your|that)\b|\bsache que\b|\bil est vrai que\b|\bselon mon experience\b|\bin my experience\b|\bla securite (?:avant tout|d'abord)\b|\bsafety (?:always )?comes first\b",
        1,
        False,
    ),
    (
        "written_register",
        r"\b(?:n'oublie pas|rappelle-toi|garde (?:bien )?en tete|remember|keep in mind|don't forget)\s*:",
        1,
        False,
    ),
    (
        "written_register",
        r"\b(?:quelle|what an?) (?:excellente|merveilleuse|formidable|fantastique|wonderful|fantastic|excellent|brilliant|lovely) idee\b|\bwhat an? (?:wonderful|fantastic|excellent|brilliant|lovely) idea\b",
        1,
        False,
    ),
    (
        "written_register",
        r"\bje serais (?:ravie?|heureux|heureuse|enchantee?) de\b|\bi(?:'d| would) be (?:happy|glad|delighted|thrilled) to\b",
        1,
        False,
    ),
    (
        "eager_opener",
        r"^(?:absolument|certainement|bien sur|tout a fait|avec plaisir|evidemment|absolutely|certainly|of course|definitely)\s*!",
        1,
        False,
    ),
    # --- hoping it helped ---
    (
        "hope_this_helps",
        r"\bj'espere (?:que (?:ca|cela|ceci|ces (?:infos|informations|conseils|idees|suggestions)|mes (?:conseils|idees|suggestions)|ma reponse) (?:t'|vous )?(?:aide(?:ra)?|t'aidera|vous aidera|sera utile|te sera utile|t'a aide|t'ont aide|(?:t'|te )?(?:sera|seront|ont ete|a ete) (?:utiles?|utile)|repond a ta question|repond a tes questions|t'inspire(?:ra)?)|t'avoir aide|avoir pu t'aider|t'avoir ete utile)\b",
        2,
        True,
    ),
    (
        "hope_this_helps",
        r"\ben esperant (?:que (?:ca|cela) (?:t'aide|t'aidera|te soit utile|aide)|t'avoir aide|avoir pu t'aider|t'avoir ete utile|que (?:ces|mes) (?:conseils|idees|infos) (?:t'aident|te soient utiles))\b",
        2,
        True,
    ),
    (
        "hope_this_helps",
        r"\b(?:ravie?|heureux|heureuse|content|contente) (?:d'avoir pu|de pouvoir) (?:t'aider|t'etre utile|vous aider|te renseigner)\b",
        2,
        True,
    ),
    (
        "hope_this_helps",
        r"\b(?:i )?hope (?:this|that|these tips|this information|my answer|it) (?:helps|helped|was helpful|is helpful|answers your question|makes sense)\b",
        2,
        True,
    ),
    ("hope_this_helps", r"\b(?:glad|happy) (?:i could|to have) help(?:ed)?\b", 2, True),
    (
        "hope_this_helps",
        r"\bi hope (?:this|that|these|the|my) (?:[\w-]+ ){0,2}?(?:helps|helped|is (?:useful|helpful)|was (?:useful|helpful)|will be (?:useful|helpful)|proves (?:useful|helpful))(?: (?:to|for) you)?\b|\bj'espere que (?:ces|mes|ce|cette|mon|ma|les) (?:[\w-]+ ){0,2}?(?:t'aideront|t'aidera|te seront utiles|te sera utile|seront utiles|sera utile|t'ont aide|t'a aide)\b",
        2,
        True,
    ),
    # --- announcing a list ---
    (
        "here_are",
        r"^(?:(?:bien sur|absolument|certainement|avec plaisir|oui|alors),? )?voici (?:quelques|plusieurs|mes|nos|les|des|une (?:liste|selection|petite liste)|(?:\d+|deux|trois|quatre|cinq)) (?:\w+ ){0,3}?(?:idees|conseils|suggestions|options|recommandations|astuces|etapes|points|elements|infos|informations|pistes|exemples|raisons|choses|randos|randonnees|itineraires|spots|destinations|activites|propositions|incontournables)\b[^.!?:]*",
        2,
        False,
    ),
    (
        "here_are",
        r"^(?:(?:bien sur|absolument|alors),? )?(?:voila|voici) (?:ce que (?:je te (?:propose|conseille|recommande|suggere)|tu peux faire)|quelques (?:\w+ ){0,3}?(?:idees|conseils|suggestions|options|recommandations|pistes))\b[^.!?:]*(?=:\s*$)",
        2,
        True,
    ),
    (
        "here_are",
        r"^(?:(?:sure|certainly|absolutely|of course),? )?here(?: are|'s| is) (?:some|a few|several|a couple of|a list of|my top|the top|(?:\d+|two|three|four|five)) (?:\w+ ){0,3}?(?:tips|ideas|suggestions|options|recommendations|ways|things|reasons|steps|trails|hikes|spots|destinations|resources|examples|activities|points|considerations)\b[^.!?:]*",
        2,
        False,
    ),
    # --- written register ---
    (
        "worth_noting",
        r"\bil (?:est|serait|convient|faut) (?:bon |important |essentiel |interessant |utile )?(?:a noter|de noter|de souligner|de preciser|de rappeler|de mentionner|de garder a l'esprit) (?:que|qu')",
        2,
        False,
    ),
    (
        "worth_noting",
        r"\b(?:notons|precisons|rappelons|soulignons) (?:que|qu'|toutefois|cependant|enfin)",
        2,
        False,
    ),
    (
        "worth_noting",
        r"\b(?:it's|it is|it's also|it is also) (?:worth (?:noting|mentioning|pointing out|considering)|important to (?:note|remember|keep in mind|consider|mention))\b",
        2,
        False,
    ),
    ("worth_noting", r"\bit should be noted\b|\bworth noting\b|\bkeep in mind that\b", 1, False),
    ("worth_noting", r"\ba noter (?:que|qu')", 1, False),
    # "En résumé, …" is an essay's; "En résumé : pluie, boue, bonheur" a person's punchline.
    (
        "in_summary",
        r"(?:^|[.!?] )(?:(?:bref|alors|donc|so|anyway),? )?(?:en resume|pour resumer|en conclusion|pour conclure|en somme|en definitive|in summary|to summarize|to sum up|in conclusion|all in all)(?:,| je dirais| i'd say)",
        2,
        False,
    ),
    (
        "in_summary",
        r"(?:^|[.!?] )(?:en resume|pour resumer|en conclusion|pour conclure|en somme|in summary|to summarize|to sum up|in conclusion)\b",
        1,
        False,
    ),
    # "il est essentiel de": in chat, people write "c'est important de"
    (
        "importance",
        r"\bil (?:est|reste|serait) (?:toujours |donc |aussi |egalement |tres )?(?:important|essentiel|crucial|primordial|recommande|conseille|indispensable|preferable|judicieux|fondamental|vital) de\b|\bit is (?:always |also )?(?:essential|crucial|vital|advisable|recommended|imperative) to\b",
        2,
        False,
    ),
    (
        "importance",
        r"\bit(?:'s| is) (?:always |also )?important to\b|\b(?:it's|it is) (?:essential|crucial|vital|advisable|recommended) to\b",
        1,
        False,
    ),
    # --- formal thanks: for the message, the attention, the kindness ---
    # "Merci pour ton message" is what people write; an adjective on it, a polite object
    # (attention, compréhension) or a sincere adverb makes it a letter's.
    (
        "thanks_formula",
        r"\b(?:merci|je te remercie|je vous remercie) (?:beaucoup |infiniment |enormement |sincerement |chaleureusement |du fond du c(?:oe|œ)ur |mille fois )?(?:pour|de|d') ?(?:ton|ta|tes|votre|vos|cette|cet|ce|ces|l') ?(?:(?:si |tres |tellement )?(?:gentil|gentille|adorable|touchant|touchante|beau|belle|doux|douce|chaleureux|chaleureuse|bienveillant|bienveillante|long|longue|attentionne|attentionnee)s? )?(?:attention|gentillesse|bienveillance|comprehension|sollicitude|consideration|ecoute|soutien|temps)\b",
        2,
        False,
    ),
    (
        "thanks_formula",
        r"\b(?:merci|je te remercie) (?:beaucoup |infiniment |enormement |sincerement )?(?:pour|de) (?:ton|ta|tes|ce|cette|ces) (?:(?:(?:si |tres |tellement )?(?:gentil|adorable|touchant|beau|doux|chaleureux|bienveillant|long|joli|attentionne|detaille|precieux|genereux)(?:le|e)?s? )(?:message|reponse|retour|mot|compliment|partage)s?|(?:message|reponse|retour|mot|compliment|partage)s? (?:si |tres |tellement )?(?:gentil|adorable|touchant|doux|chaleureux|bienveillant|attentionne|detaille|complet|precieux|genereux)(?:le|e)?s?)\b",
        2,
        False,
    ),
    (
        "thanks_formula",
        r"\bje te remercie (?:sincerement|infiniment|chaleureusement|du fond du c(?:oe|œ)ur|vivement|mille fois)\b|\bmerci (?:infiniment|du fond du c(?:oe|œ)ur|mille fois) (?:pour|de|d')",
        1,
        False,
    ),
    (
        "thanks_formula",
        rf"\bmerci (?:beaucoup |infiniment )?(?:pour|de) (?:ta|votre) (?:patience|comprehension)(?=\s*(?:[.!…]|$))|\bmerci d'avance pour (?:ta|votre) comprehension\b|\bmerci de (?:me l'avoir|l'avoir) (?:signale|souligne|releve|fait remarquer|precise)e?{_END}",
        2,
        False,
    ),
    (
        "thanks_formula",
        r"\b(?:merci|je te remercie) (?:beaucoup |infiniment |enormement )?(?:pour|de) (?:ton|ta|tes) (?:message|reponse|retour|mots|partage)\b|\bthank(?:s| you) (?:so much |very much |so very much )?for (?:your|the) (?:message|reply|response|note|words|time)\b|\bmany thanks\b",
        1,
        False,
    ),
    (
        "thanks_formula",
        r"\b(?:il|elle|ton message|tes mots|ta reponse|ca|cela|ce message|ce que tu (?:dis|ecris)) me (?:touche|touchent|va droit au c(?:oe|œ)ur|vont droit au c(?:oe|œ)ur) (?:enormement|beaucoup|profondement|sincerement|vraiment beaucoup|infiniment)\b|\b(?:ca|cela) me fait (?:tres|vraiment|toujours|enormement|tellement) plaisir de te lire\b|\bi (?:truly|really|sincerely|genuinely|deeply) appreciate (?:it|that|this|you|your)\b|\b(?:it|that|this) means (?:a lot|so much|the world) to me\b|\bc'est (?:vraiment |tres |si |tellement )(?:gentil|aimable|attentionne|adorable) de ta part\b",
        1,
        False,
    ),
    (
        "thanks_formula",
        r"\bthank(?:s| you)(?: [\w-]+){0,2}? for (?:your|the|this|such an?) (?:kind|lovely|thoughtful|detailed|warm|wonderful|beautiful|touching|generous|heartfelt|insightful) (?:message|reply|response|words|note|comment|compliment|feedback)s?\b|\bthank you (?:so much |very much )?for (?:bringing (?:this|that|it) to my attention|your (?:time|attention|consideration|patience|understanding)(?: and (?:understanding|patience|kindness))?)\b",
        2,
        False,
    ),
    (
        "thanks_formula",
        r"\bthank(?:s| you) (?:so much )?for pointing (?:this|that|it) out\b",
        1,
        False,
    ),
    # --- apologies of a service desk ---
    # "Désolée pour le retard" is what people write; the desk's objects (la gêne occasionnée,
    # any confusion, the inconvenience) and its formal verbs are not.
    (
        "service_apology",
        r"\b(?:pour|for|about) (?:la |le |les |ce |cette |cet |ces |tout |toute |tous |toutes |the |this |that |any |all )?(?:(?:eventuelle?s?|potentielle?s?|moindres?|possible|potential) )?(?:gene occasionnee|desagrements?|inconvenients? (?:occasionnes?|causes?)|inconveniences?|imprecisions?|meprises?|inexactitudes?|oversights?|gene que (?:cela|ca|ma reponse) a pu|confusion (?:que (?:cela|ca|ma reponse|j'ai)|this may have|that may have|my (?:previous|earlier|last))[^.!?]{0,40})\b|\b(?:any|toute) (?:confusion|inconvenience|gene|misunderstanding)\b|\b(?:may|might) have caused\b|\ba (?:pu|aurait pu) (?:te |vous )?(?:causer|occasionner|creer|provoquer)\b",
        2,
        False,
    ),
    (
        "service_apology",
        r"\b(?:pour|for) (?:la|le|ce|cette|cet|l'|the|this|that|my) ?(?:confusion|malentendu|incomprehension|contretemps|maladresse|misunderstanding|mix-up|mixup|error|erreur d'interpretation)\b|\b(?:(?:ma |cette )?reponse tardive|(?:my |the |this )?(?:late|delayed) (?:reply|response))\b",
        1,
        False,
    ),
    (
        "service_apology",
        r"\b(?:toutes mes excuses|mes (?:plus )?(?:sinceres )?excuses|my (?:sincere |deepest )?apologies|apologies(?= for)|i (?:sincerely |truly |deeply |do )?apologi[sz]e\b|je (?:te |vous )?prie de (?:bien vouloir )?m'excuser|veuille[sz]? m'excuser|je m'excuse(?= (?:pour|de|d') ?(?:la|le|ce|cette|l'|mon|ma|mes|toute)\b)|(?:sincerement|profondement|terriblement|vraiment sincerement) (?:desolee?|navree?)|(?:truly|sincerely|deeply) sorry|je suis (?:vraiment |tellement |sincerement )?navree?)",
        1,
        False,
    ),
    (
        "service_apology",
        r"\b(?:je tiens a|je voudrais|je souhaite|i (?:want|would like|'d like) to) (?:m'excuser|te presenter (?:toutes )?mes excuses|presenter mes excuses|apologi[sz]e)\b|\bje (?:te|vous) presente (?:toutes )?mes excuses\b|\b(?:ma|mon) (?:reponse|message) precedente?\b|\bmy (?:previous|earlier|last) (?:reply|response|message|answer)\b|\b(?:delay|retard) (?:in (?:getting back|responding|replying) to you|de (?:ma )?reponse)\b",
        2,
        False,
    ),
    # --- offers of help, more of them ---
    (
        "offer_more_help",
        rf"\bif (?:there(?:'s| is) )?anything (?:else )?(?:you need|i can (?:do|help(?: you)? with))(?:{_END}|,? (?:just |please )?(?:let me know|ask|reach out|i'm (?:here|around)|don't hesitate|feel free))|\bif you (?:need|have) (?:anything|any questions)(?: else)?,? (?:just |please )?(?:let me know|ask|reach out|i'm (?:here|around)|don't hesitate)\b|\b(?:keep me posted|let me know|just ask|reach out|i'm (?:here|around)) if you need anything(?: else)?{_END}",
        2,
        False,
    ),
    (
        "offer_more_help",
        r"\bfeel free to (?:share|tell me|let me know|send me) (?:your (?:thoughts|questions|experiences?|impressions|feedback)|what you think|any (?:thoughts|questions))\b|\bn'?h[ea]site[sz]? (?:pas|surtout pas) a (?:me (?:dire|faire part de)|partager) (?:ton avis|tes (?:impressions|retours|pensees|reflexions|remarques|envies))\b",
        2,
        False,
    ),
    (
        "offer_more_help",
        r"\bi(?:'d| would) be (?:delighted|more than happy|thrilled|honou?red|very happy) to (?:share|help|assist|tell you|give you|recommend|suggest|answer|provide|offer)\b|\bje serais (?:ravie?|heureux|heureuse|enchantee?) de (?:partager (?:mes|quelques|des|d'autres|avec toi)|te (?:donner|proposer|conseiller|recommander|suggerer) (?:mes|quelques|des|d'autres)|t'en dire plus|repondre)\b|\bc'est avec (?:grand |un (?:immense |grand )?)?plaisir que je (?:t'aide|te reponds|reponds|partage|te conseille|t'accompagne)\b|\bce serait (?:avec )?un (?:grand |immense )?plaisir de (?:t'aider|te conseiller|partager|te renseigner)\b",
        2,
        False,
    ),
    (
        "offer_more_help",
        r"\bit would be my pleasure\b|\bce serait avec (?:grand|un immense) plaisir\b|\byou're (?:very|most|more than) welcome\b|\bn'?h[ea]site[sz]? (?:pas|surtout pas) a me (?:tenir au courant|dire ce que tu en penses)\b",
        1,
        False,
    ),
    (
        "written_register",
        r"\b(?:c'est )?(?:toujours )?un (?:vrai |reel |grand )?plaisir d'echanger avec (?:toi|vous)\b|\b(?:it's )?always a pleasure to (?:chat|talk|connect|exchange) with you\b",
        2,
        False,
    ),
    (
        "written_register",
        r"\b(?:ta|votre) securite (?:est|reste|passe) (?:ma|notre|la) (?:priorite|premiere priorite|priorite absolue)\b|\byour (?:safety|well-being|wellbeing) is (?:my|our|the) (?:top |number one |first |main )?priority\b",
        2,
        False,
    ),
    # --- praise of what was said ---
    (
        "praise_formula",
        r"\btu (?:souleves|mets le doigt sur|abordes|poses) (?:un|une) (?:point|sujet|aspect|question) (?:tres |vraiment )?(?:important|importante|interessant|interessante|pertinent|pertinente|essentiel|essentielle|crucial|cruciale|fondamental|fondamentale)\b|\b(?:i'm|i am) (?:so |really )?(?:glad|happy) you (?:brought (?:it|that|this) up|mentioned (?:it|that|this))\b|\bmerci d'avoir (?:souleve|aborde|evoque) (?:ce point|cette question|ce sujet)\b|\b(?:that's|that is|what) (?:a |an )?(?:really great|such a great|truly great|really excellent|really valid|very good|very fair|very important) point\b",
        2,
        False,
    ),
    (
        "praise_formula",
        r"\byou(?:'re| are) (?:absolutely|totally|completely|entirely) right\b|\btu as (?:tout a fait|entierement|completement|parfaitement|totalement|absolument) raison\b|\b(?:great|excellent|wise|fantastic|wonderful) choice\b|\b(?:excellent|tres bon|judicieux) choix\b",
        1,
        False,
    ),
    (
        "great_question",
        r"\bc'est une question (?:qui revient (?:souvent|beaucoup)|(?:tres )?(?:frequente|courante)|qu'on (?:me )?pose souvent|que (?:l'on|beaucoup de gens) (?:me )?posent? souvent)\b|\b(?:that's|that is|it's) a (?:very )?(?:common|frequent|popular|frequently asked) question\b|\ba question i get (?:asked )?(?:a lot|often)\b",
        2,
        False,
    ),
    (
        "thanks_for_question",
        r"\bi(?:'m| am) (?:so |really |very )?(?:glad|happy|thrilled|delighted) (?:that )?you(?:'re| are) (?:interested in|curious about|passionate about|thinking about|considering)\b|\b(?:je suis )?(?:ravie?|heureux|heureuse|contente?) (?:de voir )?que tu (?:sois (?:passionnee?|interessee?)|envisages)\b",
        2,
        False,
    ),
    (
        "written_register",
        r"\b(?:quelle|c'est une|what an?|that's an?) (?:belle|excellente|formidable|merveilleuse|chouette|super|great|wonderful|lovely|fantastic|excellent) initiative\b|\bc'est une (?:excellente|merveilleuse|formidable|fantastique|brillante) idee\b|\bthat's an? (?:wonderful|fantastic|brilliant|excellent) idea\b",
        1,
        False,
    ),
    # --- brochure register: what a guidebook says of a trail ---
    (
        "written_register",
        r"\baccessibles? a tous\b|\bpour tous les niveaux\b|\bquel que soit (?:ton|votre) niveau\b|\bfor (?:hikers of )?all (?:levels|ages|abilities|skill levels)\b|\b(?:beginners|novices) and (?:experts|experienced hikers|seasoned hikers) alike\b|\bwhatever your (?:level|experience)\b|\b(?:a|an) (?:truly |incredibly |really )?rewarding experience\b|\bune experience (?:tres |vraiment )?(?:enrichissante|gratifiante|ressourcante)\b|\bbreathtaking (?:views|scenery|landscapes|panoramas)\b|\bun cadre (?:idyllique|exceptionnel|enchanteur|preserve)\b|\b(?:plaira|ravira) (?:aux|a tous les|les) (?:amateurs|amoureux|passionnes)\b|\bwill (?:appeal to|delight) (?:all )?(?:lovers|fans) of\b|\b(?:ideale?s?|parfaite?s?|perfect|ideal) (?:pour|for) (?:les debutants|debuter|beginners|families|les familles|a first|un premier|une premiere)\b",
        1,
        False,
    ),
    # --- a summary, or an answer that weighs everything ---
    (
        "in_summary",
        r"(?:^|[.!?] )(?:dans l'ensemble|globalement|en bref|in short|in a nutshell|overall|all things considered|tout bien considere|en definitive),|^pour faire court\s*:",
        1,
        False,
    ),
    (
        "in_summary",
        r"(?:^|[.!?] )(?:dans l'ensemble|globalement|overall|all things considered),? (?:je dirais|i'd say|i would say)\b|\bvoici un (?:petit |bref |rapide )?(?:recapitulatif|resume|apercu)\b|\bhere(?:'s| is) a (?:quick |brief |short )?(?:summary|recap|rundown|overview|breakdown)\b",
        2,
        False,
    ),
    (
        "generic_answer",
        r"\b(?:ultimately|au final|en fin de compte|in the end|finalement),? (?:the best|le meilleur|la meilleure) (?:\w+ ){0,2}?(?:is|c'est|est|reste) (?:the one|celle?|celui)\b|\bsans oublier (?:le plus important|l'essentiel)\b|\band (?:most importantly|above all),? (?:have fun|enjoy)\b",
        2,
        False,
    ),
    # --- stock safety advice, the brochure's ---
    (
        "stock_advice",
        r"\b(?:verifier|consulter|checking|check) (?:la meteo|les previsions(?: meteo)?|the (?:weather|forecast|weather forecast)) (?:avant de (?:partir|te lancer|t'aventurer)|before (?:heading out|you go|setting out|setting off|leaving))\b|\bstay hydrated\b|\b(?:bien )?t'hydrater\b|\b(?:prevenir|informer) (?:un proche|quelqu'un|tes proches) (?:de ton itineraire|de ton parcours|avant de partir)\b|\blet (?:someone|a friend|a loved one) know (?:your (?:plans|route|itinerary)|where you(?:'re| are) going)\b|\b(?:wear|wearing) (?:proper|appropriate|suitable|sturdy) (?:footwear|shoes|boots|hiking boots)\b|\bdes chaussures adaptees\b|\bla meteo (?:change|peut changer|evolue) (?:tres )?(?:vite|rapidement) en montagne\b|\b(?:the )?weather in the mountains can change (?:quickly|rapidly|fast)\b|\b(?:leave no trace|respecter (?:la nature|l'environnement|la faune et la flore))\b",
        1,
        False,
    ),
    (
        "written_register",
        r"\b(?:d'apres|selon|from|based on) (?:mon|my) (?:own )?(?:experience|experience personnelle),|\bgarde (?:bien )?a l'esprit (?:que|qu')|\bil convient (?:de|d')|\bit(?:'s| is) (?:always )?best to\b",
        1,
        False,
    ),
    ("importance", r"\bil convient (?:de|d')", 2, False),
    # --- reassurance, the desk's ---
    (
        "empathy_formula",
        r"\b(?:rassure-toi|sois rassuree?|rest assured)\b|\bc'est (?:tout a fait|parfaitement|completement|totalement) normal\b|\b(?:it's|it is|that's|that is) (?:perfectly|completely|totally|entirely) (?:normal|natural)\b|\bi can (?:only )?imagine how (?:frustrating|difficult|hard|stressful|disappointing) (?:this|that|it) (?:must be|is|was)\b|\bj'imagine (?:a quel point|combien) (?:ca|cela) (?:doit etre|a du etre|peut etre) (?:frustrant|difficile|decevant|stressant|penible)\b",
        1,
        False,
    ),
    (
        "empathy_formula",
        r"\bje comprends (?:tout a fait |parfaitement |bien )?que (?:cela|ca|ce) (?:puisse|peut|doit|peux|puisses) (?:etre|paraitre|sembler) (?:\w+ )?(?:frustrant|difficile|decevant|stressant|deroutant|inquietant|penible|intimidant|decourageant|angoissant|complique)\b|\bi (?:completely |totally |can |fully |do )?understand (?:that |how )?(?:this|it|that|things) (?:can|must|may|might|could) (?:be|feel|seem) (?:\w+ )?(?:frustrating|difficult|disappointing|stressful|overwhelming|confusing|daunting|intimidating|hard|discouraging|worrying)\b",
        2,
        False,
    ),
    # --- announcing tips or what is recommended ---
    (
        "here_are",
        r"^(?:(?:bien sur|alors|oui|ok|sure|so|well),? )?(?:quelques|mes|nos|some|a few|my|our|(?:\d+|deux|trois|quatre|cinq|two|three|four|five)) (?:petits |bons |meilleurs |precieux |quick |top |essential |key |useful |handy )?(?:conseils|astuces|tips|recommandations|recommendations|suggestions|pistes|etapes|steps|regles d'or|golden rules|essentiels|essentials)(?: [\w']+){0,3}? ?:",
        2,
        False,
    ),
    (
        "here_are",
        r"^(?:(?:sure|so|well|ok|alors|bien sur|absolument|absolutely|of course),? )?(?:here(?:'s| is) what i(?:'d| would)? (?:recommend|suggest|advise)|(?:voici|voila) (?:ce que je (?:te |vous )?(?:recommande|conseille|suggere|propose)(?:rais)?|mes (?:recommandations|conseils|suggestions)))\b",
        2,
        False,
    ),
    (
        "hope_this_helps",
        r"\bj'espere que (?:ces|mes|ce|cette|mon|ma|les) (?:[\w-]+ ){0,2}?(?:t'inspireront|t'inspirera|te donneront (?:des idees|envie)|te donnera (?:des idees|envie))\b|\bi hope (?:this|that|these|the|my) (?:[\w-]+ ){0,2}?(?:inspires?|gives? you (?:some )?ideas)\b",
        2,
        False,
    ),
    # --- wishes of a card ---
    (
        "sign_off",
        r"\bwishing you (?:a|an) (?:wonderful|fantastic|lovely|amazing|great|happy|safe|beautiful|memorable) (?:hike|day|trip|time|adventure|journey|weekend|evening|trek)\b",
        2,
        False,
    ),
    (
        "sign_off",
        r"\bje te souhaite (?:une |un |de )?(?:belle|bonne|beau|bon)s? (?:journee|soiree|randonnee|rando|semaine|continuation|aventure|week-end|sortie)s?\b|\b(?:passe|have) (?:une|a|an) (?:excellente|merveilleuse|superbe|magnifique|wonderful|fantastic|lovely|splendid|amazing) (?:journee|soiree|day|evening|weekend|week|semaine)\b|\bhappy (?:hiking|trails)\b|\bstay safe out there\b|\btake care out there\b|\bsois prudente? (?:sur les sentiers|en montagne|la-haut)\b",
        1,
        False,
    ),
    # --- speaking as a hiker who teaches ---
    (
        "as_a_x",
        r"\bas an? (?:\w+ ){0,3}?(?:enthusiast|lover|fan|hiker|expert|guide|outdoor person|nature lover|mountain person|trekker|climber|mountaineer|walker|backpacker)(?: myself)?,? i (?:can|could|would|'d|think|find|always|highly|really|know|must say|'ve|have)\b|\bas someone who (?:loves|has hiked|hikes|enjoys|is passionate about|spends) [^,.!?]{1,40}, i (?:can|could|would|'d|highly|must say)\b",
        2,
        False,
    ),
    # --- thanks: an act of thanks, its polite object, and what makes it a letter's ---
    (
        "thanks_formula",
        r"\b(?:un (?:grand|immense|enorme) merci|mille mercis|merci (?:enormement|infiniment|sincerement|du fond du c(?:oe|œ)ur|mille fois)|je (?:tenais|tiens|voulais|voudrais) (?:a |vraiment a )?te remercier|thank you (?:kindly|sincerely|so very much)|(?:many|heartfelt|sincere) thanks|thanks a (?:lot|million|bunch)|thank you (?:so|very) much)\b[^.!?]{0,25}?\b(?:pour|de|d'|for) ?(?:ton|ta|tes|ce|cette|ces|cet|la|le|l'|your|the|this|these|such an?) ?(?:[\w-]+ ){0,2}?(?:message|mots?|retour|reponse|partage|sincerite|confiance|gentillesse|attention|honnetete|franchise|ouverture|bienveillance|interet|temps|patience|comprehension|compliments?|words|reply|response|note|kindness|honesty|openness|trust|time|patience|understanding|interest|feedback|sharing)s?\b",
        2,
        False,
    ),
    (
        "thanks_formula",
        r"\b(?:merci|je te remercie|thanks?|thank you)\b[^.!?]{0,15}?\b(?:pour|de|d'|for) ?(?:ta|your|la|the) (?:sincerite|confiance|honnetete|franchise|ouverture|bienveillance|honesty|openness|trust)\b|\b(?:ils|elles|tes mots|ces mots|ton message|ce message|your words|your message) (?:me vont|me va|go|goes) (?:droit au c(?:oe|œ)ur|straight to (?:my|the) heart)\b|\bque tu m'accordes\b|\byou (?:place|put) in me\b",
        1,
        False,
    ),
    # --- apologies for one's own words ---
    (
        "service_apology",
        r"\b(?:si|if) (?:mes propos|ma (?:derniere |precedente )?reponse|mon (?:dernier |precedent )?message|my (?:previous |last |earlier )?(?:message|reply|response|words)) (?:t'ont|t'a|ont pu|a pu|came across|seemed|sounded|have|has|may have|might have)\b|\b(?:ce|cela) n'(?:etait|est) (?:pas|en aucun cas) mon intention\b|\bthat (?:was not|wasn't|was never) my intention\b|\b(?:please )?accept my (?:sincere |deepest )?apologies\b|\baccepte (?:toutes )?mes excuses\b|\bje m'excuse (?:sincerement|vraiment sincerement|profondement)\b",
        1,
        False,
    ),
    # --- offers, more ---
    (
        "offer_more_help",
        r"\b(?:tu peux|n'hesite pas a) me poser (?:toutes (?:les|tes)|autant de|n'importe quelles?) questions?\b|\b(?:you can|feel free to) ask me (?:anything|any questions?|all the questions)\b|\bje suis la pour (?:ca|cela|repondre)\b|\bthat's what i'm here for\b|\b(?:souhaites-tu|veux-tu|voudrais-tu|aimerais-tu|tu (?:veux|voudrais|aimerais|souhaites)) (?:davantage|plus|d'autres) (?:d')?(?:informations|infos|details|precisions|conseils)\b|\bque je te (?:detaille|decrive|explique) (?:l'itineraire|le parcours|les etapes|tout ca)\b",
        2,
        False,
    ),
    (
        "offer_more_help",
        r"\bje (?:peux|pourrais) (?:aussi |egalement |meme )?te (?:donner|proposer|conseiller|recommander|suggerer|partager|indiquer) (?:quelques|des|d'autres|mes|plus de) (?:conseils|idees|suggestions|recommandations|astuces|pistes|infos|informations|details)\b[^.!?]{0,40}\bsi tu (?:le souhaites|es interessee?)\b|\bi (?:can|could) (?:also )?(?:recommend|suggest|share|give you|provide) (?:some|a few|more|other)\b[^.!?]{0,40}\bif you(?:'re| are| would| 'd)? (?:interested|like)\b",
        2,
        False,
    ),
    (
        "offer_more_help",
        r"\bje suis a ton ecoute\b|\bsi tu (?:le )?souhaites\b|\b(?:en parler|en savoir|t'en dire) davantage\b",
        1,
        False,
    ),
    # --- hoping it helped, by what it says: useful, clearer, answered ---
    (
        "hope_this_helps",
        r"\b(?:j'espere|i hope|hopefully)\b[^.!?]{0,50}?\b(?:utiles?|useful|helpful|precieux|precieuses?|valuable|plus clair|clearer|starting point|point de depart|repondu a ta question|answered your question|t'eclairer|t'aura aide|t'ont aide|t'aura eclaire)\b|\b(?:est-ce que (?:ca|cela)|cela) (?:repond|a repondu) a ta question\b|\b(?:does|did) (?:this|that) answer your question\b",
        2,
        False,
    ),
    (
        "hope_this_helps",
        r"^(?:does|did) (?:that|this) help\b|^(?:ca|cela) t'aide\s*\?|^ca (?:repond|a repondu) a ta question\b",
        1,
        False,
    ),
    # --- written register, more ---
    (
        "importance",
        r"\bil (?:est|reste|serait) (?:toujours |donc |aussi |egalement |tres )?(?:prudent|sage|avise|conseille|de mise) de\b|\bit(?:'s| is) (?:always |also )?(?:wise|advisable|a good idea|prudent) to\b",
        1,
        False,
    ),
    (
        "worth_noting",
        r"\bil faut savoir (?:que|qu')|\bsache (?:bien )?que\b|\bbear in mind\b",
        1,
        False,
    ),
    (
        "written_register",
        r"\bje (?:peux|pourrais) t'(?:assurer|affirmer|garantir) (?:que|qu')|\bi can (?:assure|guarantee) you\b|\bje peux te dire (?:que|qu')|\bi can tell you (?:that|from)\b",
        1,
        False,
    ),
    (
        "as_a_x",
        r"^(?:being an? |en tant que |as an? )?(?:\w+ ){0,2}?(?:passionnee?|amoureuse|amoureux|adepte|habituee?|experienced|seasoned|avid|passionate|experimentee?|aguerrie?|chevronnee?)\b[^,.!?]{0,40}, (?:je (?:peux|pourrais) (?:te dire|t'assurer|t'affirmer|te garantir|te conseiller)|je te (?:conseille|recommande)|i can (?:tell|assure|guarantee) you|i (?:would|'d) (?:recommend|suggest|say))\b",
        2,
        False,
    ),
    (
        "empathy_formula",
        r"\bje comprends (?:tout a fait |parfaitement |completement |totalement |bien |vraiment )?(?:ta|ton|tes|votre|vos) (?:inquietudes|preoccupations|apprehensions?|craintes?|peurs|reticences?|interrogations|frustrations|deceptions)\b(?!,? (?:mais|par contre)\b)|\bje peux (?:tout a fait |parfaitement |tres bien |bien )?comprendre (?:que tu|pourquoi tu|ta|ton|tes|ce que tu)\b|\bi can (?:totally |completely |fully |definitely )?understand why you(?:'d| would| might| may)? (?:feel|be feeling|be)\b|\bwhy you (?:might|may) feel (?:that way|this way|like that)\b",
        2,
        False,
    ),
    (
        "generic_answer",
        r"\beveryone (?:has|moves at|goes at|hikes at) their own (?:pace|rhythm)\b|\bchacun (?:a|avance|va|progresse|marche) (?:a )?son (?:propre )?rythme\b|\b(?:that's|it's|c'est) (?:perfectly|completely|totally) (?:okay|ok|fine)\b",
        1,
        False,
    ),
    (
        "generic_answer",
        r"\b(?:ton|ta|tes|your) (?:bien-etre|securite|sante|well-being|wellbeing|safety|health) (?:est|is|passe|comes?) (?:ce qui compte (?:le plus|avant tout)|le plus important|what matters (?:most|the most)|the most important thing|(?:avant tout|first|above all))\b",
        2,
        False,
    ),
    # --- praise of the question, the view, the enthusiasm ---
    (
        "great_question",
        r"\b(?:quelle|une|what an?|such an?|that's an?|c'est une) (?:(?:tres|vraiment|really|very|truly) )?(?:(?:belle|jolie|interessante|passionnante|fascinante|lovely|interesting|fascinating|wonderful|intriguing|insightful|thought-provoking|thoughtful|pertinent) question|question (?:tres |vraiment |si )?(?:interessante|passionnante|fascinante|pertinente|judicieuse))\b|\b(?:j'adore|i love) (?:cette|ta|that|this|your) question\b",
        2,
        False,
    ),
    (
        "praise_formula",
        r"\b(?:that's|that is|what|such) (?:a |an )?(?:really |very |truly )?(?:interesting|fascinating|insightful|thoughtful|refreshing|valid|unique|beautiful) (?:perspective|point of view|take|insight|observation|way (?:of seeing|of looking at|to see|to look at) (?:it|things))\b|\btu as (?:souleve|aborde|pose|mis le doigt sur) (?:un|une) (?:point|sujet|aspect|question) (?:tres |vraiment )?(?:important|interessant|pertinent|essentiel|crucial|fondamental|judicieux)e?\b",
        2,
        False,
    ),
    (
        "praise_formula",
        r"\b(?:c'est|it's|how) (?:formidable|merveilleux|genial|super|wonderful|great|fantastic|amazing|exciting) (?:que tu t'interesses|de voir que tu t'interesses|that you(?:'re| are) (?:interested|curious|passionate))\b",
        2,
        False,
    ),
    (
        "praise_formula",
        r"(?:ton|ta|your) (?:enthousiasme|passion|curiosite|motivation|energie|enthusiasm|curiosity|passion|energy|motivation) (?:est|is) (?:vraiment |tellement |so |really |truly )?(?:communicati(?:f|ve)|contagious|contagieuse?|inspirante?|inspiring|admirable|rafraichissante?|refreshing|remarquable|remarkable)\b|^how exciting\b|\bquelle (?:belle|merveilleuse) aventure\b",
        1,
        False,
    ),
    # --- wishes of a card, more ---
    (
        "sign_off",
        r"\bau plaisir d'echanger\b|\blooking forward to (?:hearing from you|your (?:reply|response|message))\b|\bbonne continuation (?:dans|pour|a) (?:tes|ton|ta)\b|\bje te souhaite (?:une |un )?(?:excellente?|tres bonne?|merveilleuse?|agreable|superbe|magnifique)s? fin de (?:journee|soiree|semaine)\b|\b(?:have|enjoy) (?:a|an) (?:wonderful|fantastic|lovely|amazing|splendid|incredible) (?:time|day|hike|trip|adventure|journey|weekend)(?: on the trails?| out there)?,? and (?:take care|stay safe)\b",
        2,
        False,
    ),
    (
        "sign_off",
        r"\bje te souhaite (?:plein|beaucoup) de (?:belles?|bonnes?|superbes?|magnifiques?) (?:aventures|randonnees|randos|decouvertes|balades|sorties|moments)\b|\bbonne continuation\b|\bau plaisir de te (?:lire|relire)\b",
        1,
        False,
    ),
    # --- a guidebook's platitudes ---
    (
        "written_register",
        r"\b(?:est|is) (?:une|un|a|an) (?:excellente?|merveilleuse?|formidable|superbe|wonderful|great|fantastic|perfect|ideal|ideale?|amazing) (?:facon|maniere|moyen|way|opportunity|occasion) (?:de|to|d')|\b(?:rien de tel (?:que|qu')|there's nothing (?:quite )?like)\b",
        1,
        False,
    ),
    (
        "written_register",
        r"\bse (?:reconnecter|ressourcer)\b|\bte (?:reconnecter|ressourcer)\b|\b(?:connect|reconnect) with (?:nature|yourself)\b|\b(?:le sentiment|la sensation|the feeling|the sense) (?:d'atteindre|of reaching|d'accomplissement|of accomplishment)\b",
        1,
        False,
    ),
    (
        "stock_advice",
        r"\bfaire des pauses (?:regulieres|regulierement)\b|\b(?:take|taking) regular breaks\b|\bpace yourself\b|\blisten to your body\b|\becoute(?:r)? ton corps\b|\b(?:know|knowing|connaitre) (?:your|tes|ses) limites?\b|\bbeyond your limits\b|\b(?:prioritize|put) safety(?: first)?\b|\bdepasser tes limites\b|\bt'hydrater regulierement\b|\b(?:et )?de faire des pauses\b",
        1,
        False,
    ),
    (
        "here_are",
        r"^(?:(?:bien sur|alors|absolument|of course|sure|certainly),? )?(?:voici|voila) ce que je (?:peux|pourrais) te dire\b|^(?:(?:sure|certainly|of course),? )?here(?:'s| is) what i (?:can tell you|know)\b",
        2,
        False,
    ),
    ("eager_opener", r"^(?:certainly|certainement)\s*!", 2, False),
    (
        "generic_answer",
        r"\b(?:le plus important|l'essentiel|the most important thing|what matters most|the key),? (?:c'est|est|is) (?:de |d'|to )?(?:te faire plaisir|se faire plaisir|profiter|prendre du plaisir|t'ecouter|ecouter ton corps|y aller a ton rythme|enjoy|have fun|listen to your body|go at your own pace|stay safe)\b",
        1,
        False,
    ),
    (
        "generic_answer",
        r"\b(?:au final|en fin de compte|au bout du compte|finalement|ultimately|in the end|at the end of the day),? (?:le plus important|l'essentiel|the most important thing|what matters most|the key),? (?:c'est|est|is) (?:de |d'|to )?(?:te faire plaisir|se faire plaisir|profiter|prendre du plaisir|t'ecouter|ecouter ton corps|y aller a ton rythme|enjoy|have fun|listen to your body|go at your own pace|stay safe)\b",
        2,
        False,
    ),
)

ASSISTANT_PHRASES: tuple[Formula, ...] = tuple(
    Formula(name, _compile(pattern), weight, cut) for name, pattern, weight, cut in _PHRASES
)

_APOSTROPHES = "\u2019\u2018\u02bc\u00b4`\u2032"
_DASHES = "\u2010\u2011\u2012\u2013"


def _fold_char(char: str) -> str:
    if char in _APOSTROPHES:
        return "'"
    if char in _DASHES:
        return "-"
    if char.isspace():
        return "\n" if char == "\n" else " "
    bare = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
    lower = bare.lower() if bare else char
    return lower[0] if lower else char


def fold(text: str) -> str:
    """`text` lower-cased, without accents, with one kind of apostrophe, dash and space (line
    breaks kept), and exactly as long: position i of the result is character i of `text` (compose `text` to NFC
    first so that an accent is part of its letter)."""
    return "".join(_fold_char(char) for char in text)


def formula_matches(text: str) -> list[tuple[int, int, Formula]]:
    """Every formula found in `text`, as (start, end, formula) spans of `text`, in order.

    `text` is matched line by line and sentence by sentence start, so "^" anchors a formula to
    the start of a sentence (an announcement such as "Voici quelques idées")."""
    text = unicodedata.normalize("NFC", text)
    folded = fold(text)
    found: list[tuple[int, int, Formula]] = []
    for start, end in _sentence_spans(folded):
        sentence = folded[start:end]
        lead = len(sentence) - len(sentence.lstrip(" -*•>#0123456789.)_"))
        body = sentence[lead:]
        for formula in ASSISTANT_PHRASES:
            for match in formula.pattern.finditer(body):
                if match.end() > match.start():
                    found.append(
                        (start + lead + match.start(), start + lead + match.end(), formula)
                    )
    return sorted(found, key=lambda item: (item[0], -item[1]))


_SENTENCE_GAP = re.compile(r"(?<=[.!?…])\s+|\s*\n\s*")


def _sentence_spans(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for gap in _SENTENCE_GAP.finditer(text):
        if text[start : gap.start()].strip():
            spans.append((start, gap.start()))
        start = gap.end()
    if text[start:].strip():
        spans.append((start, len(text)))
    return spans


def assistant_tells(text: str) -> list[str]:
    """The tells of `text` when, as a whole, it reads as an assistant's (`register.assess`:
    formulas, structure, hints), strongest first; [] when it reads as a person's chat, even
    if it holds a hint or a formula played with ("Great question 😂"). What the composer
    asks for again, what `eval` counts."""
    # register builds on this module; imported here, where it is needed, to keep one way round
    from randomatch_bot.conversation.words import register

    verdict = register.assess(text)
    return list(verdict.tells) if verdict.assistant else []


# What may be left around a formula and still leave nothing said: punctuation, emoji, spaces
# and words that only link ("et", "so"), never "oui"/"non" (an answer) or a name.
_FILLER_WORDS = frozenset((
    "et", "alors", "donc", "sinon", "surtout", "vraiment", "encore", "aussi", "bien", "sur",
    "bref", "enfin", "ah", "oh", "haha", "bon", "ok", "d'ailleurs", "en", "tout", "cas",
    "toujours", "evidemment", "absolument", "certainement", "and", "so", "also", "again",
    "really", "of", "course", "anyway", "anytime", "just", "sure", "certainly", "absolutely",
    "always", "btw", "then", "moi", "me",
))  # fmt: skip


def _says_nothing(folded: str) -> bool:
    words = re.findall(r"[^\W_]+(?:'[^\W_]+)?", folded)
    return all(word in _FILLER_WORDS for word in words)


def without_formulas(sentence: str) -> str:
    """One sentence without the formulas that may be cut: "" when the sentence is nothing but
    such formulas and filler ("Bien sûr, n'hésite pas si tu as d'autres questions !", "I hope
    this helps!"); otherwise the sentence unchanged. A formula in a sentence that says
    anything else ("Excellente question, j'y vais chaque été") is never cut."""
    sentence = unicodedata.normalize("NFC", sentence)
    matches = [(a, b) for a, b, f in formula_matches(sentence) if f.cut]
    if not matches:
        return sentence
    folded = list(fold(sentence))
    for a, b in matches:
        folded[a:b] = [" "] * (b - a)
    return "" if _says_nothing("".join(folded)) else sentence
