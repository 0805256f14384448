"""``labpanels hub`` without starting it: the JupyterHub configuration it writes, the
learners' homes and connection files, and what it says when something is missing."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from types import SimpleNamespace

import pytest
from traitlets.config import Config

from labpanels.cli import main
from labpanels.hub import HubSettings, HubSetupError, config_text, ensure_proxy, seed_home
from labpanels.hub import launch as hub_launch
from labpanels.hub.config import CONNECTION_NAME, SECRET_VARIABLES, bind_url, write_config
from labpanels.hub.homes import learner_connection
from labpanels.hub.launch import (
    instructor_notebook,
    loopback,
    public_address,
    shared_password,
)

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"

SECRETS = {
    "LABPANELS_HUB_PASSWORD": "k7qm-x2hp-9tdf",
    "LABPANELS_HUB_ADMIN_PASSWORD": "a" * 32,
    "LABPANELS_HUB_API_TOKEN": "b" * 64,
    "CONFIGPROXY_AUTH_TOKEN": "c" * 64,
}


def _settings(tmp_path: Path, **changes) -> HubSettings:
    values = dict(folder=tmp_path / "hub", homes=tmp_path / "homes",
                  learners=["learner01", "learner02"], port=8123, hub_port=8124,
                  proxy_api_port=8125, proxy_command=tmp_path / "chp", python="/x/python")
    values.update(changes)
    return HubSettings(**values)


def _load(text: str, monkeypatch) -> Config:
    """Run the configuration as JupyterHub does (its secrets in the environment)."""
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    config = Config()
    exec(compile(text, "jupyterhub_config.py", "exec"), {"get_config": lambda: config})
    return config


def test_config_is_what_a_class_needs(tmp_path, monkeypatch):
    text = config_text(_settings(tmp_path))
    for secret in SECRETS.values():
        assert secret not in text  # secrets come from the environment only
    c = _load(text, monkeypatch)
    assert c.JupyterHub.bind_url == "http://127.0.0.1:8123/"
    assert c.JupyterHub.hub_bind_url == "http://127.0.0.1:8124/"
    assert c.JupyterHub.spawner_class == "simple"
    assert c.JupyterHub.authenticator_class == "shared-password"
    assert c.SharedPasswordAuthenticator.user_password == SECRETS["LABPANELS_HUB_PASSWORD"]
    assert c.Authenticator.allowed_users == {"learner01", "learner02"}
    assert c.Authenticator.admin_users == {"instructor"}
    homes = str((tmp_path / "homes").resolve())
    assert c.SimpleLocalProcessSpawner.home_dir_template == homes + "/{username}"
    assert c.Spawner.cmd == ["/x/python", "-m", "jupyterhub.singleuser"]
    assert c.Spawner.notebook_dir == "~"
    assert "--allow-root" not in c.Spawner.args
    assert "PYTHONPATH" in c.Spawner.env_keep and "CONFIGPROXY_AUTH_TOKEN" not in \
        c.Spawner.env_keep
    # each learner's server is pointed at that learner's own connection file
    spawner = SimpleNamespace(user=SimpleNamespace(name="learner02"))
    info = c.Spawner.environment["LABPANELS_DEMO_INFO"](spawner)
    assert info == str(Path(homes) / "learner02" / CONNECTION_NAME)
    assert c.ConfigurableHTTPProxy.command == [str(tmp_path / "chp")]
    assert c.ConfigurableHTTPProxy.api_url == "http://127.0.0.1:8125"
    assert c.JupyterHub.services[0]["api_token"] == SECRETS["LABPANELS_HUB_API_TOKEN"]
    assert set(SECRET_VARIABLES) == set(SECRETS)


def test_config_for_root_and_a_classroom_network(tmp_path, monkeypatch):
    c = _load(config_text(_settings(tmp_path, allow_root=True, bind="0.0.0.0")), monkeypatch)
    assert "--allow-root" in c.Spawner.args  # as root each server exits without it
    assert c.JupyterHub.bind_url == "http://0.0.0.0:8123/"
    assert bind_url("::", 80) == "http://[::]:80/"
    path = write_config(_settings(tmp_path))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_learner_sees_own_account_not_root_nor_others():
    info = {"vantage6": {"url": "http://127.0.0.1:1", "users": {
        "root": {"password": "r"}, "PhY24-rs1": {"password": "p"},
        "learner01": {"password": "1"}, "learner02": {"password": "2"}}}, "sparc": {"x": 1}}
    mine = learner_connection(info, "learner02", ["learner01", "learner02"])
    assert set(mine["vantage6"]["users"]) == {"PhY24-rs1", "learner02"}
    assert mine["learner"] == "learner02" and mine["sparc"] == {"x": 1}
    assert "root" in info["vantage6"]["users"]  # the original is untouched
    with pytest.raises(KeyError, match="learner09"):
        learner_connection(info, "learner09", ["learner09"])


def test_home_is_seeded_and_a_learners_edits_survive(tmp_path):
    home = tmp_path / "learner01"
    path = seed_home(home, {"learner": "learner01"}, NOTEBOOKS)
    names = sorted(p.name for p in home.glob("*.ipynb"))
    assert names == sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")) and names
    assert json.loads(path.read_text()) == {"learner": "learner01"}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    edited = home / names[0]
    edited.write_text("my work")
    seed_home(home, {"learner": "learner01", "again": True}, NOTEBOOKS)
    assert edited.read_text() == "my work"
    assert json.loads(path.read_text())["again"] is True  # the connection is written anew


def test_small_pieces():
    password = shared_password()
    assert len(password) == 14 and password.count("-") == 2
    assert not set(password) & set("01lo")
    assert loopback("127.0.0.1") and loopback("::1") and loopback("localhost")
    assert not loopback("0.0.0.0") and not loopback("192.168.1.5")
    assert public_address("127.0.0.1") == "127.0.0.1"
    assert public_address("192.168.1.5") == "192.168.1.5"
    assert public_address("0.0.0.0") not in ("0.0.0.0", "")
    cell = instructor_notebook()["cells"][1]["source"]
    assert "InstructorView(admin)" in cell


def test_missing_node_is_named(tmp_path):
    with pytest.raises(HubSetupError, match="Node.js") as caught:
        ensure_proxy(tmp_path, node="no-such-node-labpanels")
    assert "apt-get install nodejs npm" in str(caught.value)


def test_command_says_what_is_missing(monkeypatch, capsys, tmp_path):
    assert main(["hub", "--learners", "0"]) == 2
    assert "--learners N" in capsys.readouterr().err
    monkeypatch.setattr(hub_launch.importlib.util, "find_spec", lambda name: None)
    assert main(["hub", "--learners", "2", "--bind", "0.0.0.0"]) == 1
    err = capsys.readouterr().err
    assert "WARNING: the hub listens on 0.0.0.0" in err  # said first
    assert "pip install 'labpanels[hub]'" in err
    assert err.index("WARNING") < err.index("pip install")
