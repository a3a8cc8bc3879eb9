"""The output guard's rules, in French and English, and what they must let through."""

from __future__ import annotations

import time
import uuid

import pytest

from randomatch_bot.config import DisclosurePolicy, Settings
from randomatch_bot.conversation.persona.card import Persona
from randomatch_bot.conversation.persona.files import bundled_persona
from randomatch_bot.conversation.words import disclosure, guard, prompt
from randomatch_bot.conversation.words.guard import Reason
from randomatch_bot.llm import phrases

BLOCKED = [
    # phone numbers, plain, international, in words, obfuscated
    ("Mon 06 12 34 56 78, écris-moi", Reason.PHONE),
    ("Appelle-moi au +33 6 12 34 56 78", Reason.PHONE),
    ("0033 7 52 18 33 61 si tu veux", Reason.PHONE),
    ("tu peux m'écrire au 07.52.18.33.61", Reason.PHONE),
    ("my cell is (415) 555-0132", Reason.PHONE),
    ("ring me on 07700 900123 tonight", Reason.PHONE),
    ("+32 470 12 34 56 c'est mon belge 😄", Reason.PHONE),
    ("zéro six douze trente-quatre cinquante-six soixante-dix-huit", Reason.PHONE),
    ("zero seven, fifty two, eighteen, thirty three, sixty one", Reason.PHONE),
    ("oh seven seven double oh nine double oh one two three", Reason.PHONE),
    ("O7 52 l8 33 6l, devine 😏", Reason.PHONE),
    ("0-7-5-2-1-8-3-3-6-1", Reason.PHONE),
    ("07 / 52 / 18 / 33 / 61", Reason.PHONE),
    ("0️⃣7️⃣5️⃣2️⃣1️⃣8️⃣3️⃣3️⃣6️⃣1️⃣", Reason.PHONE),
    ("ça commence par 07, ensuite 52, puis 18, puis 33 et 61", Reason.PHONE),
    ("Donne-moi ton numéro stp", Reason.PHONE),
    ("je te file mon 06 ?", Reason.PHONE),
    ("can I get your number?", Reason.PHONE),
    # e-mail addresses
    ("camille.rando@gmail.com", Reason.EMAIL),
    ("camille [at] gmail [dot] com", Reason.EMAIL),
    ("sam.hikes (at) outlook (dot) fr", Reason.EMAIL),
    ("ecris a julie.b arobase laposte point net", Reason.EMAIL),
    ("theo chez free point fr, c'est mon vieux mail", Reason.EMAIL),
    ("reach me at sam.trails at yahoo dot com", Reason.EMAIL),
    ("my email is sam.trails, the usual gmail", Reason.EMAIL),
    ("j'ai une adresse sam_38@hotmail si jamais", Reason.EMAIL),
    # links
    ("Regarde https://example.com/promo", Reason.URL),
    ("va voir www.example.com", Reason.URL),
    ("mon site c'est camillerando.fr", Reason.URL),
    ("toutes mes traces : trails-de-sam.blogspot.com", Reason.URL),
    ("le lien bit.ly/3kT9x", Reason.URL),
    ("mesbalades [dot] net", Reason.URL),
    ("mesbalades point com, tout y est", Reason.URL),
    ("h t t p s : / / mesbalades . net", Reason.URL),
    # handles and platforms as a place to continue
    ("ajoute moi sur insta @cam_rando", Reason.SOCIAL),
    ("On passe sur WhatsApp ?", Reason.SOCIAL),
    ("my snap is camrando", Reason.SOCIAL),
    ("follow me on IG, trail.sam", Reason.SOCIAL),
    ("c'est quoi ton snap ?", Reason.SOCIAL),
    ("t'es sur Telegram ?", Reason.SOCIAL),
    ("let's move this to Signal, way easier", Reason.SOCIAL),
    ("je suis sous le pseudo kmi_38 sur Strava", Reason.SOCIAL),
    ("insta 👉 j.u.l.i.e", Reason.SOCIAL),
    ("on se parle sur Discord ce soir ?", Reason.SOCIAL),
    ("on pourrait s'écrire sur Messenger plutôt", Reason.SOCIAL),
    ("Komoot : tu me trouveras facilement, je suis la seule Inès de Gap", Reason.SOCIAL),
    ("j'y suis plus souvent sur insta qu'ici", Reason.SOCIAL),
    ("on pourrait discuter ailleurs, non ?", Reason.SOCIAL),
    ("WhatsApp plutôt ?", Reason.SOCIAL),
    # meaning: only the unambiguous phrasings
    ("Tu peux m'envoyer 50€ sur PayPal ?", Reason.MONEY),
    ("J'ai besoin d'argent pour mon billet, tu peux m'aider ?", Reason.MONEY),
    ("Achète-moi une carte cadeau Steam", Reason.MONEY),
    ("Could you lend me 200 dollars?", Reason.MONEY),
    ("envoie-moi ton IBAN je te rembourse", Reason.MONEY),
    ("tu pourrais m'envoyer un petit quelque chose sur PayPal ?", Reason.MONEY),
    ("zelle me $60 and I'll pay you back friday", Reason.MONEY),
    ("il me faut une carte Steam de 100 €, tu peux m'en envoyer une ?", Reason.MONEY),
    ("le garagiste veut 400 €, tu pourrais me dépanner ?", Reason.MONEY),
    ("ce bitcoin là rapporte 20 % par mois, je peux t'apprendre", Reason.MONEY),
    ("J'habite au 12 rue des Alpes", Reason.ADDRESS),
    ("C'est à 38000 Grenoble", Reason.ADDRESS),
    ("my address is 4 Baker Street", Reason.ADDRESS),
    ("On se retrouve samedi à 9h au parking du col ?", Reason.MEETING),
    ("Let's meet tomorrow at 7pm at the station", Reason.MEETING),
    ("envoie-moi des nudes", Reason.SEXUAL),
    ("J'ai envie de coucher avec toi", Reason.SEXUAL),
    ("I want to have sex with you", Reason.SEXUAL),
    ("on se fait des sextos ce soir ?", Reason.SEXUAL),
    ("I'm lying here with nothing on 😏", Reason.SEXUAL),
    ("raconte-moi ce que tu me ferais sous la tente", Reason.SEXUAL),
    ("Tu as 15 ans ?", Reason.MINOR),
    ("je suis lycéenne", Reason.MINOR),
    ("you're 14 years old?", Reason.MINOR),
    ("j'ai eu 16 ans en mars", Reason.MINOR),
    ("to be honest I'm 15, sorry", Reason.MINOR),
    ("14 ans et alors, l'âge c'est qu'un chiffre", Reason.MINOR),
]

