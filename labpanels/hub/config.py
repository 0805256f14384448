"""The JupyterHub configuration ``labpanels hub`` writes: one file, no secrets in it.

The hub runs the ``simple`` local-process spawner (every learner's JupyterLab is a process
of this machine's account, in a home folder of its own under the hub folder) behind
configurable-http-proxy, with the shared-password authenticator: learners log in with
their name (``learner01`` …) and the one password printed for the instructor; the
instructor logs in as ``instructor`` with the admin password. The passwords and tokens
reach the hub through its environment (:data:`SECRET_VARIABLES`), never through this file.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["HubSettings", "config_text", "write_config", "CONNECTION_NAME", "INSTRUCTOR",
           "SECRET_VARIABLES", "SERVICE_NAME", "bind_url"]

#: where a learner's connection to the platform lives, relative to their home
CONNECTION_NAME = ".labpanels/demo.json"
#: the hub's admin account, for the instructor
INSTRUCTOR = "instructor"
#: the hub service whose API token ``labpanels hub`` (and the benchmark) uses
SERVICE_NAME = "labpanels"
#: environment variables of the hub process that carry its secrets
SECRET_VARIABLES = ("LABPANELS_HUB_PASSWORD", "LABPANELS_HUB_ADMIN_PASSWORD",
                    "LABPANELS_HUB_API_TOKEN", "CONFIGPROXY_AUTH_TOKEN")
#: what the single-user servers inherit from the hub's environment
ENV_KEEP = ("PATH", "PYTHONPATH", "LANG", "LC_ALL", "TZ", "VIRTUAL_ENV")


@dataclass(frozen=True)
class HubSettings:
    """Everything the configuration needs (ports chosen, paths absolute)."""

    folder: Path  # the hub's own state: database, cookie secret, pid files
    homes: Path  # one folder per learner: their notebooks and connection file
    learners: Sequence[str]
    port: int  # the public port (the proxy's)
    hub_port: int  # the hub process itself, on 127.0.0.1
    proxy_api_port: int  # the proxy's REST API, on 127.0.0.1
    proxy_command: Path
    python: str  # the Python that runs every learner's server (has labpanels)
    bind: str = "127.0.0.1"
    allow_root: bool = False
    start_timeout: int = 300  # seconds a learner's server may take to start (busy machine)
    server_args: Sequence[str] = field(default_factory=tuple)


def bind_url(address: str, port: int) -> str:
    """``http://ADDRESS:PORT/`` (an IPv6 address in brackets)."""
    host = f"[{address}]" if ":" in address and not address.startswith("[") else address
    return f"http://{host}:{port}/"


def _server_args(settings: HubSettings) -> list[str]:
    args = [
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        # widget messages without the ~40 ms delayed-ACK wait on the kernel websocket
        "--ServerApp.jpserver_extensions={'labpanels.jupyter_nodelay': True}",
    ]
    if settings.allow_root:
        args.append("--allow-root")  # as root, each server exits without it (hub answers 500)
    return [*args, *settings.server_args]


