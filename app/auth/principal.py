"""The caller every request runs as: who they are, their role and the units their scope covers."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.auth.roles import SEES_ALL, WRITERS, Role


@dataclass(frozen=True, slots=True)
class Principal:
    id: int
    username: str
    full_name: str
    role: Role
    units: tuple[tuple[str, str], ...] = ()
    # the 2025 units the user's scope covers (2020 units are mapped to their successors)
    units_2025: frozenset[str] = field(default_factory=frozenset)
    bank_bin: str | None = None
    device_id: str | None = None
    # the 2025 provinces named in the scope (their communes are in units_2025)
    provinces: frozenset[str] = field(default_factory=frozenset)

    @property
    def sees_all(self) -> bool:
        """City admins and auditors see every unit, unless their account is given units: a city admin of a
        deployment with scope 2025:79 sees Hồ Chí Minh City's communes, and only them."""
        return self.role in SEES_ALL and not self.units

    @property
    def can_write(self) -> bool:
        return self.role in WRITERS

    def covers_unit(self, unit_code_2025: str | None) -> bool:
        return self.sees_all or (unit_code_2025 is not None and unit_code_2025 in self.units_2025)