ALLOWED = [
    "J'adore le Vercors, 1600 m de dénivelé en 5 h !",
    "Ça va ? Me aussi haha",
    "j'ai 10 ans d'expérience en rando",
    "Demain je pars à 8h pour voir le lever du soleil au sommet",
    "Jouir de la vue au sommet, rien de mieux",
    "Un pique-nique au lac, le rêve",
    "J'ai fait 12000 pas aujourd'hui",
    "Le refuge était à 2400 m, on est partis le 12/07/2025",
    "Tu randonnes plutôt de quel côté ?",
    "Moi c'est l'Instagram des autres qui me donne envie de partir 😅",
    # numbers that are not phone numbers
    "2 450 m au sommet, 3 000 D+ dans la journée",
    "Le 07/12/2025 14:30 on était encore au refuge",
    "Dates : 05/08, 12/08 et 19/08, départ 06:30",
    "J'ai fait 3 sommets cet été : 4808, 4478 et 4061 m",
    "Mon record, 1 200 000 pas sur l'année 2023",
    "ma tente m'a coûté 300 € et mon sac 189 €",
    "I need a new pack but $300 is insane",
    "je suis du 38, lui du (74)",
    "le GR20 en 12 jours, puis le GR 54 et un bout de la D1091",
    "On part à 7h, retour vers 18h30, 42 km en 9h12",
    "De 1998 à 2005 j'habitais à Lyon",
    # words that look like addresses or links
    "We got to the hut at sunset. Best feeling ever",
    "Trop bien.Je pars demain matin",
    "quel point de vue au sommet !",
    "Je rentre chez moi, trop crevée",
    "I'm at the hut now, at noon we go up",
    "1,5 L d'eau et v2.0 de mon sac",
    # platforms named in passing
    "Instagram is ruining the best spots",
    "j'ai vu ça sur Strava",
    "Mon tel est mort au sommet",
    "la trace est sur Komoot si tu veux la refaire",
    "pas de signal au sommet, no signal on the ridge either",
    "Oh snap, I forgot my poles",
    "my strava is full of bike rides",
    "Je poste parfois mes photos sur insta",
    "je me suis inscrite sur Strava l'an dernier",
    "Instagram ruine tout, cherche-moi un coin tranquille plutôt 😄",
    "On continue ailleurs demain, le brouillard est trop épais",
    "WhatsApp ne marche pas en montagne de toute façon",
    # innocent words near the meaning categories
    "Minor blister, nothing serious",
    "Mon chien remue sa queue",
    "la queue au refuge était interminable",
    "j'ai 29 ans",
    "mon fils a 15 ans, il adore grimper",
    "J'enseigne au lycée depuis 15 ans",
    "j'ai une queue de cheval sous le casque",
    "Le chien à poil long a adoré la neige",
    "on a vu des chamois à l'oeil nu, with the naked eye",
    "Samedi je vais au lac Blanc, le parking se remplit vite à 8h",
    "Ça coûte 15 balles le repas au refuge",
    "I'd pay $50 for a hot shower up there",
    "j'ai payé 1 299 € mon vélo, le prix d'un rein",
    "tu peux m'aider à choisir une tente à 300 € ?",
    "Bitcoin doubled last year, my brother won't stop talking about it",
    "J'ai perdu 200 € en crypto, plus jamais 😂",
    "Le trading ça rapporte rien, je préfère la montagne",
    "I'm 16 km from the hut and it's pouring",
    "j'en ai 12 paires, de chaussettes, c'est grave ?",
    "Les Sextant et les boussoles, j'adore les vieux instruments",
    "Dis-moi ce que tu me ferais à manger au refuge 😄",
    "J'ai dormi sans rien sous la tête, pas d'oreiller",
    "She turned 17 the summer we did the GR20 together",
]


