"""The scenario schema: what a YAML scenario file may say, validated and frozen.

Field names are the YAML keys, with units in the names. Models refuse unknown
keys, and a scenario, once built, cannot change: variants are made with
:meth:`Scenario.with_changes`, which re-validates a modified copy. Checks that
span several parts of a scenario (a catchment naming a town, an item that no hall
can serve) raise :class:`ReferenceProblems`, which carries the field path of each
problem. This module reads no files: see :mod:`sim.loader`.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from functools import cached_property
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sim.dists import Dist

__all__ = [
    "Calendar",
    "Demand",
    "Enforcement",
    "Geography",
    "Hall",
    "Horizon",
    "Mode",
    "ReferenceProblems",
    "Scenario",
    "Service",
    "Town",
    "Travel",
    "WindowGroup",
    "clock_to_min",
    "deep_merge",
]

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Weight = Annotated[float, Field(ge=0)]
"""A relative weight or multiplier (≥ 0)."""
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_CLOCK = re.compile(r"^([01]?\d|2[0-4]):([0-5]\d)$")


def clock_to_min(text: str) -> int:
    """``"08:30"`` -> 510 minutes after midnight; ``"24:00"`` is allowed."""
    match = _CLOCK.match(text)
    if match is None or (int(match[1]) == 24 and match[2] != "00"):
        raise ValueError(f'expected a clock time "HH:MM" between 00:00 and 24:00, got {text!r}')
    return int(match[1]) * 60 + int(match[2])


def closest(name: str, options: list[str] | tuple[str, ...]) -> str:
    """A ' (did you mean ...?)' hint, or ''."""
    near = difflib.get_close_matches(str(name), [str(o) for o in options], n=1, cutoff=0.6)
    return f" (did you mean {near[0]!r}?)" if near else ""


def _key(entry: Any) -> Any:
    return entry.get("name", entry.get("id")) if isinstance(entry, dict) else None


def deep_merge(base: Any, over: Any) -> Any:
    """Merge ``over`` onto ``base``.

    Mappings merge key by key. Lists whose entries all carry a ``name`` (or ``id``) in
    both merge entry by entry: an entry of ``over`` updates the base entry of the same
    name, new names are appended in order. Anything else replaces.
    """
    if isinstance(base, dict) and isinstance(over, dict):
        merged = dict(base)
        for key, value in over.items():
            merged[key] = deep_merge(base[key], value) if key in base else value
        return merged
    if (
        isinstance(base, list)
        and isinstance(over, list)
        and base
        and over
        and all(_key(e) is not None for e in base + over)
    ):
        merged_list = list(base)
        position = {_key(e): i for i, e in enumerate(base)}
        for entry in over:
            if _key(entry) in position:
                i = position[_key(entry)]
                merged_list[i] = deep_merge(merged_list[i], entry)
            else:
                merged_list.append(entry)
        return merged_list
    return over


def _repeated(path: str, names: list[str], what: str) -> Iterator[tuple[str, str]]:
    """A problem for each name used twice in a list (``path`` formats the index)."""
    for dup in sorted({n for n in names if names.count(n) > 1}):
        yield path.format(names.index(dup)), f"{what} {dup!r} is used twice"


class ReferenceProblems(ValueError):
    """Cross-reference problems, each with the field path it concerns."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        super().__init__("; ".join(f"{path}: {msg}" for path, msg in problems))


class _Model(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        use_attribute_docstrings=True,
        populate_by_name=True,
        validate_default=True,
    )


# --- time -------------------------------------------------------------------------------------


class Horizon(_Model):
    days: int = Field(default=60, ge=1)
    """Working days simulated."""
    start_weekday: Weekday = "mon"
    """Weekday of the first calendar day."""


