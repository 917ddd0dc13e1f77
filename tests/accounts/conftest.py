"""Fixtures for the accounts tests: a clean cache (login throttling lives there) and OTP helpers."""

import pytest


def totp_code(device, offset_steps: int = 0) -> str:
    """The code an authenticator app shows for `device` now (or `offset_steps` steps away)."""
    import time

    from django_otp.oath import TOTP

    device.refresh_from_db()
    generator = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    generator.time = time.time() + offset_steps * device.step
    return f"{generator.token():0{device.digits}d}"
