"""A whole reply's register: assistant formulas and structure against phone chat."""
# ruff: noqa: E501 - one labelled reply per line reads best

from __future__ import annotations

import pytest

from randomatch_bot.conversation.words import register, style

ASSISTANT = [
    # French
    ("Je comprends tout à fait ce que tu ressens", "empathy_formula"),
    ("Merci pour ta question", "thanks_for_question"),
    ("Je comprends parfaitement ta frustration, c'est une situation délicate.", "empathy_formula"),
    ("Merci beaucoup pour cette question !", "thanks_for_question"),
    ("Excellente question ! Le GR20 se fait plutôt en juin.", "great_question"),
    ("Si tu as d'autres questions sur le Vercors, n'hésite pas !", "offer_more_help"),
    ("J'espère que ces conseils te seront utiles !", "hope_this_helps"),
    ("En tant qu'IA, je n'ai pas de jambes pour randonner.", "as_a_x"),
    ("Voici quelques itinéraires que je te recommande :\n- Le lac Blanc\n- Le col du Glandon", "here_are"),
    ("Tout d'abord, choisis un sentier balisé. Ensuite, regarde l'heure du coucher du soleil. Enfin, préviens un proche.", "enumeration"),
    ("Il est crucial de prévoir une couche chaude même en été.", "importance"),
    ("De plus, le refuge est gardé. Cependant, il faut réserver. Par ailleurs, les douches sont payantes.", "formal_connectors"),
    ("Souhaites-tu que je te prépare un itinéraire détaillé ?", "offer_more_help"),
    ("Je reste à ta disposition pour toute autre question.", "offer_more_help"),
    ("C'est tout à fait compréhensible de ressentir de l'appréhension avant un premier trek.", "empathy_formula"),
    ("**Le Vercors** : des plateaux superbes, idéal pour le bivouac.", "markdown"),
    # English
    ("Is there anything else you'd like to know?", "offer_more_help"),
    ("It's worth noting that the hut closes in October.", "worth_noting"),
    ("I completely understand how you feel.", "empathy_formula"),
    ("Thanks so much for your question!", "thanks_for_question"),
    ("Is there anything else I can help you with?", "offer_more_help"),
    ("Let me know if you have any other questions!", "offer_more_help"),
    ("Great question! The best season is September.", "great_question"),
    ("As an AI language model, I don't hike.", "as_a_x"),
    ("Here are a few tips for your first multi-day trek:", "here_are"),
    ("I hope this helps!", "hope_this_helps"),
    ("Firstly, pick a marked trail. Secondly, check the forecast. Lastly, tell someone your plan.", "enumeration"),
    ("Would you like me to suggest a few more trails?", "offer_more_help"),
    ("Feel free to reach out anytime!", "offer_more_help"),
    ("Moreover, the views are stunning. However, the path is steep. Additionally, parking is limited.", "formal_connectors"),
    ("## My top hikes\n1. Snowdon\n2. Scafell Pike", "structured_list"),
]  # fmt: skip

NATURAL = [
    "Bien sûr, j'y vais chaque été !",
    "Voilà mes chaussures qui lâchent… 40 bornes et c'est fini 😭",
    "Merci ! Toi aussi t'as l'air sympa",
    "Je comprends, moi aussi j'ai eu la trouille au passage du câble",
    "Bonne question mdr, j'en sais rien",
    "Ah je comprends mieux pourquoi t'étais crevé hier",
    "On est de plus en plus nombreux sur ce sentier, ça devient fou",
    "Vous étiez combien au refuge avec tes potes ?",
    "N'hésite pas à venir avec ton chien, il sera le bienvenu",
    "Dis-moi si tu passes vers Annecy, je te montre le Semnoz",
    "D'abord on a raté le bus, ensuite il a plu 😂",
    "Il faut que je rachète une frontale, la mienne est morte",
    "En effet c'était pas une petite balade haha",
    "Voici la vue de ce matin, pas mal hein ?",
    "En résumé : pluie, boue, fondue. Meilleur week-end.",
    "Let me know if you ever come to Grenoble!",
    "Feel free to bring your dog, mine loves company",
    "Good question lol, no clue",
    "Thanks for asking! Knees are sore but happy",
    "I understand, I'd be scared too on that ridge",
    "Here's the thing, I never check the weather 😅",
    "Of course I packed too many snacks again",
    "However tired I am, I always go for the summit",
    "Sorry to hear about your ankle, that sucks",
    "I hope you make it to the top this time!",
    "Absolutely loved that hike",
    "We got to the hut at sunset. Best feeling ever",
    # offers, thanks and announcements about something concrete are what people write
    "Je te remercie pour hier soir, c'était top",
    "Tu veux que je t'envoie les photos ?",
    "Si tu veux je peux te conseiller un bon resto à Annecy",
    "Laisse-moi te présenter mon chien 😄",
    "Courage pour demain ! Je suis là si tu as besoin 😘",
    "Dis-moi si tu as besoin d'aide pour porter la tente",
    "Voici quelques photos de ma rando d'hier",
    "Je suis désolée d'apprendre ça, ça va aller ?",
    "Let me know if you need help with the tent",
    "Do you want me to send you the gpx?",
    "If you want I can show you my favourite spot",
    "That's a good point actually",
    "I'd be happy to show you around Chamonix",
    "First, coffee. Then, the summit.",
    "Let me explain, I got lost twice 😂",
]


