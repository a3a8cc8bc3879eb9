"""Scripted humans for the simulator: French hikers who chat like people on a dating app.

Each human has a first name and a region, opens with a greeting and an introduction, then talks
about hiking and asks questions. What matters for the timing figures is *when* they write:
their delay before answering is a mixture of two log-normals (mostly in the conversation,
sometimes away for minutes), as published reply times are (Stouffer et al. 2006; Pielot et al.
2014: median 6.15 min to see a message), and one turn is sometimes sent as 2-3 quick messages,
a few seconds apart, so that the bot's grouping and interruption are exercised.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from randomatch_bot.conversation.persona.timing import truncated_lognormal

__all__ = ["HUMAN_NAMES", "REGIONS", "ScriptedHuman", "Turn"]

HUMAN_NAMES = (
    "Julie", "Thomas", "Sarah", "Nicolas", "Chloé", "Maxime", "Léa", "Antoine",
    "Manon", "Hugo", "Emma", "Lucas", "Inès", "Romain", "Clara", "Mathieu",
)  # fmt: skip
REGIONS = (
    "en Isère", "à Annecy", "dans les Pyrénées", "à Chambéry", "dans le Vercors",
    "à Lyon", "dans les Vosges", "à Clermont", "en Ariège", "à Briançon",
)  # fmt: skip

_GREETINGS = ("Salut !", "Hello 😊", "Coucou !", "Bonjour !", "Hey")
_INTRODUCTIONS = (
    "Moi c'est {name}, je vis {region}",
    "Je m'appelle {name}, je randonne surtout {region}",
    "{name}, enchanté(e) ! Je suis {region}",
)
_STATEMENTS = (
    "Ce week-end j'ai fait un sommet à 2500 m, la vue était dingue",
    "J'ai dormi en refuge samedi, ambiance top",
    "Je rêve de faire le GR20 l'été prochain",
    "On a fini sous la pluie hier, trempés mais contents",
    "J'adore les lacs d'altitude, surtout tôt le matin",
    "J'ai testé le bivouac pour la première fois le mois dernier",
    "Je fais aussi des raquettes l'hiver",
    "Je cherche quelqu'un pour marcher le dimanche",
    "Mon dernier trek c'était 5 jours en autonomie",
    "Je viens d'acheter de nouvelles chaussures, il faut les roder",
    "Il y a une cascade magnifique pas loin de chez moi",
    "Le dénivelé ne me fait pas peur, c'est la descente qui me tue 😅",
)
_QUESTIONS = (
    "Et toi, tu randonnes où ?",
    "Tu préfères la montagne ou la mer ?",
    "C'est quoi ta plus belle rando ?",
    "Tu pars souvent en bivouac ?",
    "Tu as un sommet préféré ?",
    "Tu marches plutôt seule ou en groupe ?",
    "Tu fais quoi ce week-end ?",
    "Tu connais le Vercors ?",
)
_REACTIONS = ("Haha", "Trop bien !", "Ah oui ?", "Grave", "Ah carrément", "J'avoue", "Top 👍")

# --- when the human writes ---
PROMPT_MEDIAN = 25.0  # s; in the conversation: reads the reply, thinks, types the answer
PROMPT_SIGMA = 0.8
PROMPT_BOUNDS = (5.0, 600.0)  # s
AWAY_PROBABILITY = 0.25  # the phone was put down; they come back minutes later
AWAY_MEDIAN = 369.0  # s; Pielot et al. 2014: median 6.15 min until a new message is seen
AWAY_SIGMA = 1.0
AWAY_BOUNDS = (60.0, 7200.0)  # s
BURST_PROBABILITIES = (0.6, 0.3, 0.1)  # one, two or three messages in a turn
TYPING_CPS = 3.0  # chars/s; Palin et al. 2019: mobile mean 36.2 WPM
TYPING_SIGMA = 0.3
BURST_GAP_BOUNDS = (1.0, 12.0)  # s between two messages of a burst (typing the second one)


@dataclass(frozen=True, slots=True)
class Turn:
    """What the human sends in one turn: messages and the delay before each (seconds)."""

    messages: tuple[str, ...]
    delays: tuple[float, ...]  # delays[0] after the bot's reply, then between messages


@dataclass(slots=True)
class ScriptedHuman:
    """One hiker: a name, a region and an RNG that decides what they say and when."""

    name: str
    region: str
    rng: random.Random
    _said: set[str] = field(default_factory=set)

    @classmethod
    def draw(cls, rng: random.Random) -> ScriptedHuman:
        """A human with a random name and region, and its own RNG derived from `rng`."""
        return cls(rng.choice(HUMAN_NAMES), rng.choice(REGIONS), random.Random(rng.random()))

    def reply_delay(self) -> float:
        """Seconds between the bot's reply and this human's next message: heavy-tailed."""
        if self.rng.random() < AWAY_PROBABILITY:
            return truncated_lognormal(self.rng, AWAY_MEDIAN, AWAY_SIGMA, *AWAY_BOUNDS)
        return truncated_lognormal(self.rng, PROMPT_MEDIAN, PROMPT_SIGMA, *PROMPT_BOUNDS)

    def typing_gap(self, text: str) -> float:
        """Seconds to type `text` after sending the previous message of a burst."""
        seconds = len(text) / TYPING_CPS
        factor = truncated_lognormal(self.rng, 1.0, TYPING_SIGMA, 0.5, 2.0)
        low, high = BURST_GAP_BOUNDS
        return min(max(seconds * factor, low), high)

    def turn(self, index: int, *, first_delay: float = 0.0) -> Turn:
        """The messages of turn `index` (0 opens the conversation) and when each is sent."""
        messages = self._opening() if index == 0 else self._talk()
        delays = [first_delay] + [self.typing_gap(text) for text in messages[1:]]
        return Turn(tuple(messages), tuple(delays))

    def _opening(self) -> list[str]:
        greeting = self.rng.choice(_GREETINGS)
        intro = self.rng.choice(_INTRODUCTIONS).format(name=self.name, region=self.region)
        # Half of the openers come as one message, the rest as a quick burst.
        if self.rng.random() < 0.5:
            return [f"{greeting} {intro}. {self._fresh(_QUESTIONS)}"]
        return [greeting, intro, self._fresh(_QUESTIONS)][: self.rng.choice((2, 3))]

    def _talk(self) -> list[str]:
        count = self.rng.choices((1, 2, 3), weights=BURST_PROBABILITIES)[0]
        statement, question = self._fresh(_STATEMENTS), self._fresh(_QUESTIONS)
        if count == 1:
            return [f"{statement} ! {question}" if self.rng.random() < 0.6 else statement]
        if count == 2:
            return [statement, question]
        return [self.rng.choice(_REACTIONS), statement, question]

    def _fresh(self, pool: tuple[str, ...]) -> str:
        """A line of `pool` not said yet in this conversation (any line once all were said)."""
        unused = [line for line in pool if line not in self._said]
        line = self.rng.choice(unused or list(pool))
        self._said.add(line)
        return line
