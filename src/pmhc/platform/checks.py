"""System checks for a production install (``pmhc check --deploy``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Tags, Warning, register

W_FORWARDED_FOR = "pmhc.W001"
W_AUDIT_KEY = "pmhc.W002"
#: Shorter audit keys are refused by the deployment check (as Django asks of SECRET_KEY).
AUDIT_KEY_MIN_LENGTH = 50


@register(Tags.security, deploy=True)
def check_forwarded_for(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Production runs behind a reverse proxy (README, "Production deployment"). Without
    ``PMHC_TRUST_X_FORWARDED_FOR`` every request then seems to come from the proxy: the audit
    trail records the proxy's address, and the per-address sign-in throttle counts every user
    together. A check cannot see whether a proxy is there; the middleware also warns once when a
    request shows one (see ``middleware.RequestContextMiddleware``). An install that clients
    reach directly silences this check (``PMHC_SILENCED_CHECKS=pmhc.W001``): trusting the
    header there would let every client choose its own address."""
    if getattr(settings, "TRUST_X_FORWARDED_FOR", False):
        return []
    return [
        Warning(
            "PMHC_TRUST_X_FORWARDED_FOR is off, so behind a reverse proxy every request seems "
            "to come from the proxy's address: the audit trail records that address and the "
            "per-address sign-in throttle counts all users together.",
            hint=(
                "Set PMHC_TRUST_X_FORWARDED_FOR=true when pmhc runs behind a proxy you control "
                "that replaces any X-Forwarded-For header a client sends (README, Production "
                "deployment, step 6). When clients reach pmhc directly, with no proxy in front, "
                "silence this check instead: PMHC_SILENCED_CHECKS=pmhc.W001."
            ),
            id=W_FORWARDED_FOR,
        )
    ]


@register(Tags.security, deploy=True)
def check_audit_key(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """The audit chain's key must be long, random and its own: reusing ``SECRET_KEY`` would put
    both secrets in every place that holds one of them."""
    key = getattr(settings, "AUDIT_KEY", "")
    if len(key) >= AUDIT_KEY_MIN_LENGTH and key != settings.SECRET_KEY:
        return []
    return [
        Warning(
            f"PMHC_AUDIT_KEY is shorter than {AUDIT_KEY_MIN_LENGTH} characters or equals "
            "PMHC_SECRET_KEY, so the audit chain's key is weaker than it should be.",
            hint=(
                "Set PMHC_AUDIT_KEY (or PMHC_AUDIT_KEY_FILE) to a long random value of its own, "
                "kept out of the database and its backups (README, Production deployment)."
            ),
            id=W_AUDIT_KEY,
        )
    ]