@pytest.mark.parametrize(("text", "tell"), ASSISTANT)
def test_assistant_register_is_recognised(text: str, tell: str) -> None:
    """A reply with a clear formula or an assistant's structure reads as an assistant's, and
    names what gave it away."""
    verdict = register.assess(text, "fr")
    assert verdict.assistant, verdict
    assert tell in verdict.tells
    assert verdict.score >= register.ASSISTANT_SCORE
    assert verdict.corrective.startswith("Ta réponse sonnait comme un assistant")


@pytest.mark.parametrize("text", NATURAL)
def test_natural_chat_is_not_flagged(text: str) -> None:
    """Chat lines made of the same words ("merci", "je comprends", "let me know", "voilà")
    are not taken for an assistant's, so they are neither asked for again nor cut."""
    verdict = register.assess(text, "fr")
    assert not verdict.assistant, verdict
    assert verdict.corrective == ""
    assert style.strip_assistant_phrasing(text) == text


def test_one_hint_alone_flags_nothing_two_do() -> None:
    """A single hint (one formal connector pair, a "vous" next to "tu", a long paragraph) is
    not enough; two together are."""
    long_chat = " ".join(["on a marché longtemps et c'était beau"] * 9)  # 63 words
    assert register.assess(long_chat).tells == ("long_paragraph",)
    assert not register.assess(long_chat).assistant
    assert not register.assess("Vous pouvez venir, toi et ta sœur !").assistant
    both = long_chat + ". Vous pouvez venir, toi et ta sœur."
    assert register.assess(both).assistant


def test_laughter_softens_a_played_formula() -> None:
    """A person playing with a formula ("Great question 😂") is not flagged; the same
    formula said straight is."""
    assert not register.assess("Great question 😂 no idea").assistant
    assert register.assess("Great question! The answer is September.").assistant


def test_corrective_names_what_to_avoid_never_the_text() -> None:
    """The corrective is French, names the kinds found, never repeats the reply, and asks
    for English when the persona writes English."""
    text = "Merci pour ta question ! Je reste à ta disposition pour toute autre question."
    verdict = register.assess(text, "fr")
    assert "remerciement pour la question" in verdict.corrective
    assert "offre d'aide" in verdict.corrective
    assert "disposition" not in verdict.corrective
    assert "dans la langue de la conversation" in verdict.corrective
    english = register.assess("I hope this helps!", "en").corrective
    assert english.startswith("Ta réponse sonnait comme un assistant")
    assert "réponds en anglais" in english


def test_the_verdict_is_deterministic_and_unicode_blind() -> None:
    """The same text gives the same verdict, whatever its Unicode form, apostrophes or case."""
    plain = register.assess("N'hésite pas si tu as d'autres questions !")
    decomposed = register.assess("N\u2019he\u0301site PAS si tu as d\u2019autres questions !")
    assert plain == decomposed == register.assess("N'hésite pas si tu as d'autres questions !")
    assert plain.tells == ("offer_more_help",)


