"""o²S²PARC computational services (solvers) and jobs: :class:`OsparcSession`."""

from .session import (
    DONE_STATES,
    OSPARC_URL,
    Credentials,
    JobFailedError,
    JobNotFinished,
    JobTimeout,
    MissingCredentials,
    OsparcSession,
    resolve_credentials,
)

__all__ = [
    "OsparcSession",
    "Credentials",
    "resolve_credentials",
    "MissingCredentials",
    "JobFailedError",
    "JobNotFinished",
    "JobTimeout",
    "OSPARC_URL",
    "DONE_STATES",
]
