"""Create a scenario on a fresh vantage6 server through its REST API, as root."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..http import HttpClient
from ..vantage6 import encryption
from .scenario import ROOT_PASSWORD, Scenario

__all__ = ["Seeded", "NodeSpec", "seed", "save_state", "load_state"]


@dataclass
class NodeSpec:
    """What a simulated node needs to start (its api key is a secret of the platform)."""

    id: int
    name: str
    api_key: str
    organization: str
    collaboration: str
    data: str
    private_key: str | None = None
    start: bool = True


@dataclass
class Seeded:
    """What the seeder created: ids by name, node credentials, key files."""

    organizations: dict[str, int] = field(default_factory=dict)
    collaborations: dict[str, dict[str, Any]] = field(default_factory=dict)
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    nodes: list[NodeSpec] = field(default_factory=list)
    key_files: dict[str, str] = field(default_factory=dict)


def _root_client(api_url: str) -> HttpClient:
    http = HttpClient(api_url, timeout=(5, 30))
    for password in (ROOT_PASSWORD, "root"):
        try:
            token = http.post("token/user", json={"username": "root", "password": password})
        except Exception:
            continue
        http.session.headers["Authorization"] = f"Bearer {token['access_token']}"
        if password == "root":  # the server's bootstrap default: replace it
            http.patch("password/change",
                       json={"current_password": "root", "new_password": ROOT_PASSWORD})
        return http
    raise RuntimeError("cannot log in as root on the new server")


def seed(api_url: str, scenario: Scenario, folder: Path, key_bits: int = 4096) -> Seeded:
    """Create ``scenario`` on the server at ``api_url``; private keys go to ``folder/keys``."""
    http = _root_client(api_url)
    out = Seeded()
    roles = {r["name"]: r["id"] for r in http.get("role", params={"per_page": 100})["data"]}

    for org in scenario.organizations:
        created = http.post("organization", json={
            "name": org.name, "country": org.country, "domain": org.domain,
            "address1": "", "address2": "", "zipcode": "",
        })
        out.organizations[org.name] = created["id"]

    keys_dir = folder / "keys"
    private_keys: dict[str, Path] = {}
    for collab in scenario.collaborations:
        org_ids = [out.organizations[name] for name in collab.organizations]
        created = http.post("collaboration", json={
            "name": collab.name, "encrypted": collab.encrypted, "organization_ids": org_ids,
        })
        entry: dict[str, Any] = {
            "id": created["id"], "encrypted": collab.encrypted,
            "organizations": list(collab.organizations), "nodes": {}, "studies": {},
        }
        for org_name in collab.organizations:
            node = http.post("node", json={
                "organization_id": out.organizations[org_name],
                "collaboration_id": created["id"],
                "name": f"{org_name} @ {collab.name}",
            })
            spec = NodeSpec(
                id=node["id"], name=node["name"], api_key=node["api_key"],
                organization=org_name, collaboration=collab.name,
                data=scenario.organization(org_name).data,
                start=org_name not in collab.offline,
            )
            if collab.encrypted:
                if org_name not in private_keys:
                    private_keys[org_name] = _new_private_key(org_name, keys_dir, key_bits)
                spec.private_key = str(private_keys[org_name])
            out.nodes.append(spec)
            entry["nodes"][org_name] = {"id": spec.id, "name": spec.name, "started": spec.start}
        for study, members in collab.studies.items():
            made = http.post("study", json={
                "name": study, "collaboration_id": created["id"],
                "organization_ids": [out.organizations[m] for m in members],
            })
            entry["studies"][study] = {"id": made["id"], "organizations": list(members)}
        out.collaborations[collab.name] = entry

    for user in scenario.users:
        created = http.post("user", json={
            "username": user.username, "password": user.password,
            "firstname": user.firstname, "lastname": user.lastname,
            "email": f"{user.username.lower()}@labpanels.example.org",
            "organization_id": out.organizations[user.organization],
            "roles": [roles[r] for r in user.roles],
        })
        out.users[user.username] = {
            "id": created["id"], "password": user.password,
            "organization": user.organization, "roles": list(user.roles),
        }
    out.users["root"] = {"id": 1, "password": ROOT_PASSWORD, "organization": "root",
                         "roles": ["Root"]}
    out.key_files = {org: str(path) for org, path in private_keys.items()}
    http.close()
    return out


def _new_private_key(org_name: str, keys_dir: Path, bits: int) -> Path:
    """Write a new private key for ``org_name`` (readable by the owner only).

    Its public half reaches the server the way it does on a real platform: the
    organization's node uploads it when it starts.
    """
    keys_dir.mkdir(parents=True, exist_ok=True)
    path = keys_dir / f"{org_name}.pem"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(encryption.private_key_pem(encryption.generate_private_key(bits)))
    return path



def save_state(seeded: Seeded, path: Path) -> None:
    """Keep what was seeded (node API keys included) in a file only the owner can read."""
    data = {**vars(seeded), "nodes": [vars(n) for n in seeded.nodes]}
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(data, fh, indent=2)


def load_state(path: Path) -> Seeded:
    """Read what :func:`save_state` wrote."""
    data = json.loads(path.read_text())
    data["nodes"] = [NodeSpec(**n) for n in data["nodes"]]
    return Seeded(**data)
