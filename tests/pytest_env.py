"""Loaded with `-p tests.pytest_env` before pytest-django reads settings: the test profile."""
import os

os.environ.setdefault("DJANGO_ENV", "test")
