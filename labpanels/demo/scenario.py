"""The workshop scenario, as data: who exists on the local vantage6 platform.

It mirrors the "Introduction to vantage6" lesson: researchers of the PhY24 consortium
work in ``PhY-research``, whose nodes are all online; ``GHT_consortium`` has one node
that is never started; ``PhY-secure`` is encrypted end to end. Passwords are documented
here and in the README because this is a local teaching platform.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "Organization",
    "Collaboration",
    "User",
    "Scenario",
    "WORKSHOP",
    "ROOT_PASSWORD",
    "learner_users",
]

ROOT_PASSWORD = "Root-demo-2026!"


@dataclass(frozen=True)
class Organization:
    name: str
    country: str
    domain: str
    data: str  # slug of the CSV its nodes analyse (labpanels/demo/data/<slug>.csv)


@dataclass(frozen=True)
class Collaboration:
    name: str
    organizations: tuple[str, ...]
    encrypted: bool = False
    offline: tuple[str, ...] = ()  # organizations whose node is registered but never started
    studies: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class User:
    username: str
    password: str
    organization: str
    roles: tuple[str, ...]
    firstname: str
    lastname: str


@dataclass(frozen=True)
class Scenario:
    organizations: tuple[Organization, ...]
    collaborations: tuple[Collaboration, ...]
    users: tuple[User, ...]

    def organization(self, name: str) -> Organization:
        """The organization called ``name``."""
        return next(o for o in self.organizations if o.name == name)

    def with_users(self, extra: tuple[User, ...]) -> Scenario:
        """The same scenario with more users."""
        return Scenario(self.organizations, self.collaborations, self.users + extra)


WORKSHOP = Scenario(
    organizations=(
        Organization("CANTABRIA_organization", "Spain", "cantabria.example.org", "cantabria"),
        Organization("LIFELINES_organization", "The Netherlands", "lifelines.example.org",
                     "lifelines"),
        Organization("GAZEL_organization", "France", "gazel.example.org", "gazel"),
        Organization("PhY24-consortium", "The Netherlands", "phy24.example.org", "phy24"),
        Organization("GHT-consortium", "Germany", "ght.example.org", "ght"),
        Organization("HERMES_organization", "Italy", "hermes.example.org", "hermes"),
    ),
    collaborations=(
        Collaboration(
            "PhY-research",
            ("CANTABRIA_organization", "LIFELINES_organization", "GAZEL_organization",
             "PhY24-consortium"),
        ),
        Collaboration(
            "GHT_consortium",
            ("GHT-consortium", "PhY24-consortium", "CANTABRIA_organization",
             "HERMES_organization"),
            offline=("HERMES_organization",),
            studies={"GHT-online-subset": ("GHT-consortium", "PhY24-consortium",
                                           "CANTABRIA_organization")},
        ),
        Collaboration(
            "PhY-secure",
            ("PhY24-consortium", "LIFELINES_organization", "GAZEL_organization"),
            encrypted=True,
        ),
    ),
    users=(
        User("PhY24-rs1", "PhY24-research-1!", "PhY24-consortium", ("Researcher",),
             "Paula", "Hernandez"),
        User("GHT-rs1", "GHT-research-1!", "GHT-consortium", ("Researcher",),
             "Gerrit", "Hofmann"),
        User("PhY24-admin", "PhY24-admin-1!", "PhY24-consortium",
             ("Organization Admin", "Collaboration Admin", "Researcher"), "Ada", "Mensah"),
    ),
)


def learner_users(count: int, organization: str = "PhY24-consortium") -> tuple[User, ...]:
    """``count`` researcher accounts for a class: learner01 … learnerNN."""
    return tuple(
        User(f"learner{i:02d}", f"Learner-{i:02d}-pass!", organization, ("Researcher",),
             "Learner", f"{i:02d}")
        for i in range(1, count + 1)
    )
