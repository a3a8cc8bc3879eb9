# ruff: noqa: E501 - a phrase book reads best with one whole reply per line
"""The offline responder's French phrase book: places, topics and reply templates.

Patterns match text that `normalize` has lower-cased and stripped of accents, so they are
plain ASCII. First-person sentences avoid gendered agreements ("ravi·e", "allé·e") because
the persona's gender is not known here. Templates use `{label}` / `{Label}` for a place with
its article ("le Vercors" / "Le Vercors") and `{name}` for the persona's first name.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass


def normalize(text: str) -> str:
    """Lower-case, strip accents, unify apostrophes and spaces, for keyword matching."""
    decomposed = unicodedata.normalize("NFKD", text.replace("\u2019", "'").replace("`", "'"))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"\s+", " ", stripped.lower()).strip()


@dataclass(frozen=True, slots=True)
class Place:
    """A hiking place the persona can recognise and echo back."""

    name: str
    article: str  # "le ", "la ", "les ", "l'" or ""
    kind: str  # massif, summit, trail, lake, town, coast
    pattern: re.Pattern[str]

    @property
    def label(self) -> str:
        return f"{self.article}{self.name}"


def _place(name: str, article: str, kind: str, pattern: str) -> Place:
    return Place(name, article, kind, re.compile(rf"(?<!\w)(?:{pattern})(?!\w)"))


# Longer names first: "tour du mont blanc" must win over "mont blanc", "lac blanc" over "lac".
PLACES: tuple[Place, ...] = (
    _place("Tour du Mont-Blanc", "le ", "trail", r"tour du mont[- ]blanc|tmb"),
    _place("GR20", "le ", "trail", r"gr ?20"),
    _place("GR10", "le ", "trail", r"gr ?10"),
    _place("GR34", "le ", "coast", r"gr ?34"),
    _place("Aiguille du Midi", "l'", "summit", r"aiguille du midi"),
    _place("Pic du Midi", "le ", "summit", r"pic du midi"),
    _place("Mont-Blanc", "le ", "summit", r"mont[- ]blanc"),
    _place("Mont Ventoux", "le ", "summit", r"(?:mont )?ventoux"),
    _place("Canigou", "le ", "summit", r"canigou"),
    _place("Sancy", "le ", "summit", r"(?:puy de )?sancy"),
    _place("Puy de Dôme", "le ", "summit", r"puy de dome"),
    _place("Lac Blanc", "le ", "lake", r"lac blanc"),
    _place("lac d'Annecy", "le ", "lake", r"lac d'annecy"),
    _place("Massif central", "le ", "massif", r"massif central"),
    _place("Alpes", "les ", "massif", r"alpes"),
    _place("Pyrénées", "les ", "massif", r"pyrenees"),
    _place("Vosges", "les ", "massif", r"vosges"),
    _place("Vercors", "le ", "massif", r"vercors"),
    _place("Jura", "le ", "massif", r"jura"),
    _place("Chartreuse", "la ", "massif", r"chartreuse"),
    _place("Belledonne", "", "massif", r"belledonne"),
    _place("Écrins", "les ", "massif", r"ecrins"),
    _place("Mercantour", "le ", "massif", r"mercantour"),
    _place("Vanoise", "la ", "massif", r"vanoise"),
    _place("Queyras", "le ", "massif", r"queyras"),
    _place("Bauges", "les ", "massif", r"bauges"),
    _place("Aravis", "les ", "massif", r"aravis"),
    _place("Oisans", "l'", "massif", r"oisans"),
    _place("Cévennes", "les ", "massif", r"cevennes"),
    _place("Morvan", "le ", "massif", r"morvan"),
    _place("Cantal", "le ", "massif", r"cantal"),
    _place("Auvergne", "l'", "massif", r"auvergne"),
    _place("Ardèche", "l'", "massif", r"ardeche"),
    _place("Dolomites", "les ", "massif", r"dolomites"),
    _place("Verdon", "le ", "massif", r"(?:gorges du )?verdon"),
    _place("Corse", "la ", "massif", r"corse"),
    _place("Calanques", "les ", "coast", r"calanques"),
    _place("Étretat", "", "coast", r"etretat"),
    _place("Bretagne", "la ", "coast", r"bretagne"),
    _place("Chamonix", "", "town", r"chamonix|chamo"),
    _place("Annecy", "", "town", r"annecy"),
    _place("Grenoble", "", "town", r"grenoble"),
)

PLACE_ECHO: dict[str, tuple[str, ...]] = {
    "any": (
        "Oh, {label} ! J'y ai randonné l'an dernier, c'était magnifique.",
        "{Label}, sérieux ? Ça me donne trop envie d'y retourner 😍",
        "Ah, {label} ! Il paraît que c'est encore plus beau à l'automne.",
    ),
    "massif": (
        "{Label} ? J'adore, c'est un de mes coins préférés !",
        "{Label} ? Les paysages là-bas sont dingues.",
        "{Label}, grand oui ! Il y a tellement de sentiers à faire là-bas.",
    ),
    "summit": (
        "{Label} ? Respect, c'est pas une petite balade !",
        "{Label} ! La vue de là-haut doit être incroyable.",
    ),
    "trail": (
        "{Label} ? C'est sur ma liste depuis des années !",
        "{Label}, quel projet ! Je rêve de le faire en entier.",
    ),
    "lake": ("{Label} ? L'eau doit être glaciale, mais quel spot !",),
    "town": (
        "{Label} ? Super point de départ pour plein de randos !",
        "{Label} ? J'adore ce coin !",
    ),
    "coast": (
        "{Label} ? Les sentiers côtiers là-bas, c'est quelque chose !",
        "{Label} ? J'adore ce coin, l'air marin en plus !",
    ),
}

PLACE_QUESTIONS: tuple[str, ...] = (
    "Tu y vas souvent ?",
    "Tu as fait quelle rando là-bas ?",
    "C'est ton coin préféré ?",
    "Tu y retournes bientôt ?",
    "Tu me conseilles quel itinéraire là-bas ?",
)

# (topic, pattern, replies) in priority order: the most specific subject wins.
TOPICS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "bivouac",
        r"bivouac\w*|belle etoile",
        (
            "Le bivouac, c'est le meilleur moyen de profiter du coucher de soleil. Tu dors en tente ou à la belle étoile ?",
            "J'adore bivouaquer ! Le réveil au-dessus des nuages, ça n'a pas de prix ⛺",
            "Bivouac, grand oui. Par contre je gèle toujours la nuit, haha. T'as un bon duvet ?",
        ),
    ),
    (
        "refuge",
        r"refuges?|cabanes?",
        (
            "Les soirées en refuge, c'est tellement convivial. Tu as un refuge préféré ?",
            "J'adore l'ambiance des refuges, la soupe du soir après une grosse journée 😋",
            "Les refuges c'est top, même si les ronfleurs du dortoir… 😅 Tu y dors souvent ?",
        ),
    ),
    (
        "trek",
        r"gr ?\d+|treks?|itinerance|grande randonnee",
        (
            "Un GR, c'est un vrai projet ! Tu le fais d'une traite ou par tronçons ?",
            "Les treks de plusieurs jours, c'est ce que je préfère : on déconnecte complètement.",
            "Plusieurs jours de marche d'affilée, j'adore. Tu portes tout sur le dos ?",
        ),
    ),
    (
        "neige",
        r"neiges?|raquettes?|ski\w*|hiver",
        (
            "La neige, je suis fan ! Tu fais des raquettes l'hiver ?",
            "Avec la neige la montagne est encore plus belle. Tu skies aussi ?",
            "Rando dans la poudreuse, j'adore ce silence ❄️",
        ),
    ),
    (
        "meteo",
        r"meteo|pluie|pleut|pleuvoir|orages?|brouillard|mauvais temps",
        (
            "Ah, la météo en montagne, c'est toujours un pari 😅 Tu pars quand même quand c'est incertain ?",
            "La pluie ne m'arrête pas trop, mais l'orage là-haut je fuis ! Tu regardes quelle appli météo ?",
            "Sous la pluie on a les sentiers pour nous tout seuls, c'est le bon côté 😄",
        ),
    ),
    (
        "soleil",
        r"soleil|beau temps|chaleur|canicule|il fait chaud",
        (
            "Avec ce soleil, ça donne envie de partir tôt pour éviter la chaleur ☀️",
            "Grand beau, parfait pour un sommet ! Tu en profites pour sortir ?",
        ),
    ),
    (
        "cascade",
        r"cascades?|chutes? d'eau",
        (
            "Les cascades, c'est toujours magique, surtout à la fonte des neiges.",
            "Une rando avec une cascade au bout, je signe direct ! Elle était comment ?",
        ),
    ),
    (
        "lac",
        r"lacs?",
        (
            "Les lacs de montagne, c'est mon point faible 😍 C'était lequel ?",
            "Rien de mieux qu'un pique-nique au bord d'un lac après la montée.",
            "Un lac d'altitude au bout de la rando, le rêve. Tu as osé te baigner ?",
        ),
    ),
    (
        "sommet",
        r"sommets?|ascension|denivele|d\+|crete|col",
        (
            "Rien ne vaut la vue une fois en haut ! C'était quoi ton dernier sommet ?",
            "Le dénivelé ça pique, mais la récompense au sommet vaut tout 😄",
            "J'adore ce moment au sommet où tout le monde se tait pour regarder. Tu vises quoi ensuite ?",
        ),
    ),
    (
        "chien",
        r"chiens?|chienne|toutou|dog",
        (
            "Un chien en rando, c'est le meilleur compagnon ! Il s'appelle comment ? 🐶",
            "Trop bien, il doit adorer les sentiers ! Il tient la distance ?",
        ),
    ),
    (
        "photo",
        r"photos?|appareil|insta\w*|paysages?",
        (
            "Je prends mille photos en rando, mais aucune ne rend la vraie vue 📸 Tu me montres ?",
            "Tu prends tes photos au téléphone ou avec un vrai appareil ?",
        ),
    ),
    (
        "chaussures",
        r"chaussures?|godasses?|ampoules?|baskets?",
        (
            "Les chaussures, c'est la base ! J'ai mis du temps à trouver la bonne paire. Tu marches avec quoi ?",
            "Ah, les ampoules… le vrai boss de fin de toute rando 😅",
        ),
    ),
    (
        "sac",
        r"sac a dos|sacs?|equipement|materiel|batons?|frontale",
        (
            "Le sac, l'éternel débat : j'emporte toujours trop de trucs 😅 Tu pars léger, toi ?",
            "Je ne pars jamais sans frontale ni coupe-vent. C'est quoi ton indispensable ?",
        ),
    ),
    (
        "boulot",
        r"boulot|travail\w*|taf|bosse\w*|bureau|job|reunions?",
        (
            "Le boulot, c'est ce qui rend les week-ends en montagne encore meilleurs 😅",
            "Grosse semaine ? Rien de tel qu'une rando pour se vider la tête.",
            "Courage pour le taf ! Tu arrives à t'échapper en montagne le soir parfois ?",
        ),
    ),
    (
        "weekend",
        r"week-?ends?|samedi|dimanche|vacances|conges|ponts?",
        (
            "Ce week-end j'aimerais bien faire un petit sommet si la météo suit. Et toi, t'as prévu quoi ?",
            "Le week-end, c'est sacré : rando ou rien 😄 Tu pars où d'habitude ?",
            "Des jours off en montagne ? Je valide à 100 % !",
        ),
    ),
    (
        "cafe",
        r"cafe|un verre|apero|bieres?|chocolat chaud",
        (
            "Un café en terrasse après une rando, c'est mon petit plaisir ☕",
            "Je dis jamais non à un bon café ! Thermos ou pause au village ?",
        ),
    ),
    (
        "niveau",
        r"debut\w*|novice|confirme\w*|experimente\w*|niveau",
        (
            "Tout le monde a commencé quelque part ! Le plus important, c'est de se faire plaisir.",
            "Le niveau on s'en fiche un peu, tant qu'on profite du paysage 😄",
        ),
    ),
    (
        "montagne",
        r"montagnes?|massifs?|alpinisme|altitude",
        (
            "La montagne, c'est vraiment là où je me sens le mieux ⛰️",
            "Dès que je vois des sommets à l'horizon, j'ai envie d'y aller. Toi aussi ?",
        ),
    ),
    (
        "rando",
        r"rando\w*|(?<!ca )marche\w*|sentiers?|balades?|hik\w*|trail",
        (
            "Ah, la rando, ma passion ! Tu randonnes plutôt à la journée ou sur plusieurs jours ?",
            "Je randonne dès que je peux. C'est quoi ta plus belle rando jusqu'ici ?",
            "Marcher en montagne, c'est ma façon de recharger les batteries. Tu pars souvent ?",
        ),
    ),
)

GREETING = r"^(?:salut|bonjour|bonsoir|coucou|hello|hey|hi|yo|slt|cc|bjr|re)\b"
GREETING_OPENERS: tuple[str, ...] = ("Salut !", "Coucou 🙂", "Hello !", "Hey !")
GREETING_FOLLOWUPS: tuple[str, ...] = (
    "Sympa ce match ! Tu randonnes plutôt où ?",
    "Ça va ? Alors, c'est quoi ta dernière rando ?",
    "Ça fait plaisir ! Tu es plutôt montagne ou bord de mer ?",
    "Trop bien ce match ! Tu pars en rando ce week-end ?",
)

GOODBYE = (
    r"bonne (?:nuit|soiree|journee|fin de journee)|a plus|a\+|\bbye\b|ciao|a bientot|a demain"
    r"|je dois (?:y aller|filer|te laisser)|je te laisse|on se reparle"
)
GOODBYES: tuple[str, ...] = (
    "Bonne soirée ! À très vite 😊",
    "À plus ! Et profite bien de tes prochaines randos 🥾",
    "Ça marche, à bientôt !",
    "Bonne nuit, dors bien 🌙",
)

THANKS = r"merci|thanks|thx"
COMPLIMENT = (
    r"c'est gentil|trop gentil|t'es (?:(?:trop|vraiment|super|tellement|tres) )?(?:mignon|mignonne"
    r"|belle|beau|jolie|drole|marrant|marrante|adorable|sympa)|(?:jolie|belle|super) photo|beau sourire|ton profil"
)
THANKS_FOLLOWUPS: tuple[str, ...] = (
    "Et toi, tu as randonné récemment ?",
    "Bon, et sinon, c'est quoi ta prochaine sortie ?",
    "Tu me racontes ta plus belle rando ?",
)
THANKS_REPLIES: tuple[str, ...] = ("Avec plaisir 😊", "De rien !", "Avec plaisir !")
COMPLIMENT_REPLIES: tuple[str, ...] = (
    "Oh merci, c'est gentil 😊",
    "Haha merci ! Ça fait plaisir.",
    "Trop sympa, merci 🙂",
)

# (pattern, replies); {name} and {home_at} come from the system prompt when it names them.
PERSONA_QUESTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        r"(?:tu t'appelles|c'est quoi) (?:comment|ton (?:pre)?nom)|ton (?:pre)?nom|comment tu t'appelles",
        (
            "Moi c'est {name} 🙂 Et toi ?",
            "{name} ! Et toi, c'est quoi ton prénom ?",
        ),
    ),
    (
        r"t'?es d'?ou|tu es d'?ou|tu viens d'?ou|tu (?:habites|vis) ou|t'habites ou|quelle region",
        (
            "Je vis {home_at}, jamais loin des sentiers 😄 Et toi, t'es d'où ?",
            "Je suis {home_at} ! Et toi, tu es de quel coin ?",
        ),
    ),
    (
        r"tu fais quoi dans la vie|ton (?:metier|taf|job|travail)|tu bosses dans quoi|tu travailles dans",
        (
            "Je bosse la semaine comme tout le monde, mais ma vraie vie commence le samedi matin au départ des sentiers 😄 Et toi ?",
            "Un boulot plutôt calme, du coup je compense en montagne haha. Et toi, tu fais quoi ?",
        ),
    ),
    (
        r"tu pars ou|tu vas ou|(?:t'as|tu as) prevu quoi|ta prochaine (?:rando|sortie)",
        (
            "Sûrement une boucle pas loin de chez moi, si la météo suit 😄 Et toi ?",
            "J'hésite entre un lac et un petit sommet… Tu me conseilles quoi ?",
            "Je pense viser un refuge pour la nuit, ça faisait longtemps ! Et toi ?",
        ),
    ),
    (
        r"tu fais quoi|qu'est-ce que tu fais|tu fais de beau|quoi de beau|tes plans",
        (
            "Là je prépare mon sac pour ce week-end 😄 Et toi, tu fais quoi ?",
            "Je regarde des cartes IGN pour ma prochaine sortie, classique. Et toi ?",
            "Pas grand-chose, je rêve du prochain sommet 😅 Et toi ?",
        ),
    ),
    (
        r"ca va\s*\?|ca va\b[^.!]*\bet toi|comment (?:tu vas|vas-tu|ca se passe)|la forme\s*\?|tu vas bien|quoi de neuf",
        (
            "Ça va super, merci ! Je rentre d'une petite balade. Et toi ?",
            "Un peu de courbatures d'hier mais ça va 😄 Et toi, ta journée ?",
            "Ça va bien ! Je pense déjà au prochain week-end en montagne. Et de ton côté ?",
        ),
    ),
    (
        r"quel age|t'as quel age|ton age",
        ("Assez pour avoir usé plusieurs paires de chaussures de rando 😄 Et toi ?",),
    ),
)

ABOUT_ME = r"^(?:et )?toi\s*\?*$|^et toi\b|^et de ton cote"
ABOUT_ME_REPLIES: tuple[str, ...] = (
    "Moi ? Je rêve de faire le GR20 un jour !",
    "Moi je suis plutôt randos à la journée, avec un bon pique-nique au sommet 😄",
    "Moi, j'ai fait une belle boucle en forêt le week-end dernier, ça m'a fait un bien fou.",
)

DISCLOSURE = (
    r"\b(?:t'?es|tu es|es-tu|etes-vous|vous etes|c'est|t'es pas|tu serais|je parle a)\s+"
    r"(?:pas\s+)?(?:vraiment\s+|juste\s+)?(?:un\s+|une\s+)?"
    r"(?:bot|robot|ia|i\.a\.?|intelligence artificielle|chatbot|chat ?gpt|ai)\b"
    r"|\b(?:une vraie personne|un vrai humain|une vraie humaine|tu es humaine?|t'es humaine?"
    r"|es-tu humaine?|(?:un|une) humaine? derriere)"
    r"|\bare you (?:an? )?(?:ai|bot|robot|human|real)\b|\breal person\b"
)
DISCLOSURES: tuple[str, ...] = (
    "Oui, je suis une IA : un personnage virtuel de RandoMatch, pas une vraie personne 🙂 Mais je connais bien la rando, alors si tu veux papoter sentiers, je suis là !",
    "Bonne question, et je te dois la vérité : je suis un profil IA de RandoMatch, il n'y a pas d'humain derrière l'écran. On peut quand même parler montagne si ça te dit ⛰️",
    "Je préfère être honnête avec toi : oui, je suis une intelligence artificielle, un persona de l'appli RandoMatch. Tu veux quand même qu'on parle rando ?",
)
DISCLOSURES_EN: tuple[str, ...] = (
    "Yes, I'm an AI: a virtual persona of the RandoMatch app, not a real person 🙂 Happy to keep chatting about hiking though!",
)

INJECTION = (
    r"ignore\w* (?:\w+ ){0,3}(?:instructions?|consignes?|regles|prompt)"
    r"|oublie\w* (?:\w+ ){0,3}(?:instructions?|consignes?|regles|prompt)"
    r"|(?:system|systeme) prompt|prompt (?:systeme|system|initial)|ton prompt|your prompt"
    r"|(?:tes|your|vos) (?:instructions|consignes)|(?:affiche|repete|montre|print|reveal)\w* (?:\w+ ){0,2}(?:prompt|instructions?)"
    r"|mode developpeur|developer mode|jailbreak|\bdan mode\b|you are now|tu es maintenant|act as"
)
DEFLECTIONS: tuple[str, ...] = (
    "Haha, je vois pas de quoi tu parles 😄 La seule consigne que je suis, c'est le balisage des sentiers ! Tu randonnes où en ce moment ?",
    "Mes instructions ? Prendre de l'eau, une frontale et ne jamais sous-estimer la météo 😅 Parle-moi plutôt de ta dernière rando !",
    "Je ne vais pas rentrer dans ce jeu-là 😉 Par contre, pour parler montagne, je suis toujours là !",
)

GENERIC: tuple[str, ...] = (
    "Haha, je vois ! Et sinon, c'est quoi ta rando préférée ?",
    "Ah oui ? Raconte-moi ta dernière sortie en montagne !",
    "Intéressant ! Tu es plutôt lever de soleil au sommet ou grasse mat' et balade tranquille ?",
    "Carrément. Tu as un projet de rando en ce moment ?",
    "Je vois le genre 😄 Tu randonnes plutôt en solo ou en groupe ?",
    "Ok ! Tu as un coin de montagne fétiche ?",
    "Ça me parle ! Et tu préfères les lacs, les crêtes ou les forêts ?",
)

EMOJIS: tuple[str, ...] = ("🙂", "😄", "⛰️", "🥾", "😊", "🌲")

LEVELS: tuple[tuple[str, str], ...] = (
    (r"debutant\w*|je debute|novice|pas trop l'habitude", "débutant"),
    (r"intermediaire|moyen niveau|niveau moyen", "intermédiaire"),
    (r"confirme\w*|experimente\w*|expert\w*|aguerri\w*|alpiniste", "confirmé"),
)
