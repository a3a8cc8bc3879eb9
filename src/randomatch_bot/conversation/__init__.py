"""How a persona converses like a person, in four rooms, each importing only the rooms above it:

- `persona/` — who she is and when she is there: the persona card and its files, the timing
  model (reading, thinking, typing, pauses), her active hours and the presence shown to people.
- `words/` — what she says: the prompt, the composer that asks the model, the memory it is
  given, the reply text (cleaning, splitting), the style pass, the output guard, disclosure.
- `policies/` — what limits her: rate and budget limits, model outages, follow-ups, reactions.
- `plan/` — how one reply unfolds: the plan's states, the pure machine that decides the next
  step, the steps that apply its effects, and the engine the worker calls.

Pure logic takes its RNG and clock as arguments, so the engine can schedule each step and the
tests need neither sleeping nor servers. See docs/TIMING.md for the figures behind the timing.
"""