def test_better_reply_has_the_lower_score() -> None:
    """The composer keeps the reply with the lower score: a rewrite without formulas wins."""
    first = register.assess("Excellente question ! Voici quelques idées :\n- le Vercors")
    second = register.assess("Le Vercors, sans hésiter. T'y es déjà allé ?")
    assert second.score < first.score
    assert second.score == 0


# Kinds of assistant register, each written several ways, in both languages: a kind is
# recognised by what it does (thanks for the message with a letter's tone, a service desk's
# apology, a hope that it was useful…), not by one wording.
ASSISTANT_KINDS = [
    # formal thanks: for the message, the attention, the kindness
    ("Merci beaucoup pour ton message, il me touche énormément.", "thanks_formula"),
    ("Un grand merci pour ton retour si bienveillant !", "thanks_formula"),
    ("Je tenais à te remercier pour ta sincérité.", "thanks_formula"),
    ("Merci pour ta réponse détaillée, c'est très gentil de ta part.", "thanks_formula"),
    ("Je te remercie sincèrement pour ton attention.", "thanks_formula"),
    ("Merci pour ta compréhension.", "thanks_formula"),
    ("Merci énormément pour ces mots, ils me vont droit au cœur.", "thanks_formula"),
    ("Thank you kindly for your message!", "thanks_formula"),
    ("Thanks a lot for your thoughtful message, I really appreciate it.", "thanks_formula"),
    ("Thank you for your patience and understanding.", "thanks_formula"),
    ("Thank you for bringing this to my attention.", "thanks_formula"),
    # apologies of a service desk, or for one's own words
    ("Toutes mes excuses pour la gêne occasionnée.", "service_apology"),
    ("Désolée pour le désagrément.", "service_apology"),
    ("Je m'excuse pour la confusion, j'aurais dû être plus claire.", "service_apology"),
    ("Je suis navrée pour ce contretemps.", "service_apology"),
    ("Je m'excuse sincèrement si mes propos t'ont blessé.", "service_apology"),
    ("I apologize for any confusion my previous reply may have caused.", "service_apology"),
    ("I'm sorry for any inconvenience this may have caused.", "service_apology"),
    ("My apologies for the misunderstanding.", "service_apology"),
    ("Please accept my apologies for the confusion.", "service_apology"),
    ("Apologies for the delay in getting back to you.", "service_apology"),
    # offers of help and availability
    ("Je reste à ta disposition.", "offer_more_help"),
    ("Si jamais tu as besoin de quoi que ce soit, je suis là !", "offer_more_help"),
    ("Tu peux me poser toutes les questions que tu veux, je suis là pour ça.", "offer_more_help"),
    ("Souhaites-tu davantage d'informations sur le refuge ?", "offer_more_help"),
    ("Je peux aussi te donner quelques conseils sur l'équipement si tu le souhaites.", "offer_more_help"),
    ("N'hésite surtout pas à me solliciter.", "offer_more_help"),
    ("Feel free to reach out if you want to know more.", "offer_more_help"),
    ("If there's anything else you need, just let me know!", "offer_more_help"),
    ("I'd be delighted to share some of my favourite trails with you.", "offer_more_help"),
    ("I can also recommend some gear if you're interested.", "offer_more_help"),
    ("Would you like more details about the itinerary?", "offer_more_help"),
    # hoping it helped
    ("J'espère avoir répondu à ta question !", "hope_this_helps"),
    ("Voilà, j'espère que ces quelques pistes t'inspireront !", "hope_this_helps"),
    ("Est-ce que cela répond à ta question ?", "hope_this_helps"),
    ("Hopefully this gives you a good starting point!", "hope_this_helps"),
    ("I hope you found this useful!", "hope_this_helps"),
    # written register, summaries, conclusions
    ("Il est important de noter que le refuge ferme en octobre.", "worth_noting"),
    ("Cela dit, il convient de prévoir de bonnes chaussures.", "importance"),
    ("Dans l'ensemble, c'est une randonnée accessible à tous.", "in_summary"),
    ("Pour résumer, le Vercors est idéal pour débuter.", "in_summary"),
    ("Voici un petit récapitulatif : départ 8h, 15 km, 900 m de dénivelé.", "in_summary"),
    ("To sum up, both trails are great, it depends on what you want.", "in_summary"),
    ("Overall, it's a rewarding experience for hikers of all levels.", "in_summary"),
    ("Au final, le plus important c'est de se faire plaisir.", "generic_answer"),
    ("Ultimately, the best trail is the one you enjoy.", "generic_answer"),
    ("That being said, it's important to know your limits.", "formal_connectors"),
    ("Néanmoins, il est toujours prudent de prévoir une couche chaude.", "formal_connectors"),
    ("Hiking is a wonderful way to connect with nature and yourself.", "written_register"),
    ("Ta sécurité est ma priorité, alors pense à prévenir quelqu'un.", "written_register"),
    ("Avec plaisir ! C'est toujours un plaisir d'échanger avec toi.", "written_register"),
    # speaking as a hiker who teaches
    ("As an avid hiker myself, I can tell you that the Dolomites are stunning.", "as_a_x"),
    ("Being an experienced hiker, I can assure you that the view is worth it.", "as_a_x"),
    ("Passionnée de montagne depuis toujours, je peux te dire que le GR20 est exigeant.", "as_a_x"),
    ("En tant qu'amoureuse de la nature, je trouve cela fascinant.", "as_a_x"),
    # ready-made empathy and reassurance
    ("I understand your concern.", "empathy_formula"),
    ("Je comprends parfaitement tes inquiétudes concernant la sécurité.", "empathy_formula"),
    ("Je comprends que cela puisse être frustrant.", "empathy_formula"),
    ("I can understand why you might feel that way.", "empathy_formula"),
    ("Rassure-toi, c'est tout à fait normal.", "empathy_formula"),
    # praise of the question, the point, the interest
    ("That's a great point!", "praise_formula"),
    ("Tu as soulevé un point très pertinent.", "praise_formula"),
    ("C'est formidable que tu t'intéresses à la randonnée !", "praise_formula"),
    ("Quelle question intéressante !", "great_question"),
    ("What a lovely question!", "great_question"),
    ("C'est une question qui revient souvent.", "great_question"),
    # announcements, tips laid out, options
    ("Here's what I'd recommend: start early and bring layers.", "here_are"),
    ("Voici ce que je te recommanderais : partir tôt et prendre des couches.", "here_are"),
    ("Quelques conseils : partir tôt, prendre de l'eau, vérifier la météo.", "here_are"),
    ("Option 1 : le lac Blanc, facile. Option 2 : le col de la Croix, plus sportif.", "structured_list"),
    ("1️⃣ Le lac Blanc\n2️⃣ Le col de la Croix\n3️⃣ Le refuge du Goûter", "structured_list"),
    ("D'un côté, le Vercors est plus doux ; de l'autre, la Chartreuse est plus sauvage.", "formal_connectors"),
    ("Remember to pace yourself and listen to your body.", "stock_advice"),
    ("I'd recommend checking the weather forecast before heading out.", "stock_advice"),
    # wishes of a card
    ("Wishing you a wonderful hike!", "sign_off"),
    ("Au plaisir d'échanger à nouveau avec toi !", "sign_off"),
    ("Have a fantastic time on the trail, and take care!", "sign_off"),
    ("Happy hiking, and stay safe out there!", "sign_off"),
]  # fmt: skip

