"""Slowing down password guessing: a doubling delay after repeated failed sign-ins.

Failures are counted per key (the service uses one for the account name and one for the
client's address). Up to ``free_failures`` cost nothing; after that a key must wait
``base_delay * 2**(failures - free_failures)`` seconds (at most ``max_delay``) from its last
failure before the next try is even checked. A success clears the count, so the right
password after 50 wrong ones works once the delay has passed: slowed, never locked out.

The clock is injectable (tests move it instead of sleeping); the state is in memory, bounded
to ``max_keys`` entries (the oldest are forgotten first).
"""
import threading
import time


class SignInThrottle:
    def __init__(self, free_failures=5, base_delay=1.0, max_delay=300.0, clock=time.monotonic,
                 max_keys=10_000):
        self.free_failures = free_failures
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.clock = clock
        self.max_keys = max_keys
        self._failures = {}          # key -> (count, time of the last failure)
        self._lock = threading.Lock()

    def delay(self, failures):
        """Seconds to wait after ``failures`` failures in a row."""
        if failures < self.free_failures:
            return 0.0
        return min(self.base_delay * 2.0 ** (failures - self.free_failures), self.max_delay)

    def wait_for(self, keys):
        """Seconds before any of ``keys`` may try again (0: now)."""
        now = self.clock()
        with self._lock:
            waits = [last + self.delay(count) - now
                     for count, last in (self._failures.get(k, (0, now)) for k in keys)]
        return max([0.0, *waits])

    def failed(self, keys):
        now = self.clock()
        with self._lock:
            for key in keys:
                count, _ = self._failures.pop(key, (0, now))
                self._failures[key] = (count + 1, now)     # re-inserted: newest last
            while len(self._failures) > self.max_keys:
                del self._failures[next(iter(self._failures))]

    def succeeded(self, keys):
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)

    def __repr__(self):
        return (f"SignInThrottle(free_failures={self.free_failures}, base_delay="
                f"{self.base_delay}, max_delay={self.max_delay}, keys={len(self._failures)})")
