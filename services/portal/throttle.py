"""Login throttling: after repeated failures for a user from one address, refuse for a while.

Kept in the portal process's memory: a restart forgets it, and each portal replica counts alone.
"""

from __future__ import annotations

import math
from collections import defaultdict, deque
from datetime import datetime, timedelta

from shared.contracts.errors import DomainError


class TooManyAttempts(DomainError):
    code = "too_many_login_attempts"
    status = 429
    title = "Đăng nhập sai quá nhiều lần"

    def __init__(self, retry_after: timedelta) -> None:
        self.retry_after = retry_after
        minutes = max(1, math.ceil(retry_after.total_seconds() / 60))
        super().__init__(f"Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau {minutes} phút.")


class LoginThrottle:
    def __init__(
        self, max_failures: int = 5, window: timedelta = timedelta(minutes=15), lockout: timedelta = timedelta(minutes=5)
    ) -> None:
        self.max_failures = max_failures
        self.window = window
        self.lockout = lockout
        self._failures: dict[tuple[str, str], deque[datetime]] = defaultdict(deque)

    def check(self, username: str, address: str, now: datetime) -> None:
        failures = self._recent(username, address, now)
        if len(failures) >= self.max_failures:
            until = failures[-1] + self.lockout
            if now < until:
                raise TooManyAttempts(until - now)

    def failed(self, username: str, address: str, now: datetime) -> None:
        self._recent(username, address, now).append(now)

    def succeeded(self, username: str, address: str) -> None:
        self._failures.pop((username.casefold(), address), None)

    def _recent(self, username: str, address: str, now: datetime) -> deque[datetime]:
        failures = self._failures[(username.casefold(), address)]
        while failures and now - failures[0] > self.window:
            failures.popleft()
        return failures
