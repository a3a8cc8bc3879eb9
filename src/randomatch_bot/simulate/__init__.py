"""The simulator: scripted humans chat with the real engine on a virtual clock, and the timing
it produces is measured against published human figures (`randomatch-bot simulate`)."""

from randomatch_bot.simulate.driver import VirtualClock, drive, step
from randomatch_bot.simulate.report import Report
from randomatch_bot.simulate.runner import SimulationOptions, simulate, write_outputs

__all__ = [
    "Report",
    "SimulationOptions",
    "VirtualClock",
    "drive",
    "simulate",
    "step",
    "write_outputs",
]