class Calendar(_Model):
    opening_hours: list[tuple[str, str]] = Field(
        default=[("08:30", "12:00"), ("14:00", "17:30")], min_length=1
    )
    """Opening intervals of a working day, as ``["HH:MM", "HH:MM"]`` pairs in order."""
    workdays: list[Weekday] = Field(default=["mon", "tue", "wed", "thu", "fri"], min_length=1)
    """Weekdays on which halls open and teams work."""

    @field_validator("opening_hours")
    @classmethod
    def _ordered(cls, value: list[tuple[str, str]]) -> list[tuple[str, str]]:
        previous_end = -1
        for start, end in value:
            a, b = clock_to_min(start), clock_to_min(end)
            if not previous_end <= a < b:
                raise ValueError(
                    f"intervals must be increasing and not overlap; {start}-{end} does not fit"
                )
            previous_end = b
        return value

    @field_validator("workdays")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("a weekday is listed twice")
        return value

    @cached_property
    def intervals_min(self) -> list[tuple[int, int]]:
        """Opening intervals in minutes after midnight."""
        return [(clock_to_min(a), clock_to_min(b)) for a, b in self.opening_hours]


# --- travel and geography ---------------------------------------------------------------------


class Mode(_Model):
    name: str
    """Name of the mode (walk, ebike, bus, car, ...)."""
    speed_kmh: float = Field(gt=0)
    """Door-to-door speed including stops."""
    share: float | None = Field(default=None, ge=0, le=1)
    """Share of trips by this mode among the modes allowed for the trip's length.
    Leave it out for a mode taken by everyone whose trip is within ``max_km`` (walking)."""
    max_km: float | None = Field(default=None, gt=0)
    """Longest one-way trip this mode is used for."""
    access_wait_min: Dist = 0
    """Wait before the trip each way (bus headway)."""
    cost_per_km_yuan: float = Field(default=0, ge=0)
    """Out-of-pocket cost per km travelled."""

    @model_validator(mode="after")
    def _share_or_max(self) -> Mode:
        if self.share is None and self.max_km is None:
            raise ValueError("a mode without a share needs max_km (it is taken within max_km)")
        return self


class Travel(_Model):
    modes: list[Mode] = Field(min_length=1)
    """Travel modes of citizens to a hall."""
    value_of_time_yuan_per_h: float = Field(default=12, ge=0)
    """Money value of an hour of a citizen's time (CALIBRATION: local worker ≈ 12 yuan/h)."""

    @model_validator(mode="after")
    def _shares(self) -> Travel:
        shared = [m for m in self.modes if m.share is not None]
        total = sum(m.share or 0 for m in shared)
        if not shared or abs(total - 1) > 1e-6:
            raise ValueError(f"the shares of the modes must add up to 1, got {total:g}")
        if not any(m.max_km is None and (m.share or 0) > 0 for m in shared):
            raise ValueError("at least one mode with a share must have no max_km")
        names = [m.name for m in self.modes]
        if len(set(names)) != len(names):
            raise ValueError("mode names must be unique")
        return self


class Point(_Model):
    x_km: float = 0
    """East of the map origin."""
    y_km: float = 0
    """North of the map origin."""


class Town(_Model):
    name: str = Field(min_length=1)
    """Town name (unique)."""
    population: int = Field(ge=0)
    """Residents."""
    enterprises: int = Field(default=0, ge=0)
    """Registered enterprises."""
    x_km: float
    """East of the map origin."""
    y_km: float
    """North of the map origin."""
    road_factor: float | None = Field(default=None, ge=1)
    """Road distance / straight distance from this town; the geography's default if left out."""
    road_km: float | None = Field(default=None, ge=0)
    """Road distance from the town centre to the county seat, where known (overrides
    straight distance × road_factor for trips to the seat)."""
    resident_km: Dist | None = None
    """Distance from a resident's home to the town centre; the geography's default if left out."""
    stations: bool = False
    """Whether the town's villages have stations that take requests by proxy."""


