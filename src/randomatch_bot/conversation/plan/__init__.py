"""How one reply unfolds: `states` (a plan's states and the actions a step may take),
`machine` (the pure decision of the next step), `steps` (applying a step's effects),
`engine` (what the worker calls for a conversation), `typing_wait` and `typing_broadcast`
(the typing indicator).

May import every other room.
"""