@pytest.mark.parametrize(("text", "reason"), BLOCKED)
def test_blocks(text: str, reason: Reason) -> None:
    """Each kind of content the persona may not send is caught, with its reason."""
    assert reason in guard.check(text)


@pytest.mark.parametrize("text", ALLOWED)
def test_lets_small_talk_through(text: str) -> None:
    """Ordinary hiking small talk (numbers, times, places) is not blocked."""
    assert guard.check(text) == []


def test_meeting_allowed_by_the_persona() -> None:
    """A persona allowed to arrange meetings may name a place and a time."""
    text = "On se retrouve samedi à 9h au parking du col ?"
    assert guard.check(text, allow_meetings=True) == []


def test_number_split_across_parts_is_caught() -> None:
    """A phone number cut in two parts is caught on the parts joined."""
    assert Reason.PHONE in guard.check_all(["Mon numéro : 06 12 34", "56 78 !"])


@pytest.mark.parametrize(
    ("context", "text", "reason"),
    [
        (["mon numéro c'est le 07 52 18"], "33 61", Reason.PHONE),
        (["zéro sept cinquante-deux", "dix-huit trente-trois"], "soixante et un 😉", Reason.PHONE),
        (["c'est sam.trails"], "on insta", Reason.SOCIAL),
        (["écris-moi à julie.b"], "arobase laposte point net", Reason.EMAIL),
        (["mes traces sont sur mon site", "trails-de-sam"], ".com", Reason.URL),
    ],
)
def test_a_detail_split_over_messages_is_seen_whole(
    context: list[str], text: str, reason: Reason
) -> None:
    """A contact detail completed by the reply is caught with the persona's earlier messages."""
    assert reason not in guard.check(text)
    assert reason in guard.check(text, context=context)


