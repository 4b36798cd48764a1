"""Delivery channels. The in-app notice (a stored row, the bell) is always there; SMS, e-mail or 政务钉钉 plug in by
registering a channel, which receives every notice after the transaction that created it has committed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sanluanwu.notices.models import Notice

Channel = Callable[[Sequence[Notice]], None]
_CHANNELS: list[Channel] = []


def register_channel(channel: Channel) -> Channel:
    if channel not in _CHANNELS:
        _CHANNELS.append(channel)
    return channel


def unregister_channel(channel: Channel) -> None:
    if channel in _CHANNELS:
        _CHANNELS.remove(channel)


def deliver(notices: Sequence[Notice]) -> None:
    for channel in list(_CHANNELS):
        channel(notices)
