"""What the persona says: `prompt` (the model's messages), `composer` (asks the model, checks
and shapes the reply), `memory` (facts and summary of the conversation), `reply_text`
(cleaning and splitting into chat messages), `style` (typing habits and assistant register),
`register` (whether a whole reply reads like an assistant's), `guard` (the rules on what may
never be sent), `reviewer` (the model that judges what has meaning), `disclosure` (questions
about being a bot), `moderation`, `photos` and `assistant_phrases`.

May import `persona/`; never `policies/` or `plan/`.
"""