def config_text(settings: HubSettings) -> str:
    """The text of ``jupyterhub_config.py`` for ``settings``."""
    folder = settings.folder.resolve()
    homes = settings.homes.resolve()
    learners = sorted(settings.learners)
    lines = [
        "# jupyterhub_config.py written by `labpanels hub` at each start: edits are lost.",
        "# Secrets come from the environment (LABPANELS_HUB_*, CONFIGPROXY_AUTH_TOKEN).",
        "import os",
        "",
        "c = get_config()  # noqa: F821 - given by JupyterHub",
        f"c.JupyterHub.bind_url = {bind_url(settings.bind, settings.port)!r}",
        f"c.JupyterHub.hub_bind_url = {bind_url('127.0.0.1', settings.hub_port)!r}",
        f"c.JupyterHub.db_url = {'sqlite:///' + str(folder / 'jupyterhub.sqlite')!r}",
        f"c.JupyterHub.cookie_secret_file = {str(folder / 'jupyterhub_cookie_secret')!r}",
        f"c.JupyterHub.pid_file = {str(folder / 'jupyterhub.pid')!r}",
        "c.JupyterHub.cleanup_servers = True",
        "c.JupyterHub.cleanup_proxy = True",
        "c.JupyterHub.active_server_limit = 0",
        "c.JupyterHub.concurrent_spawn_limit = 0  # a class logs in at once",
        "",
        "# who may log in: the learners with the shared password, the instructor as admin",
        "c.JupyterHub.authenticator_class = 'shared-password'",
        "c.SharedPasswordAuthenticator.user_password = os.environ['LABPANELS_HUB_PASSWORD']",
        "c.SharedPasswordAuthenticator.admin_password = "
        "os.environ['LABPANELS_HUB_ADMIN_PASSWORD']",
        f"c.Authenticator.admin_users = {{{INSTRUCTOR!r}}}",
        f"c.Authenticator.allowed_users = {set(learners)!r}" if learners
        else "c.Authenticator.allowed_users = set()",
        "",
        "# every learner a JupyterLab process on this machine, in a home of their own",
        "c.JupyterHub.spawner_class = 'simple'",
        f"c.SimpleLocalProcessSpawner.home_dir_template = {str(homes) + '/{username}'!r}",
        f"c.Spawner.cmd = [{settings.python!r}, '-m', 'jupyterhub.singleuser']",
        f"c.Spawner.args = {_server_args(settings)!r}",
        "c.Spawner.notebook_dir = '~'",
        "c.Spawner.default_url = '/lab'",
        f"c.Spawner.env_keep = {list(ENV_KEEP)!r}",
        f"c.Spawner.start_timeout = {int(settings.start_timeout)}",
        f"c.Spawner.http_timeout = {int(settings.start_timeout)}",
        "c.Spawner.interrupt_timeout = 3",
        "c.Spawner.term_timeout = 5",
        "",
        "# each learner's notebooks find their own connection to the platform",
        "def _connection(spawner):",
        f"    return os.path.join({str(homes)!r}, spawner.user.name, {CONNECTION_NAME!r})",
        "",
        "c.Spawner.environment = {",
        "    'LABPANELS_DEMO_INFO': _connection,",
        "    'PYTHONUNBUFFERED': '1',",
        "}",
        "",
        "# the proxy (configurable-http-proxy from npm); its token is CONFIGPROXY_AUTH_TOKEN",
        f"c.ConfigurableHTTPProxy.command = [{str(settings.proxy_command)!r}]",
        f"c.ConfigurableHTTPProxy.api_url = 'http://127.0.0.1:{settings.proxy_api_port}'",
        f"c.ConfigurableHTTPProxy.pid_file = {str(folder / 'proxy.pid')!r}",
        "",
        "# the API token of `labpanels hub` itself (readiness, the benchmark's spawns)",
        f"c.JupyterHub.services = [{{'name': {SERVICE_NAME!r}, "
        "'api_token': os.environ['LABPANELS_HUB_API_TOKEN']}]",
        "c.JupyterHub.load_roles = [{",
        f"    'name': {SERVICE_NAME + '-service'!r},",
        "    'scopes': ['admin:users', 'admin:servers', 'access:servers', 'list:users',",
        "               'read:users', 'admin:server_state'],",
        f"    'services': [{SERVICE_NAME!r}],",
        "}]",
        "",
    ]
    return "\n".join(lines)


def write_config(settings: HubSettings) -> Path:
    """Write ``jupyterhub_config.py`` into the hub folder; return its path."""
    settings.folder.mkdir(parents=True, exist_ok=True)
    path = settings.folder / "jupyterhub_config.py"
    path.write_text(config_text(settings), encoding="utf-8")
    os.chmod(path, 0o600)
    return path
