"""One persona, one life: the deterministic contradiction check, her canon from the card, her
week from the card, the promotion rule, the self-memory's parsing and the prompt's block."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import random
import uuid

from randomatch_bot.config import DisclosurePolicy, Settings
from randomatch_bot.conversation.persona import life
from randomatch_bot.conversation.persona.card import Persona
from randomatch_bot.conversation.persona.life import Day, Life
from randomatch_bot.conversation.words import consistency, prompt, reviewer
from randomatch_bot.conversation.words.memory import parse_self
from randomatch_bot.db.life import ClaimCount
from randomatch_bot.llm.offline import OfflineResponder, memory_json
from randomatch_bot.llm.types import ChatMessage

CANON = {"age": "29", "ville": "Grenoble", "metier": "infirmière"}
SATURDAY = Day(dt.date(2026, 6, 20), "rando à la journée dans le Vercors ; grand soleil")
WEDNESDAY = dt.date(2026, 6, 17)


def persona() -> Persona:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    return Persona.default(settings, uuid.UUID(int=7))


def test_an_age_and_a_town_that_differ_are_contradictions() -> None:
    found = consistency.check("Moi j'ai 31 ans, et je vis à Lyon depuis peu !", CANON, {})
    assert [c.said for c in consistency.check("Je vis à Lyon !", CANON, {})] == ["Lyon"]
    assert [(c.fact, c.said, c.known, c.source) for c in found] == [
        ("age", "31", "29", "canon"),
        ("ville", "Lyon", "Grenoble", "canon"),
    ]


def test_what_agrees_or_is_not_about_her_is_not_a_contradiction() -> None:
    for text in (
        "J'ai 29 ans, je vis à Grenoble 🙂",
        "J'ai 12 ans de rando derrière moi",  # a duration, not her age
        "Tu as 31 ans ? Et tu vis à Lyon ?",  # the person's, not hers
        "Je vis à côté de Grenoble, à la campagne",
        "Je vis à Grenoble Et toi ?",  # the next sentence is not part of the town
        "Je vis à Grenoble, en Isère",
        "Samedi je vais dans le Vercors, et toi ?",
    ):
        assert consistency.check(text, CANON, {}, days=(SATURDAY,)) == [], text


def test_what_she_told_this_person_and_her_recent_messages_count_too() -> None:
    told = consistency.check("j'ai 30 ans", {}, {"age": "33"})
    assert [(c.known, c.source) for c in told] == [("33", "told")]
    recent = consistency.check("j'ai 30 ans", {}, {}, recent=["Moi ? J'ai 27 ans et toi ?"])
    assert [(c.known, c.source) for c in recent] == [("27", "recent")]
    # The canon comes first, whatever she said since.
    assert consistency.check("j'ai 29 ans", CANON, {"age": "33"}) == []


def test_a_day_of_her_week_named_with_another_place_is_a_contradiction() -> None:
    found = consistency.check("Samedi je pars dans les Écrins !", CANON, {}, days=(SATURDAY,))
    assert [(c.fact, c.said, c.source) for c in found] == [("samedi", "Écrins", "week")]
    weekend = consistency.check("Ce week-end on file en Chartreuse", CANON, {}, days=(SATURDAY,))
    assert [c.fact for c in weekend] == ["samedi"]
    instruction = consistency.corrective_instruction(
        consistency.check(
            "J'ai 31 ans. Samedi je pars dans les Écrins", CANON, {}, days=(SATURDAY,)
        )
    )
    assert "tu as 29 ans" in instruction
    assert "samedi 20 juin : rando à la journée dans le Vercors" in instruction


def test_the_card_states_her_canon() -> None:
    camille = persona()
    canon = life.persona_card_canon(camille)
    assert canon["age"] == "29"
    assert canon["ville"] == "Grenoble"
    assert canon["metier"] == "infirmière"
    # Without a `canon:` mapping, what the character text says plainly.
    text = "Tu es Léa, 31 ans, tu vis à Annecy. Tu es kinésithérapeute et tu adores les Aravis."
    assert life.card_canon(text, None) == {
        "age": "31",
        "ville": "Annecy",
        "metier": "kinésithérapeute",
    }


def test_her_week_is_the_same_all_week_and_moves_on_the_next() -> None:
    bot = uuid.UUID(int=7)
    this = life.card_week(bot, life.iso_week(WEDNESDAY), system_prompt="Vercors Chartreuse")
    again = life.card_week(
        bot, life.iso_week(dt.date(2026, 6, 21)), system_prompt="Vercors Chartreuse"
    )
    later = life.card_week(
        bot, life.iso_week(WEDNESDAY + dt.timedelta(days=7)), system_prompt="Vercors Chartreuse"
    )
    other = life.card_week(
        uuid.UUID(int=8), life.iso_week(WEDNESDAY), system_prompt="Vercors Chartreuse"
    )
    assert this == again
    assert [d.text for d in later.days] != [d.text for d in this.days]
    assert [d.text for d in other.days] != [d.text for d in this.days]
    assert {d.date.weekday() for d in this.days} >= {5, 6}
    saturday = next(d for d in this.days if d.date.weekday() == 5)
    assert consistency.places_in(saturday.text) & {"Vercors", "Chartreuse"}
    shown = life.agenda([this, later], WEDNESDAY + dt.timedelta(days=7))
    assert shown[0].date >= WEDNESDAY  # a week ago at most
    assert shown[-1].date == dt.date(2026, 6, 28)


def test_her_day_is_dated_in_her_time_zone() -> None:
    late = dt.datetime(2026, 6, 21, 22, 30, tzinfo=dt.UTC)  # Sunday 22:30 UTC, Monday in Paris
    assert life.local_today(late, "Europe/Paris") == dt.date(2026, 6, 22)
    assert life.iso_week(life.local_today(late, "Europe/Paris")) == "2026-W26"
    assert life.iso_week(life.local_today(late, "America/New_York")) == "2026-W25"


def test_a_claim_joins_the_canon_when_enough_conversations_agree() -> None:
    counts = [
        ClaimCount("animaux", "un chat, pixel", "un chat, Pixel", 3),
        ClaimCount("animaux", "un chien", "un chien", 1),
        ClaimCount("famille", "une soeur", "une sœur", 2),
        ClaimCount("origine", "lyon", "Lyon", 3),
        ClaimCount("origine", "annecy", "Annecy", 3),  # as often: a contradiction, left out
        ClaimCount("age", "31", "31", 5),  # the canon holds it already
    ]
    chosen = life.promotable(counts, ["age", "ville"], min_conversations=3)
    assert [(p.key, p.value, p.conversations) for p in chosen] == [("animaux", "un chat, Pixel", 3)]


def test_the_memory_answer_gives_what_she_said_of_herself() -> None:
    answer = json.dumps(
        {
            "summary": "x",
            "facts": {},
            "self": {"Âge": "29 ans", "job": "infirmière", "pets": "un chat"},
        }
    )
    told = parse_self(answer, {"ville": "Grenoble"})
    assert told == {"ville": "Grenoble", "age": "29", "metier": "infirmière", "animaux": "un chat"}
    assert parse_self("not json", {"age": "29"}) == {"age": "29"}
    big = json.dumps({"self": {f"k{i}": "x" * 300 for i in range(40)}})
    bounded = parse_self(big, {})
    assert len(bounded) <= 16
    assert all(len(v) <= 160 for v in bounded.values())


def test_offline_memory_notes_what_she_said_of_herself() -> None:
    request = [
        ChatMessage("system", "Tu es Camille et tu tiens tes notes personnelles"),
        ChatMessage(
            "user",
            "Nouveaux messages :\nLa personne : tu as quel âge ?\n"
            "Camille : J'ai 29 ans ! Je vis à Grenoble avec mon chat Pixel. "
            "Samedi je vais dans le Vercors.",
        ),
    ]
    told = json.loads(memory_json(request))["self"]
    assert told["age"] == "29"
    assert told["ville"] == "Grenoble"
    assert told["animaux"] == "mon chat Pixel"
    assert any("Vercors" in plan for plan in told["projets"])


def _with_life() -> Persona:
    days = (Day(WEDNESDAY - dt.timedelta(days=4), "bivouac en Chartreuse ; orages"), SATURDAY)
    story = Life(canon=CANON, told={"animaux": "un chat, Pixel"}, days=days, today=WEDNESDAY)
    return dataclasses.replace(persona(), life=story)


def test_her_life_goes_in_the_prompt_as_quoted_notes() -> None:
    camille = _with_life()
    history = [prompt.HistoryMessage(uuid.uuid4(), "salut", dt.datetime.now(dt.UTC))]
    messages = prompt.reply_messages(camille, history, disclosure=DisclosurePolicy.ADMIT)
    block = messages[1].content
    assert messages[1].role == "user"
    assert block.startswith("[Ta vie, Camille")
    assert all(line.startswith("> ") for line in block.splitlines()[1:])
    assert "> - age : 29" in block
    assert "> - samedi 13 juin (passé) : bivouac en Chartreuse ; orages" in block
    assert "> - samedi 20 juin (prévu) : rando à la journée dans le Vercors" in block
    assert "> - animaux : un chat, Pixel" in block
    assert messages[-1].role == "system"  # the rules still close the prompt
    plain = prompt.reply_messages(persona(), history, disclosure=DisclosurePolicy.ADMIT)
    assert not any(m.content.startswith("[Ta vie") for m in plain)


def test_offline_she_answers_from_her_life() -> None:
    camille = _with_life()
    human = uuid.uuid4()
    for question, expected in (
        ("tu as quel âge ?", "29 ans"),
        ("tu fais quoi dans la vie ?", "infirmière"),
        ("tu fais quoi samedi ?", "Vercors"),
        ("c'était bien samedi dernier ?", "Chartreuse"),
    ):
        history = [prompt.HistoryMessage(human, question, dt.datetime.now(dt.UTC))]
        messages = prompt.reply_messages(camille, history, disclosure=DisclosurePolicy.ADMIT)
        assert expected in OfflineResponder(rng=random.Random(3)).reply(messages), question


def test_the_reviewer_is_asked_about_contradictions_with_her_facts() -> None:
    facts = consistency.facts_for_review(_with_life().life or Life())
    request = reviewer.messages_for("J'ai 31 ans", [], facts=facts)
    assert '"contradicts"' in request[0].content
    assert json.loads(request[1].content)["persona_facts"]["canon"]["age"] == "29"
    assert reviewer.parse('{"block": [], "contradicts": ["dit avoir 31 ans"]}').contradicts == (
        "dit avoir 31 ans",
    )
    assert reviewer.parse('{"block": [], "contradicts": []}').contradicts == ()
    assert reviewer.parse('{"block": []}').contradicts is None


@dataclasses.dataclass(frozen=True)
class _Talk:
    match_id: uuid.UUID
    bot_id: uuid.UUID
    plan_id: uuid.UUID | None = None


async def test_the_recheck_takes_the_reviews_answer_or_the_rules_alone() -> None:
    """What the guard's review said the reply contradicts asks for it again; a review that
    failed (None) leaves the rules' verdict alone: a job told differently goes, a wrong age
    does not."""
    camille, talk = _with_life(), _Talk(uuid.UUID(int=1), uuid.UUID(int=2))
    job = "Je suis prof de maths."
    caught = await consistency.recheck(
        job, camille, recent=[], conversation=talk, reviewed=("métier : prof",)
    )
    assert caught is not None
    assert "métier : prof" in caught.content
    assert "metier : infirmière" in caught.content
    assert await consistency.recheck(job, camille, recent=[], conversation=talk) is None
    assert (
        await consistency.recheck(job, camille, recent=[], conversation=talk, reviewed=()) is None
    )
    age = await consistency.recheck("J'ai 31 ans, et toi ?", camille, recent=[], conversation=talk)
    assert age is not None
    assert "tu as 29 ans" in age.content
