"""The wallboard's websocket (/ws/wallboard/): a snapshot on connect and after every change."""

import asyncio

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from kefu.reports import permissions, wallboard

# A burst of CTI events (a queue filling at 9:00) becomes one snapshot a second, not one per event.
MIN_INTERVAL = 1.0


class WallboardConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        user = self.scope.get("user")
        if not permissions.can_view_kpis(user):
            await self.close()
            return
        self.pending = False
        await self.channel_layer.group_add(wallboard.GROUP, self.channel_name)
        await self.accept()
        await self.send_snapshot()

    async def disconnect(self, code):
        await self.channel_layer.group_discard(wallboard.GROUP, self.channel_name)

    async def wallboard_changed(self, event):
        """Answered at once, the snapshot sent a moment later: the events of a burst find it pending."""
        if not self.pending:
            self.pending = True
            asyncio.get_running_loop().create_task(self._send_later())

    async def _send_later(self):
        await asyncio.sleep(MIN_INTERVAL)
        self.pending = False
        await self.send_snapshot()

    async def send_snapshot(self):
        await self.send_json(
            {"type": "snapshot", "board": await database_sync_to_async(wallboard.snapshot)()}
        )
