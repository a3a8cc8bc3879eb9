"""Driving the conversation engine with a virtual clock; moved to `randomatch_bot.simulate`."""

from randomatch_bot.simulate.driver import VirtualClock, drive

__all__ = ["VirtualClock", "drive"]
