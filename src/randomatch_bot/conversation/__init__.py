"""How a persona converses like a person: the timing model, active hours, reply shaping.

- `timing` — grouping, reading, thinking, typing and pause delays (pure functions of an RNG).
- `availability` — the persona's active hours in its own timezone and the wait until they open.
- `reply_text` — cleaning LLM output and splitting it into a few short chat messages.

Every function here takes its RNG and clock explicitly, so the engine can schedule each step
and the tests need neither sleeping nor servers. See docs/TIMING.md for the figures behind it.
"""
