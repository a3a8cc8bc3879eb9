"""The output guard's rules, in French and English, and what they must let through."""

from __future__ import annotations

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


def test_declares_minor() -> None:
    """A person saying they are under 18 is recognised; a duration is not an age."""
    assert guard.declares_minor("j'ai 15 ans et toi ?")
    assert guard.declares_minor("I'm 16 years old")
    assert not guard.declares_minor("j'ai 2 ans de plus que toi")
    assert not guard.declares_minor("j'ai 34 ans")
    assert guard.declares_minor("Je suis en seconde au lycée")
    assert guard.declares_minor("i'm still in high school")
    assert not guard.declares_minor("J'enseigne au lycée, et toi ?")