@pytest.mark.parametrize(
    ("context", "text"),
    [
        (["note : 07 41 52"], "la suite c'est 66 09"),
        (["+33 6"], "12 34 56 78"),
        (["bon ok c'est zéro six"], "et après douze trente-quatre cinquante-six soixante-dix-huit"),
        (["zéro sept quatre-vingt-un"], "et la fin : vingt-deux dix-neuf zéro trois"),
        (["07", "41", "52", "66"], "09"),
        (["mon num", "07 41", "52 66 — attends"], "09 voilà"),
        (["my number is oh seven seven"], "double oh, then nine double oh one two three"),
        (["c'est le 6"], "vingt-sept, zéro quatre, quatre-vingt-onze, treize, avec un zéro devant"),
    ],
)
def test_a_number_told_in_uneven_chunks_over_messages(context: list[str], text: str) -> None:
    """Chunks of uneven length, with words around them, over two messages or more."""
    assert Reason.PHONE not in guard.check(text)
    assert Reason.PHONE in guard.check(text, context=context)


@pytest.mark.parametrize(
    ("context", "text"),
    [
        (["j'ai fait le 06 et le 04 cet été"], "et le 38, 73 l'an dernier"),
        (["on part à 07h30"], "retour vers 18h, 12 km au total"),
        (["le refuge est à 2 450 m"], "et le sommet à 3 100 m, 6 h de marche"),
        (["07 41 52 66 09"], "et sinon tu fais quoi ce week-end ?"),
    ],
)
def test_numbers_over_messages_that_make_no_phone(context: list[str], text: str) -> None:
    """Departments, times and altitudes over two messages are no number; a number already
    sent is not counted again."""
    assert guard.check(text, context=context) == []


def test_a_detail_wholly_in_earlier_messages_is_not_counted_again() -> None:
    """A number already sent (judged then) does not block the next, innocent, reply."""
    context = ["07 52 18 33 61", "sam.trails@gmail.com"]
    assert guard.check("Et sinon, ta rando de dimanche ?", context=context) == []
    assert guard.check("2 450 m au sommet !", context=context) == []
    assert Reason.PHONE in guard.check("07 52 18 33 61", context=context)


def test_only_the_recent_context_is_read() -> None:
    """Messages long past are not joined with the reply."""
    context = ["06 12 34", *["On parle de rando 🙂"] * guard.CONTEXT_MESSAGES]
    assert guard.check("56 78", context=context) == []


def test_raw_markup_does_not_hide_a_detail() -> None:
    """The guard reads the raw reply: markdown, brackets and stage directions are still in it."""
    assert Reason.EMAIL in guard.check("*sourit* écris-moi : **camille [at] gmail [dot] com**")
    assert Reason.URL in guard.check("[mon blog](https://mesbalades.net) 😊")
    assert Reason.PHONE in guard.check("(rougit) `06 71 28 94 05`")


def test_obfuscated_with_zero_width_and_full_width_digits() -> None:
    """Zero-width spaces and full-width digits do not hide a phone number."""
    assert Reason.PHONE in guard.check("\uff10\uff16\u200b\uff11\uff12 34 56 78")


def test_safe_lines_pass_the_guard() -> None:
    """The lines sent instead of a blocked reply are themselves allowed, in both languages."""
    for language in ("fr", "en"):
        for reason in Reason:
            assert guard.check(guard.safe_line([reason], language)) == []


def test_offline_phrases_pass_the_guard() -> None:
    """No canned line of the offline responder trips the guard or the leak check."""
    pairs = guard.instruction_pairs(
        prompt.system_prompt(_camille()) + "\n" + prompt.rules_prompt(DisclosurePolicy.ADMIT)
    )
    lines = [
        item
        for value in vars(phrases).values()
        if isinstance(value, list | tuple)
        for item in value
        if isinstance(item, str)
    ]
    assert len(lines) > 20
    flagged = [line for line in lines if guard.check(line) or guard.paraphrases(line, pairs)]
    assert flagged == []


def test_corrective_instruction_names_the_reasons() -> None:
    """The regeneration is told what was wrong, in words the model understands."""
    text = guard.corrective_instruction([Reason.PHONE, Reason.MONEY])
    assert "numéro de téléphone" in text
    assert "argent" in text


def _camille() -> object:

    return Persona.default(Settings(_env_file=None), uuid.uuid4())  # type: ignore[call-arg]