class Geography(_Model):
    seat: Point = Point()
    """Position of the county seat (where the county hall and teams are)."""
    towns: list[Town] = Field(min_length=1)
    """The towns (or ``towns_csv: file.csv`` in YAML, columns named as these fields)."""
    road_factor: float = Field(default=1.3, ge=1)
    """Road distance / straight distance (assumption: typical plains detour factor)."""
    resident_km: Dist = {"dist": "gamma", "mean": 3.0, "sd": 2.0}
    """Distance from a resident's home to the town centre (assumption)."""

    @field_validator("towns")
    @classmethod
    def _unique(cls, towns: list[Town]) -> list[Town]:
        names = [t.name for t in towns]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"town names must be unique; repeated: {', '.join(dupes)}")
        if "seat" in names:
            raise ValueError("'seat' is reserved for the county seat; rename the town")
        return towns


# --- demand and services ----------------------------------------------------------------------


class Demand(_Model):
    hour_profile: dict[str, Weight] = {}
    """Relative arrival weight from each clock time on (before the first: 1)."""
    weekday_profile: dict[Weekday, Weight] = {}
    """Relative daily volume per weekday (unnamed days: 1)."""
    days_per_year: float = Field(default=250, gt=0)
    """Working days per year over which annual demand is spread."""
    station_days: Dist = {"dist": "empirical", "values": [1, 2, 3]}
    """Working days a village station takes to finish a matter by proxy (assumption)."""
    return_days: Dist = {"dist": "empirical", "values": [1, 2, 3]}
    """Working days before a citizen comes back with missing documents (rounded; assumption)."""

    @field_validator("hour_profile")
    @classmethod
    def _clock_keys(cls, value: dict[str, float]) -> dict[str, float]:
        for key in value:
            clock_to_min(str(key))
        return dict(sorted(value.items(), key=lambda kv: clock_to_min(kv[0])))


class Service(_Model):
    id: str = Field(min_length=1)
    """Identifier of the item (unique)."""
    kind: Literal["approval", "convenience"]
    """Approval (审批) or convenience service (便民服务)."""
    department: str = Field(min_length=1)
    """Department that owns the item; windows serve it if their skills name it."""
    per_1000_residents_per_year: float = Field(default=0, ge=0)
    """Requests per 1000 residents per year."""
    per_enterprise_per_year: float = Field(default=0, ge=0)
    """Requests per enterprise per year."""
    service_min: Dist
    """Time at the window on a standard-speed window."""
    online_share: float = Field(default=0, ge=0, le=1)
    """Share of requests done online (no trip)."""
    station_share: float = Field(default=0, ge=0, le=1)
    """Share handled by a village station, in towns that have stations (no trip)."""
    incomplete_prob: float = Field(default=0, ge=0, le=1)
    """Probability that documents are missing at the first service: another trip."""

    @model_validator(mode="after")
    def _shares(self) -> Service:
        if self.online_share + self.station_share > 1 + 1e-9:
            raise ValueError("online_share + station_share must be ≤ 1")
        return self


# --- halls ------------------------------------------------------------------------------------


class Selector(_Model):
    """Which items a hall serves: by kind, department or id (any match counts)."""

    kind: list[Literal["approval", "convenience"]] = []
    """Item kinds served."""
    department: list[str] = []
    """Departments whose items are served."""
    ids: list[str] = []
    """Item ids served."""


class WindowGroup(_Model):
    count: int = Field(ge=0)
    """Windows (staff) in this group."""
    skills: Literal["all"] | list[str] = "all"
    """Departments the windows serve, or ``all`` (a comprehensive window)."""
    speed: float = Field(default=1.0, gt=0)
    """Relative speed: service time is divided by it (0.9 = 10 % slower)."""
    precheck: float = Field(default=1.0, ge=0, le=1)
    """Multiplier on an item's ``incomplete_prob`` at these windows (document pre-check)."""


