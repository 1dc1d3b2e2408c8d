"""The typed async client for Bland's batch API, its models and its errors."""

from bot.bland.client import BlandClient
from bot.bland.errors import (
    BlandAuthError,
    BlandConnectionError,
    BlandError,
    BlandNotFoundError,
    BlandRateLimitError,
    BlandResponseError,
    BlandServerError,
    BlandStatusError,
    BlandTimeoutError,
)

__all__ = [
    "BlandAuthError",
    "BlandClient",
    "BlandConnectionError",
    "BlandError",
    "BlandNotFoundError",
    "BlandRateLimitError",
    "BlandResponseError",
    "BlandServerError",
    "BlandStatusError",
    "BlandTimeoutError",
]
