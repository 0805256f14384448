"""o²S²PARC computational services (solvers), jobs, their history and studies:
:class:`OsparcSession`."""

from .session import (
    DONE_STATES,
    INPUTS_KEY,
    OSPARC_URL,
    Credentials,
    InputsUnknown,
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
    "InputsUnknown",
    "INPUTS_KEY",
]