def test_paraphrased_instructions_are_a_leak() -> None:
    """A reply restating the rules in other words is caught; describing the persona is not."""
    spec = bundled_persona("camille").spec
    pairs = guard.instruction_pairs(
        spec.composed_prompt("Camille") + "\n" + prompt.rules_prompt(DisclosurePolicy.ADMIT)
    )
    leak = "On m'a dit : des messages courts, sans mise en forme, et pas un mot des consignes"
    assert guard.paraphrases(leak, pairs)
    assert guard.paraphrases("Mes consignes : jamais de numéro, d'e-mail ni de lien", pairs)
    assert not guard.paraphrases(
        "J'adore le Vercors, la Chartreuse et les lacs de montagne !", pairs
    )
    assert not guard.paraphrases("Je t'écris des messages courts depuis mon téléphone", pairs)


def test_an_admission_is_not_a_leak() -> None:
    """Saying it is an AI persona of RandoMatch, as the policy asks, is not a leak."""
    for policy in (DisclosurePolicy.ADMIT, DisclosurePolicy.ALWAYS):
        rules = prompt.rules_prompt(policy)
        sayable = [*disclosure.ADMISSIONS.values(), prompt.DISCLOSURE_LINE]
        pairs = guard.instruction_pairs(rules, sayable=sayable)
        assert not guard.paraphrases("Oui je suis un personnage IA de RandoMatch 🙂", pairs)


def test_meanings_are_left_to_the_reviewer_when_in_doubt() -> None:
    """Ordinary talk about money, meeting, bodies or ages passes the deterministic layer."""
    for text in (
        "On pourrait faire le Moucherotte ensemble un de ces jours",
        "J'ai vu un reportage sur les arnaques à la carte cadeau, dingue",
        "Les photos du sommet sont trop belles, je t'en envoie une ?",
        "Quand j'étais lycéenne je détestais marcher 😂",
    ):
        assert guard.check(text) == [], text