class Hall(_Model):
    name: str = Field(min_length=1)
    """Hall name (unique)."""
    at: str = "seat"
    """Where the hall is: ``seat`` or a town name."""
    serves: Literal["all"] | Selector = "all"
    """Items served: ``all`` or ``{kind: [...], department: [...], ids: [...]}``."""
    catchment: Literal["all"] | list[str] = "all"
    """Towns whose residents may come here: ``all`` or a list of town names."""
    windows: list[WindowGroup] = Field(min_length=1)
    """Window groups."""

    def serves_item(self, service: Service) -> bool:
        if self.serves == "all":
            return True
        s = self.serves
        return service.kind in s.kind or service.department in s.department or service.id in s.ids

    def covers_department(self, department: str) -> bool:
        return any(
            g.count > 0 and (g.skills == "all" or department in g.skills) for g in self.windows
        )


# --- enforcement ------------------------------------------------------------------------------


class InspectionDepartment(_Model):
    name: str = Field(min_length=1)
    """Department whose routine checks these are (safety, environment, fire, ...)."""
    inspections_per_enterprise_per_year: float = Field(default=0, ge=0)
    """Routine checks per enterprise per year (before the risk multiplier)."""
    check_min: Dist
    """Time on site for one check by itself."""
    risk_multiplier: dict[str, Weight] = {}
    """Multiplier on the frequency per enterprise risk class (classes not named: 1)."""


class RiskClass(_Model):
    name: str = Field(min_length=1)
    """Name of the class (e.g. high, normal, low)."""
    share: float = Field(ge=0, le=1)
    """Share of enterprises in this class."""


class Team(_Model):
    name: str = Field(min_length=1)
    """Team name (unique)."""
    base: str = "seat"
    """Where crews start and end the day: ``seat`` or a town name."""
    crews: int = Field(ge=0)
    """Crews working in parallel."""
    inspectors_per_crew: int = Field(default=2, ge=1)
    """Inspectors in a crew (two officers for an enforcement act)."""
    departments: Literal["all"] | list[str] = "all"
    """Departments whose powers the team holds."""
    covers: Literal["all"] | list[str] = "all"
    """Towns the team works in."""
    routine: bool = True
    """Whether the team does routine checks (False: it only answers incidents)."""
    joint_window_days: float | None = Field(default=None, ge=0)
    """Joint inspection: a visit clears every check the team holds at the enterprise that is
    due within this many working days. Left out: one check per visit."""
    joint_setup_min: float = Field(default=15, ge=0)
    """Set-up time of a joint visit (assumption)."""
    joint_factor: float = Field(default=0.6, gt=0, le=1)
    """Joint visit time = set-up + the checks' times × this factor (assumption: "under 1 h
    covering 40+ items", CALIBRATION)."""
    speed_kmh: float = Field(default=40, gt=0)
    """Vehicle speed on the road (assumption)."""

    def holds(self, department: str) -> bool:
        return self.departments == "all" or department in self.departments

    def works_in(self, town: str) -> bool:
        return self.covers == "all" or town in self.covers


class Incidents(_Model):
    per_enterprise_per_year: float = Field(default=0, ge=0)
    """Incidents (hazards, violations) per enterprise per year."""
    per_1000_residents_per_year: float = Field(default=0, ge=0)
    """Incidents per 1000 residents per year (households, streets)."""
    department_mix: dict[str, Weight] = {}
    """Relative weight of each department among incidents (empty: equal)."""
    report_delay_min: Dist = {"dist": "exponential", "mean": 20}
    """From occurrence to report (grid member, hotline)."""
    handle_min: Dist = {"dist": "gamma", "mean": 60, "sd": 30}
    """Time on site."""