# Natural lines with the trap words ("merci", "désolée", "bien sûr", "voilà", "let me know",
# "je comprends", "n'hésite pas à", "happy to", "feel free"), said casually or played with.
NATURAL_TRAPS = [
    "Merci pour ton message ! Oui je suis dispo samedi",
    "merci pour la photo, trop beau le lac",
    "Merci pour ta réponse, ça me rassure 😅",
    "merci infiniment pour le gâteau, il était parfait",
    "Merci de ta patience, j'arrive dans 5 min",
    "Thanks for the message, I was just thinking about you haha",
    "Thank you for the tip about the hut, we made it!",
    "thanks a lot for the tip, we went and it was packed though",
    "Désolée pour le retard, le bus était en panne 😅",
    "désolée pour la confusion, c'est moi qui me suis trompée de jour",
    "Sorry for the confusion!! I meant the other lake",
    "sorry for the late reply, was stuck on a ridge lol",
    "Toutes mes excuses à tes mollets pour demain mdr",
    "I apologize in advance for my terrible jokes 😂",
    "Bien sûr que je me souviens de toi !",
    "Voilà, t'as tout compris 😂",
    "let me know when you're free this weekend",
    "Let me know what you think of the photo",
    "Je comprends ton point de vue mais je préfère la Chartreuse 😛",
    "Je comprends que t'aies eu peur, c'était raide",
    "I understand, no worries at all",
    "n'hésite pas à ramener ta sœur",
    "N'hésite pas à me dire si ça te dit samedi",
    "happy to help lol, I'm basically a walking map of the Vercors",
    "Happy to help carry the tent 😄",
    "happy to drive if you pay for the coffee",
    "feel free to steal my sandwich 😂",
    "Feel free to join us on Saturday",
    "Tu peux compter sur moi pour le pique-nique",
    "Je peux te donner quelques adresses si tu veux",
    "If there's anything you need for Saturday, tell me, I'll bring it",
    "I'd be delighted to join you haha",
    "Belle journée à toi et à bientôt j'espère !",
    "Bonne rando demain, profite bien !",
    "Pour résumer ma journée : pluie, boue, bonheur",
    "Dans l'ensemble c'était top, à part la pluie",
    "Overall a great day, 10/10 would get lost again",
    "Cela dit, t'as pas tort",
    "Il est important de noter que j'ai raison 😂",
    "En tant que grande fan de fromage, je valide ce refuge",
    "Option 1 : on dort. Option 2 : on dort aussi.",
    "Option 1 : on dort au refuge. Option 2 : on dort dans la voiture 😂",
    "Here's what I'd do: skip the ridge and go straight to the lake",
    "Le plus important c'est de profiter, non ?",
    "Ça répond à ta question ? 😏",
    "Ton enthousiasme est communicatif 😄",
    "That's a great point haha, I'll bring two frontales",
    "C'est tout à fait normal, tout le monde galère la première fois",
    "Rest assured, I packed extra snacks",
    "Great choice, that's my fave hut",
    "Je te souhaite une bonne soirée alors 😊",
    "La météo change vite là-haut, prends une veste",
    "Je te remercie pour hier soir, c'était top",
    "Certainement pas 😂",
    "1. je dors 2. je mange 3. je repars, ma journée type en refuge 😄",
]


