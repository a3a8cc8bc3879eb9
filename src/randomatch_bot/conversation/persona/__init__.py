"""Who the persona is and when she is there: `card` (the persona a conversation runs with),
`files` (persona YAML files and their sync to the database), `timing` (reading, thinking,
typing and pause delays, pure functions of an RNG), `availability` (active hours in her own
timezone) and `presence` (what the chat shows: online, asleep until 8:10, away).

Imports no other room of the conversation.
"""
