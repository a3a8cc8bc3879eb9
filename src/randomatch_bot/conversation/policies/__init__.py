"""What limits the persona: `limits` (rate and budget holds), `outage` (the shared breaker's
pauses when the model is down), `followup` (when to write again to someone who went quiet)
and `reactions` (emoji reactions to a person's message).

May import `persona/` and `words/`; never `plan/`.
"""