@pytest.mark.parametrize(("text", "tell"), ASSISTANT_KINDS)
def test_each_kind_of_assistant_register_is_recognised(text: str, tell: str) -> None:
    """Every kind of assistant register, however it is worded, is flagged and named."""
    verdict = register.assess(text, "fr")
    assert verdict.assistant, verdict
    assert tell in verdict.tells, verdict


@pytest.mark.parametrize("text", NATURAL_TRAPS)
def test_trap_words_said_casually_are_not_flagged(text: str) -> None:
    """The same words said casually, about something concrete, or played with, are chat."""
    verdict = register.assess(text, "fr")
    assert not verdict.assistant, verdict
    assert style.strip_assistant_phrasing(text) == text


def test_laughter_next_to_a_service_formula_softens_it_not_far_from_it() -> None:
    """Laughter right next to an offer of help is a person joking; an offer made straight
    in a reply that laughs about something else is still one."""
    assert not register.assess("happy to help lol, I'm basically a walking map").assistant
    assert register.assess("Happy to help!").assistant
    far = "We got soaked on the ridge haha, total disaster. Anyway, I'm always here to help you plan your next trip and answer any questions."
    assert register.assess(far).assistant


def test_one_phrase_read_by_two_patterns_counts_once() -> None:
    """ "Il est important de noter que" is one piece of evidence, not two."""
    once = register.assess("Il est important de noter que le refuge ferme.")
    assert once.score == register.ASSISTANT_SCORE


def test_thanks_need_their_tone_not_only_their_object() -> None:
    """ "Merci pour ton message" is a hint; with a letter's tone it is a tell."""
    assert register.assess("Merci pour ton message").score == 1
    assert register.assess("Merci infiniment pour ton message si touchant.").assistant


def test_a_service_apology_is_named_in_the_corrective() -> None:
    """The corrective names the service desk's apology."""
    verdict = register.assess("Toutes mes excuses pour la gêne occasionnée.", "fr")
    assert "excuses de service client" in verdict.corrective
