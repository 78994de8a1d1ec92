"""The settings' Kafka connection in Faust's terms (models/settings.py stays free of Faust)."""

from __future__ import annotations

from typing import Any

from models.settings import Settings


def faust_kwargs(settings: Settings) -> dict[str, Any]:
    """``broker``, ``broker_credentials``, ``store`` for ``faust.App(...)`` (no session
    timeout: pass ``broker_session_timeout=settings.effective_session_timeout(embedded)``)."""
    kwargs: dict[str, Any] = {"broker": settings.broker_urls, "store": settings.store}
    if settings.security_protocol == "PLAINTEXT":
        return kwargs
    import faust

    if settings.security_protocol.startswith("SASL"):
        if settings.sasl_username is None or settings.sasl_password is None:
            raise ValueError("SASL needs SLAWATCH_SASL_USERNAME and SLAWATCH_SASL_PASSWORD")
        kwargs["broker_credentials"] = faust.SASLCredentials(
            username=settings.sasl_username,
            password=settings.sasl_password.get_secret_value(),
            mechanism=settings.sasl_mechanism,
            ssl_context=settings.ssl_context(),
        )
    else:
        kwargs["broker_credentials"] = faust.SSLCredentials(settings.ssl_context())
    return kwargs