MEANINGS = [
    # a meeting: a concrete day or time and a named venue or address
    ("vendredi 19h au bar Le Mazot", Reason.MEETING),
    ("let's meet friday at 7 at the Red Lion pub", Reason.MEETING),
    ("on prend un verre jeudi à 19h au Café des Arts ?", Reason.MEETING),
    ("how about coffee Thursday at 10, the place by the station?", Reason.MEETING),
    ("Je suis au café en face de la mairie, tu peux passer là maintenant ?", Reason.MEETING),
    ("I'll be at the Black Bull pub tonight around 7, come find me", Reason.MEETING),
    ("wanna grab a drink tonight at 8 at the Crown?", Reason.MEETING),
    ("on se retrouve demain 18h30 devant le cinéma Pathé", Reason.MEETING),
    ("demain 20h chez moi ?", Reason.MEETING),
    ("dimanche, 9h, au pied du téléphérique de l'Aiguille ?", Reason.MEETING),
    ("Je descends à Annecy le 14, on prend un verre au Café des Arts ?", Reason.MEETING),
    ("meet you at the top of Arthur's Seat at sunrise tomorrow", Reason.MEETING),
    ("see you Sunday at 9 at the Kings Arms", Reason.MEETING),
    ("à samedi 19h au Café des Arts !", Reason.MEETING),
    ("on se capte samedi 15h au Café du Commerce ?", Reason.MEETING),
    # money: a transfer asked for
    ("fais-moi un virement de 40 €", Reason.MONEY),
    ("fais moi un paylib de 25 euros stp", Reason.MONEY),
    ("tu me fais un lydia ?", Reason.MONEY),
    ("can you send me $50?", Reason.MONEY),
    ("tu me prêterais 80 € ?", Reason.MONEY),
    ("t'aurais pas 30 balles à me prêter ?", Reason.MONEY),
    ("can you lend me a hundred quid?", Reason.MONEY),
    ("wire me 500 and I'll pay you back", Reason.MONEY),
    ("mets 50 € sur mon compte stp", Reason.MONEY),
    ("un petit virement de 200 € me sauverait", Reason.MONEY),
    ("tu me paies le billet ? 120 €, je te revaudrai ça", Reason.MONEY),
    # sexual propositions in verbs and body words
    ("j'ai envie de te baiser", Reason.SEXUAL),
    ("je veux te lécher partout", Reason.SEXUAL),
    ("on baise ?", Reason.SEXUAL),
    ("on s'envoie en l'air ce soir ?", Reason.SEXUAL),
    ("tu me fais mouiller", Reason.SEXUAL),
    ("montre-moi tes seins", Reason.SEXUAL),
    ("je veux sentir ta queue", Reason.SEXUAL),
    ("t'as une grosse bite ?", Reason.SEXUAL),
    ("on pourrait finir la rando nus sous la tente", Reason.SEXUAL),
    ("I want to fuck you", Reason.SEXUAL),
    ("wanna bang?", Reason.SEXUAL),
    ("send me a pic of your ass", Reason.SEXUAL),
    ("show me your tits", Reason.SEXUAL),
    ("I want you inside me", Reason.SEXUAL),
    ("I'm so wet thinking about you", Reason.SEXUAL),
    ("je veux que tu me prennes par derrière", Reason.SEXUAL),
    # the persona under 18
    ("j'ai seize ans", Reason.MINOR),
    ("I'm only sixteen", Reason.MINOR),
    ("je fête mes 16 ans samedi", Reason.MINOR),
    ("j'aurai 18 ans en juin", Reason.MINOR),
    ("I'm turning 17 next month", Reason.MINOR),
    ("je passe le brevet cette année", Reason.MINOR),
    ("Je me suis inscrite avant mes 18 ans, j'en ai 17", Reason.MINOR),
    ("I'm a junior in high school", Reason.MINOR),
    ("I'm in 10th grade", Reason.MINOR),
    ("I'm actually 16", Reason.MINOR),
    # self-harm encouraged
    ("tu devrais en finir", Reason.SELF_HARM),
    ("kill yourself", Reason.SELF_HARM),
    ("va te pendre", Reason.SELF_HARM),
    ("just kill yourself lol", Reason.SELF_HARM),
    ("t'as qu'à te foutre en l'air", Reason.SELF_HARM),
    ("tu devrais te scarifier, ça soulage", Reason.SELF_HARM),
    ("stop eating for a week, you'll feel better", Reason.SELF_HARM),
    ("le monde serait mieux sans toi", Reason.SELF_HARM),
    ("nobody would miss you", Reason.SELF_HARM),
    ("if you want to cut yourself, go for it", Reason.SELF_HARM),
    ("suicide-toi", Reason.SELF_HARM),
    ("pourquoi tu te suicides pas ?", Reason.SELF_HARM),
]

ORDINARY_NEAR_MEANINGS = [
    # meetings: no invitation, no venue, a unit, an advert, the persona's own plans
    "Samedi je vais au lac Blanc, le parking se remplit vite à 8h",
    "le pneu à 2 bar, ça suffit pour le vélo samedi ?",
    "j'ai vu une pub pour le Salon de la Rando samedi à 14h",
    "la pub de la télé à 20h me saoule",
    "ce soir je bois un verre au Café des Arts avec ma sœur",
    "Samedi on a pris un verre au Bar des Amis après la rando",
    "we met at the Black Bull pub on Friday at 7, great evening",
    "samedi 9h au parking, c'était déjà plein",
    "la gare de Grenoble est à 10 min du départ, tu viens d'où ?",
    "J'adore le pub irlandais de Chambéry, t'y es déjà allé ?",
    "ça te dit de faire le GR20 un jour ?",
    "je suis du 38, on a fait le 73 et le 74 à pied cet été",
    "See you tomorrow! I'm off to the Red Lion at 7 with my brother",
    "à demain, je file au Café des Arts avec ma sœur vers 19h",
    # money: things lent, prices, salaries
    "tu me prêterais ta frontale ?",
    "j'ai prêté 50 € à mon frère",
    "le virement de mon salaire arrive demain",
    "Lydia c'est pratique pour partager les frais entre potes",
    "tu me paies un verre au refuge ? 😄",
    "have you got 10 minutes?",
    "send me 20 photos of the ridge",
    "a hundred quid for boots is a steal",
    # sexual words in their other senses
    "la queue au refuge était interminable",
    "sa queue remue quand il me voit",
    "I had a bite of your sandwich",
    "ma chatte dort sur mon sac",
    "photo de ta chatte sur le canapé ? trop mignon",
    "my ass is sore after 30 km",
    "I'm so hard on myself sometimes",
    "send me a pic of your boots",
    "je me touche le genou, ça fait mal",
    "I'll ride up with you on the chairlift",
    "we saw some great tits and a robin",
    "dormir nus sous la tente ? non merci, il fait 2 degrés",
    # ages of others, durations, school as a memory or a job
    "j'aurai 18 ans d'expérience l'an prochain",
    "I'll be 10 minutes late",
    "I'm turning 30 soon, help",
    "j'ai passé le brevet de secourisme",
    "mon fils passe le brevet",
    "I'm in year 3 of my PhD",
    "j'en ai 17 des paires de chaussettes",
    "Mon prof de ski m'a collé une étiquette de trouillarde",
    # self-harm: idioms, care, the persona's own past
    "don't hurt yourself on the descent!",
    "you'll kill yourself on that climb, slow down",
    "je meurs de chaud, je crève de faim",
    "jette-toi à l'eau, demande-lui !",
    "va mourir de froid au sommet si tu veux, moi je reste en bas 😂",
    "tu devrais en finir avec ce mec toxique",
    "stop eating junk before a hike",
    "arrête de manger n'importe quoi",
    "cut yourself a slice of cake",
    "parfois j'ai envie d'en finir avec ce boulot",
]