class Enforcement(_Model):
    departments: list[InspectionDepartment] = Field(min_length=1)
    """Departments with enforcement powers and their routine checks."""
    risk_classes: list[RiskClass] = []
    """Enterprise risk classes (empty: one class). Shares add up to 1."""
    teams: list[Team] = Field(min_length=1)
    """Enforcement teams."""
    incidents: Incidents = Incidents()
    """Incidents that teams answer."""
    enterprise_km: Dist | None = None
    """Distance of an enterprise (or incident) from its town centre; each town's
    ``resident_km`` if left out."""

    @model_validator(mode="after")
    def _shares(self) -> Enforcement:
        if self.risk_classes and abs(sum(r.share for r in self.risk_classes) - 1) > 1e-6:
            raise ValueError("the shares of risk_classes must add up to 1")
        return self


# --- the scenario -----------------------------------------------------------------------------


class Scenario(_Model):
    """A county, its demand, halls and windows: everything one run needs."""

    name: str = Field(min_length=1)
    """Short name; results go to ``results/<name>-<stamp>/``."""
    description: str = ""
    """What the scenario represents."""
    seed: int = Field(default=1, ge=0)
    """Seed of the random streams; the same seed gives the same citizens."""
    horizon: Horizon = Horizon()
    """How long a run lasts."""
    calendar: Calendar = Calendar()
    """Opening hours and working days."""
    travel: Travel
    """How citizens travel."""
    geography: Geography
    """Seat and towns."""
    demand: Demand = Demand()
    """When requests arise."""
    services: list[Service] = Field(min_length=1)
    """The service items."""
    halls: list[Hall] = Field(min_length=1)
    """The service halls and their windows."""
    enforcement: Enforcement | None = None
    """Enforcement teams, routine inspections and incidents (optional)."""

    @model_validator(mode="after")
    def _references(self) -> Scenario:
        problems = [*self._reference_problems(), *self._enforcement_problems()]
        if problems:
            raise ReferenceProblems(problems)
        return self

    def _reference_problems(self) -> Iterator[tuple[str, str]]:
        towns = [t.name for t in self.geography.towns]
        departments = sorted({s.department for s in self.services})
        ids = [s.id for s in self.services]
        yield from _repeated("services[{}].id", ids, "item id")
        yield from _repeated("halls[{}].name", [h.name for h in self.halls], "hall name")
        for h, hall in enumerate(self.halls):
            if hall.at != "seat" and hall.at not in towns:
                yield f"halls[{h}].at", f"unknown town {hall.at!r}{closest(hall.at, towns)}"
            if hall.catchment != "all":
                for c, town in enumerate(hall.catchment):
                    if town not in towns:
                        yield (
                            f"halls[{h}].catchment[{c}]",
                            (f"unknown town {town!r}{closest(town, towns)}"),
                        )
            if hall.serves != "all":
                for d, dept in enumerate(hall.serves.department):
                    if dept not in departments:
                        yield (
                            f"halls[{h}].serves.department[{d}]",
                            (f"no item has department {dept!r}{closest(dept, departments)}"),
                        )
                for i, item in enumerate(hall.serves.ids):
                    if item not in ids:
                        yield (
                            f"halls[{h}].serves.ids[{i}]",
                            (f"unknown item id {item!r}{closest(item, ids)}"),
                        )
            for w, group in enumerate(hall.windows):
                if group.skills != "all":
                    for k, dept in enumerate(group.skills):
                        if dept not in departments:
                            yield (
                                f"halls[{h}].windows[{w}].skills[{k}]",
                                (f"no item has department {dept!r}{closest(dept, departments)}"),
                            )
            for service in self.services:
                if hall.serves_item(service) and not hall.covers_department(service.department):
                    yield (
                        f"halls[{h}].windows",
                        (
                            f"the hall serves item {service.id!r} but no window (count > 0) has "
                            f"skill {service.department!r}"
                        ),
                    )
        for i, service in enumerate(self.services):
            has_demand = service.per_1000_residents_per_year > 0 or (
                service.per_enterprise_per_year > 0
            )
            if not has_demand:
                continue
            for town in self.geography.towns:
                if not self.halls_for(service, town.name):
                    yield (
                        f"services[{i}]",
                        (
                            f"no hall serves item {service.id!r} for town {town.name!r} "
                            "(check the halls' serves and catchment)"
                        ),
                    )
                    break

    def _enforcement_problems(self) -> Iterator[tuple[str, str]]:
        e = self.enforcement
        if e is None:
            return
        towns = [t.name for t in self.geography.towns]
        depts = [d.name for d in e.departments]
        classes = [r.name for r in e.risk_classes]
        yield from _repeated("enforcement.departments[{}].name", depts, "department")
        yield from _repeated("enforcement.teams[{}].name", [t.name for t in e.teams], "team")
        for i, dept in enumerate(e.departments):
            for cls in dept.risk_multiplier:
                if cls not in classes:
                    yield (
                        f"enforcement.departments[{i}].risk_multiplier.{cls}",
                        (f"unknown risk class {cls!r}{closest(cls, classes)}"),
                    )
        for i, team in enumerate(e.teams):
            where = f"enforcement.teams[{i}]"
            if team.base != "seat" and team.base not in towns:
                yield f"{where}.base", f"unknown town {team.base!r}{closest(team.base, towns)}"
            for k, town in enumerate([] if team.covers == "all" else team.covers):
                if town not in towns:
                    yield f"{where}.covers[{k}]", f"unknown town {town!r}{closest(town, towns)}"
            for k, dept in enumerate([] if team.departments == "all" else team.departments):
                if dept not in depts:
                    yield (
                        f"{where}.departments[{k}]",
                        (f"unknown department {dept!r}{closest(dept, depts)}"),
                    )
        for dept in e.incidents.department_mix:
            if dept not in depts:
                yield (
                    f"enforcement.incidents.department_mix.{dept}",
                    (f"unknown department {dept!r}{closest(dept, depts)}"),
                )
        incident_depts = [
            d
            for d in depts
            if (e.incidents.department_mix.get(d, 0) > 0) or not e.incidents.department_mix
        ]
        has_incidents = (
            e.incidents.per_enterprise_per_year + (e.incidents.per_1000_residents_per_year) > 0
        )
        for i, dept in enumerate(e.departments):
            for town in self.geography.towns:
                able = [t for t in e.teams if t.holds(dept.name) and t.crews > 0]
                if (
                    dept.inspections_per_enterprise_per_year > 0
                    and town.enterprises > 0
                    and not [t for t in able if t.routine and t.works_in(town.name)]
                ):
                    yield (
                        f"enforcement.departments[{i}]",
                        (f"no team with crews does routine {dept.name!r} checks in {town.name!r}"),
                    )
                    break
                if (
                    has_incidents
                    and dept.name in incident_depts
                    and not (
                        [t for t in able if t.works_in(town.name)]
                        or [t for t in able if t.base == "seat"]
                    )
                ):
                    yield (
                        f"enforcement.departments[{i}]",
                        (f"no team with crews can answer {dept.name!r} incidents in {town.name!r}"),
                    )
                    break

    def halls_for(self, service: Service, town: str) -> list[int]:
        """Indices of the halls that serve ``service`` for residents of ``town``."""
        return [
            h
            for h, hall in enumerate(self.halls)
            if hall.serves_item(service) and (hall.catchment == "all" or town in hall.catchment)
        ]

    def with_changes(self, changes: dict[str, Any]) -> Scenario:
        """A re-validated copy with ``changes`` deep-merged over this scenario.

        Keys may be nested mappings or ``--set``-style paths (``"halls[0].windows[1].count"``).
        """
        from sim.loader import apply_set, validate_data  # path syntax and messages live there

        data = self.to_data()
        for key, value in changes.items():
            if isinstance(value, dict) and "." not in key and "[" not in key:
                data = deep_merge(data, {key: value})
            else:
                data = apply_set(data, key, value)
        return validate_data(data, "with_changes")

    def to_data(self) -> dict[str, Any]:
        """Plain data (as in YAML) that validates back to this scenario."""
        return self.model_dump(mode="json", by_alias=True)
