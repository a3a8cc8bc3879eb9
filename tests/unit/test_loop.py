"""Choosing the event loop and sizing the task queue's Redis pool."""

from __future__ import annotations

import pytest

from randomatch_bot.errors import ConfigurationError
from randomatch_bot.infra.loop import loop_factory
from randomatch_bot.infra.redis import with_max_connections


def test_uvloop_is_the_default_loop() -> None:
    """Without EVENT_LOOP the service runs on uvloop (installed on this platform)."""
    import uvloop

    assert loop_factory({}) is uvloop.new_event_loop


def test_event_loop_asyncio_selects_the_default_loop() -> None:
    """EVENT_LOOP=asyncio falls back to asyncio's own loop."""
    assert loop_factory({"EVENT_LOOP": "asyncio"}) is None


def test_unknown_event_loop_names_the_variable() -> None:
    """A wrong EVENT_LOOP stops the process with a message naming the variable."""
    with pytest.raises(ConfigurationError, match="EVENT_LOOP"):
        loop_factory({"EVENT_LOOP": "trio"})


def test_redis_pool_size_is_added_to_the_url() -> None:
    """The queue's pool size joins the URL's other options."""
    url = with_max_connections("redis://host:6379/0?ssl_cert_reqs=none", 532)
    assert url == "redis://host:6379/0?ssl_cert_reqs=none&max_connections=532"


def test_redis_pool_size_set_by_the_operator_is_kept() -> None:
    """A max_connections already in REDIS_URL wins over the computed one."""
    url = "redis://host/0?max_connections=50"
    assert with_max_connections(url, 532) == url