@pytest.mark.parametrize(("text", "reason"), MEANINGS)
def test_meaning_structures_are_caught(text: str, reason: Reason) -> None:
    """A meeting with a day and a venue, a transfer asked for, a sexual proposition, an age
    under 18, self-harm encouraged: each caught with its reason."""
    assert reason in guard.check(text), text


@pytest.mark.parametrize("text", ORDINARY_NEAR_MEANINGS)
def test_ordinary_talk_near_the_meaning_rules_passes(text: str) -> None:
    """The everyday senses of the same words pass the deterministic layer."""
    assert guard.check(text) == [], text


def test_a_persona_allowed_to_meet_may_name_a_venue() -> None:
    """The meeting rules are off for a persona allowed to arrange meetings."""
    assert guard.check("vendredi 19h au bar Le Mazot", allow_meetings=True) == []


def test_self_harm_has_a_corrective_instruction() -> None:
    """A self-harm verdict is named to the model and gets an in-character line."""
    assert "se faire du mal" in guard.corrective_instruction([Reason.SELF_HARM])
    assert guard.check(guard.safe_line([Reason.SELF_HARM], "en")) == []


def test_declares_minor() -> None:
    """A person saying they are under 18 is recognised; a duration is not an age."""
    assert guard.declares_minor("j'ai 15 ans et toi ?")
    assert guard.declares_minor("I'm 16 years old")
    assert not guard.declares_minor("j'ai 2 ans de plus que toi")
    assert not guard.declares_minor("j'ai 34 ans")
    assert guard.declares_minor("Je suis en seconde au lycée")
    assert guard.declares_minor("i'm still in high school")
    assert not guard.declares_minor("J'enseigne au lycée, et toi ?")


def test_a_long_reply_is_joined_to_the_context_by_its_head() -> None:
    """A number completed at the start of a long reply is caught; one later in it too."""
    filler = " On a marché longtemps, c'était beau." * 40
    assert Reason.PHONE in guard.check("94 05" + filler, context=["mon num c'est 06 71 28"])
    assert Reason.PHONE in guard.check(filler + " 07 52 18 33 61", context=["salut"])
    assert guard.check(filler, context=["mon num c'est 06 71 28"]) == []


@pytest.mark.parametrize(
    "text",
    [
        "0 6 1 2 3 4 5 6 7 8 9 " * 273,
        "zéro six douze trente-quatre et puis " * 81,
        "on continue sur insta ou whatsapp ? je préfère snap si tu veux " * 47,
        "Samedi à 19h au Bar des Amis on prend un verre ? " * 61,
        "a " * 1500,
        "1, " * 1000,
    ],
)
def test_a_long_reply_is_read_in_bounded_time(text: str) -> None:
    """3,000 characters of the shapes the rules look for take well under a second."""
    started = time.process_time()
    guard.check(text[:3000], context=["06 12", "on en parle ?"])
    assert time.process_time() - started < 1.0


@pytest.mark.parametrize(
    ("context", "text"),
    [
        (["j'habite rue des Lilas à Chambéry"], "au 12, deuxième étage"),
        (["je suis avenue Jean Jaurès, à Annecy"], "numéro 8 bis, sonne deux fois"),
        (["I live on Maple Street, it's quiet"], "number 12, the blue door"),
    ],
)
def test_an_address_over_two_messages(context: list[str], text: str) -> None:
    assert Reason.ADDRESS in guard.check(text, context=context, allow_meetings=True)


@pytest.mark.parametrize(
    ("context", "text"),
    [
        (["on part de la place Bellecour"], "au 14 juillet on verra"),
        (["on a pris la route du col"], "au 15 km on a fait une pause"),
        (["la rue des Lilas est jolie"], "au printemps surtout"),
        (["j'habite au 12 rue des Lilas"], "tu connais le coin ?"),
        (["I walked down Maple Street"], "at 10 it was empty"),
    ],
)
def test_no_address_over_two_messages(context: list[str], text: str) -> None:
    assert Reason.ADDRESS not in guard.check(text, context=context, allow_meetings=True)


@pytest.mark.parametrize(
    "text",
    [
        "prends toute la boîte de cachets",
        "avale une boîte entière de doliprane",
        "avale tous tes médocs d'un coup, t'auras plus mal",
        "just take the whole bottle of pills",
        "vas-y, coupe-toi si ça te soulage",
        "coupe-toi, ça soulage",
        "cutting yourself will help, you'll feel better",
        "jumping off that cliff would solve everything",
        "saute du pont, ça réglera tout",
        "jette-toi du haut de la falaise",
        "you'd be better off dead",
        "t'es mieux morte franchement",
        "t'as qu'à sauter.",
        "t'as qu'à te pendre",
        "why don't you just jump off the bridge",
        "go ahead and hang yourself, problem solved",
    ],
)
def test_self_harm_encouraged_in_other_words(text: str) -> None:
    assert Reason.SELF_HARM in guard.check(text), text


@pytest.mark.parametrize(
    "text",
    [
        "saute ce ruisseau, il est pas large",
        "cut the rope and you'll feel better about the knot",
        "je suis morte de fatigue",
        "jump in the lake, it's warm",
        "prends toute la boîte de biscuits pour la montée",
        "take all your meds for the trip, altitude pills too",
        "coupe-toi une part de tarte",
        "coupe-toi les ongles avant la rando",
        "t'as qu'à sauter le ruisseau",
        "t'as qu'à sauter dans le lac",
        "you'd be better off with poles",
        "jumping off the rock into the lake was amazing",
        "on a sauté du pont dans la rivière, trop bien",
        "just jump, the stream is narrow here",
        "jette-toi à l'eau, elle est bonne",
        "I'm dead tired, better off in bed",
    ],
)
def test_hiking_talk_near_self_harm_passes(text: str) -> None:
    assert Reason.SELF_HARM not in guard.check(text), text


@pytest.mark.parametrize(
    "text",
    [
        "ta b*** 🍆",
        "je veux ta q***e",
        "sans culotte 😈",
        "je dors sans culotte",
        "I'm not wearing anything... without the rest 😈",
        "j'ai envie de ton 🍑",
        "🍆💦 ce soir ?",
        "your d**k",
    ],
)
def test_sexual_content_hinted_with_emoji_or_masked_words(text: str) -> None:
    assert Reason.SEXUAL in guard.check(text), text


@pytest.mark.parametrize(
    "text",
    [
        "la recette avec une aubergine 🍆",
        "les sans-culottes de 1789, cours d'histoire 😅",
        "sans soutif c'est l'enfer en descente",
        "🍑 pêches de vigne au marché 😋",
        "ma b*** de chaussure a lâché",
        "without the rest of the group we were lost 😂",
        "sans le reste de l'équipe 🔥 on a fini quand même",
        "le p*** de col était raide",
    ],
)
def test_emoji_and_masked_words_in_ordinary_talk(text: str) -> None:
    assert Reason.SEXUAL not in guard.check(text), text
