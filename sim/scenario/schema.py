"""The scenario schema: what a YAML scenario file may say, validated and frozen.

Field names are the YAML keys, with units in the names. Models refuse unknown
keys, and a scenario, once built, cannot change: variants are made with
:meth:`Scenario.with_changes`, which re-validates a modified copy. Checks that
span several parts of a scenario (a catchment naming a town, an item that no hall
can serve) raise :class:`ReferenceProblems`, which carries the field path of each
problem. This module reads no files: see :mod:`sim.scenario`.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from functools import cached_property
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    field_validator,
    model_serializer,
    model_validator,
)

from sim.errors import ReferenceProblems, closest
from sim.model.calendar import MONTHS, clock_to_min, month_weights
from sim.model.dists import Dist, Integer, Number
from sim.scenario.holidays import (
    MAX_SPAN_YEARS,
    NotCovered,
    month_profile,
    parse_date,
    workday_dates,
)
from sim.scenario.overrides import with_changes

__all__ = [
    "Calendar",
    "Demand",
    "Enforcement",
    "Geography",
    "Hall",
    "Horizon",
    "Mode",
    "Report",
    "Scenario",
    "Service",
    "Town",
    "Travel",
    "WindowGroup",
    "clock_to_min",
]

MAX_EVENTS = 5_000_000
"""Most requests, routine checks, incidents and enterprise × department schedules a run
may hold (memory and time stay bounded: about 300 bytes and 50 µs each)."""
Weight = Annotated[Number, Field(ge=0)]
"""A relative weight or multiplier (≥ 0)."""
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
Month = Literal["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
Date = Annotated[date, BeforeValidator(parse_date)]
"""A date, written ``YYYY-MM-DD``."""
MAX_DAYS = 3650
"""Most working days a run may simulate."""


def _repeated(path: str, names: list[str], what: str) -> Iterator[tuple[str, str]]:
    """A problem for each name used twice in a list (``path`` formats the index)."""
    for dup in sorted({n for n in names if names.count(n) > 1}):
        yield path.format(names.index(dup)), f"{what} {dup!r} is used twice"


class _Model(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        populate_by_name=True,
        validate_default=True,
    )


# --- time -------------------------------------------------------------------------------------


class Horizon(_Model):
    """How long a run lasts: ``days`` working days, or the working days of a date range
    ``start`` .. ``end`` (public holidays off; see ``calendar``). One form or the other;
    neither: 60 working days."""

    days: Integer | None = Field(default=None, ge=1, le=MAX_DAYS)
    """Working days simulated (without a date range; 60 if neither is given)."""
    start_weekday: Weekday = "mon"
    """Weekday of the first calendar day (with ``days``)."""
    start: Date | None = None
    """First date of a date range (instead of ``days``), e.g. 2025-01-01."""
    end: Date | None = None
    """Last date of a date range, included, e.g. 2025-12-31."""

    @model_validator(mode="before")
    @classmethod
    def _sixty_days(cls, data: Any) -> Any:
        if isinstance(data, dict) and all(data.get(k) is None for k in ("days", "start", "end")):
            return {**data, "days": 60}
        return data

    @model_validator(mode="after")
    def _one_form(self) -> Horizon:
        problems = []
        if self.start is not None or self.end is not None:
            if self.days is not None:
                problems.append(
                    (
                        "horizon.days",
                        "give either days (a number of working days) or start and end "
                        "(a date range), not both",
                    )
                )
            if "start_weekday" in self.model_fields_set:
                problems.append(
                    (
                        "horizon.start_weekday",
                        "not with a date range: the weekday follows from horizon.start",
                    )
                )
            for name, other in (("start", "end"), ("end", "start")):
                if getattr(self, name) is None:
                    problems.append(
                        (f"horizon.{name}", f"required with horizon.{other} (a date range)")
                    )
        if problems:
            raise ReferenceProblems(problems)
        if self.start is not None and self.end is not None:
            if self.end < self.start:
                problems.append(
                    (
                        "horizon.end",
                        f"{self.end} is before horizon.start ({self.start}): the range is empty",
                    )
                )
            elif self.end.year - self.start.year >= MAX_SPAN_YEARS:
                problems.append(
                    (
                        "horizon.end",
                        f"a date range may span at most {MAX_SPAN_YEARS} years "
                        f"({self.start} to {self.end} is longer)",
                    )
                )
        if problems:
            raise ReferenceProblems(problems)
        return self

    @model_serializer(mode="wrap")
    def _the_given_form(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """Only the fields of the horizon's form: a date range has no ``days``."""
        data = handler(self)
        keep = ("start", "end") if self.start is not None else ("days", "start_weekday")
        return {k: v for k, v in data.items() if k in keep}


class Calendar(_Model):
    opening_hours: list[tuple[str, str]] = Field(
        default=[("08:30", "12:00"), ("14:00", "17:30")], min_length=1
    )
    """Opening intervals of a working day, as ``["HH:MM", "HH:MM"]`` pairs in order."""
    workdays: list[Weekday] = Field(default=["mon", "tue", "wed", "thu", "fri"], min_length=1)
    """Weekdays on which halls open and teams work."""
    public_holidays: Literal["china", "none"] = "china"
    """With a date range: ``china`` takes China's public holidays off and works its make-up
    working days (调休), as the chinesecalendar package lists them; ``none``: weekdays only."""
    holidays: list[Date] = []
    """Further dates off, with a date range (a local holiday; a year chinesecalendar does
    not cover yet); they override make-up working days."""
    extra_workdays: list[Date] = []
    """Further dates worked, with a date range (a Saturday opening before a deadline)."""

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

    @model_validator(mode="after")
    def _not_both(self) -> Calendar:
        both = [
            (f"calendar.extra_workdays[{i}]", f"{d} is also in calendar.holidays: which is it?")
            for i, d in enumerate(self.extra_workdays)
            if d in self.holidays
        ]
        if both:
            raise ReferenceProblems(both)
        return self

    @cached_property
    def intervals_min(self) -> list[tuple[int, int]]:
        """Opening intervals in minutes after midnight."""
        return [(clock_to_min(a), clock_to_min(b)) for a, b in self.opening_hours]


# --- travel and geography ---------------------------------------------------------------------


class Mode(_Model):
    name: str
    """Name of the mode (walk, ebike, bus, car, ...)."""
    speed_kmh: Number = Field(ge=1)
    """Door-to-door speed including stops."""
    share: Number | None = Field(default=None, ge=0, le=1)
    """Share of trips by this mode among the modes allowed for the trip's length.
    Leave it out for a mode taken by everyone whose trip is within ``max_km`` (walking)."""
    max_km: Number | None = Field(default=None, gt=0)
    """Longest one-way trip this mode is used for."""
    access_wait_min: Dist = 0
    """Wait before the trip each way (bus headway)."""
    cost_per_km_yuan: Number = Field(default=0, ge=0)
    """Out-of-pocket cost per km travelled."""

    @model_validator(mode="after")
    def _share_or_max(self) -> Mode:
        if self.share is None and self.max_km is None:
            raise ValueError("a mode without a share needs max_km (it is taken within max_km)")
        return self


class Travel(_Model):
    modes: list[Mode] = Field(min_length=1)
    """Travel modes of citizens to a hall."""
    value_of_time_yuan_per_h: Number = Field(default=12, ge=0)
    """Money value of an hour of a citizen's time (docs/calibration.md T7: a local worker's
    ≈ 12 yuan/h)."""

    @field_validator("modes")
    @classmethod
    def _shares(cls, modes: list[Mode]) -> list[Mode]:
        shared = [m for m in modes if m.share is not None]
        total = sum(m.share or 0 for m in shared)
        if not shared or abs(total - 1) > 1e-6:
            raise ValueError(f"the shares of the modes must add up to 1, got {total:g}")
        if not any(m.max_km is None and (m.share or 0) > 0 for m in shared):
            raise ValueError("at least one mode with a share must have no max_km")
        names = [m.name for m in modes]
        if len(set(names)) != len(names):
            raise ValueError("mode names must be unique")
        return modes


class Point(_Model):
    x_km: Number = 0
    """East of the map origin."""
    y_km: Number = 0
    """North of the map origin."""


class Town(_Model):
    name: str = Field(min_length=1)
    """Town name (unique)."""
    population: Integer = Field(ge=0, le=100_000_000)
    """Residents."""
    enterprises: Integer = Field(default=0, ge=0, le=1_000_000)
    """Registered enterprises."""
    x_km: Number
    """East of the map origin."""
    y_km: Number
    """North of the map origin."""
    road_factor: Number | None = Field(default=None, ge=1, le=10)
    """Road distance / straight distance from this town; the geography's default if left out."""
    road_km: Number | None = Field(default=None, ge=0)
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
    road_factor: Number = Field(default=1.3, ge=1, le=10)
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
    month_profile: dict[Month, Weight] = {}
    """Relative daily volume per month, ``jan``..``dec`` (or 1..12, or 12 weights January
    to December; unnamed months: 1), e.g. the year-end social-insurance rush. Normalised
    over each calendar year's working days, so that a year's volume is unchanged. Needs a
    date range (``horizon.start``, ``horizon.end``)."""
    days_per_year: Number = Field(default=250, ge=1, le=366)
    """Working days per year over which annual demand is spread."""
    station_days: Dist = {"dist": "empirical", "values": [1, 2, 3]}
    """Working days a village station takes to finish a matter by proxy (assumption)."""
    return_days: Dist = {"dist": "empirical", "values": [1, 2, 3]}
    """Working days before a citizen comes back with missing documents (rounded; assumption)."""

    @field_validator("month_profile", mode="before")
    @classmethod
    def _months(cls, value: Any) -> Any:
        return month_profile(value)

    @field_validator("hour_profile")
    @classmethod
    def _clock_keys(cls, value: dict[str, float]) -> dict[str, float]:
        for key in value:
            clock_to_min(str(key))
        return dict(sorted(value.items(), key=lambda kv: clock_to_min(kv[0])))

    def hour_weight(self, minute: int) -> float:
        """The hour profile's weight at ``minute`` after midnight (before its first time: 1)."""
        weight = 1.0
        for clock, w in self.hour_profile.items():  # in clock order
            if clock_to_min(clock) <= minute:
                weight = w
        return weight


class Service(_Model):
    id: str = Field(min_length=1)
    """Identifier of the item (unique)."""
    kind: Literal["approval", "convenience"]
    """Approval (审批) or convenience service (便民服务)."""
    department: str = Field(min_length=1)
    """Department that owns the item; windows serve it if their skills name it."""
    per_1000_residents_per_year: Number = Field(default=0, ge=0)
    """Requests per 1000 residents per year."""
    per_enterprise_per_year: Number = Field(default=0, ge=0)
    """Requests per enterprise per year."""
    service_min: Dist
    """Time at the window on a standard-speed window."""
    online_share: Number = Field(default=0, ge=0, le=1)
    """Share of requests done online (no trip)."""
    station_share: Number = Field(default=0, ge=0, le=1)
    """Share handled by a village station, in towns that have stations (no trip)."""
    incomplete_prob: Number = Field(default=0, ge=0, le=1)
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
    count: Integer = Field(ge=0, le=1000)
    """Windows (staff) in this group."""
    skills: Literal["all"] | list[str] = "all"
    """Departments the windows serve, or ``all`` (a comprehensive window)."""
    speed: Number = Field(default=1.0, gt=0)
    """Relative speed: service time is divided by it (0.9 = 10 % slower)."""
    precheck: Number = Field(default=1.0, ge=0, le=1)
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
    inspections_per_enterprise_per_year: Number = Field(default=0, ge=0)
    """Routine checks per enterprise per year (before the risk multiplier)."""
    check_min: Dist
    """Time on site for one check by itself."""
    risk_multiplier: dict[str, Weight] = {}
    """Multiplier on the frequency per enterprise risk class (classes not named: 1)."""


class RiskClass(_Model):
    name: str = Field(min_length=1)
    """Name of the class (e.g. high, normal, low)."""
    share: Number = Field(ge=0, le=1)
    """Share of enterprises in this class."""


class Team(_Model):
    name: str = Field(min_length=1)
    """Team name (unique)."""
    base: str = "seat"
    """Where crews start and end the day: ``seat`` or a town name."""
    crews: Integer = Field(ge=0, le=1000)
    """Crews working in parallel."""
    inspectors_per_crew: Integer = Field(default=2, ge=1, le=100)
    """Inspectors in a crew (two officers for an enforcement act)."""
    departments: Literal["all"] | list[str] = "all"
    """Departments whose powers the team holds."""
    covers: Literal["all"] | list[str] = "all"
    """Towns the team works in."""
    routine: bool = True
    """Whether the team does routine checks (False: it only answers incidents)."""
    joint_window_days: Number | None = Field(default=None, ge=0)
    """Joint inspection: a visit clears every check the team holds at the enterprise that is
    due within this many working days. Left out: one check per visit."""
    joint_setup_min: Number = Field(default=15, ge=0)
    """Set-up time of a joint visit (assumption)."""
    joint_factor: Number = Field(default=0.6, gt=0, le=1)
    """Joint visit time = set-up + the checks' times × this factor (assumption: "under 1 h
    covering 40+ items", docs/calibration.md E5)."""
    speed_kmh: Number = Field(default=40, ge=1)
    """Vehicle speed on the road (assumption)."""

    def holds(self, department: str) -> bool:
        return self.departments == "all" or department in self.departments

    def works_in(self, town: str) -> bool:
        return self.covers == "all" or town in self.covers


class Incidents(_Model):
    per_enterprise_per_year: Number = Field(default=0, ge=0)
    """Incidents (hazards, violations) per enterprise per year."""
    per_1000_residents_per_year: Number = Field(default=0, ge=0)
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

    @field_validator("risk_classes")
    @classmethod
    def _shares(cls, classes: list[RiskClass]) -> list[RiskClass]:
        total = sum(r.share for r in classes)
        if classes and abs(total - 1) > 1e-6:
            raise ValueError(f"the shares must add up to 1, got {total:g}")
        return classes


# --- the scenario -----------------------------------------------------------------------------


class Report(_Model):
    """How the scenario's reports are written."""

    lang: Literal["en", "zh"] = "en"
    """Language of the reports, figures and console tables: ``en`` (English) or ``zh``
    (Chinese); ``--lang`` on the command line overrides it. Names of halls, towns, teams
    and the scenario are shown as written."""
    not_modelled: list[str] = []
    """What this scenario leaves out, one line each, added to the "Not modelled" list at
    the top of every report (e.g. ``the night market's weekend demand``)."""


class Scenario(_Model):
    """A county, its demand, halls and windows: everything one run needs."""

    name: str = Field(min_length=1)
    """Short name; results go to ``results/<name>-<stamp>/``."""
    description: str = ""
    """What the scenario represents."""
    seed: Integer = Field(default=1, ge=0, le=2**63 - 1)
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
    report: Report = Report()
    """Language of the reports and what they list as not modelled (optional)."""

    @model_validator(mode="after")
    def _references(self) -> Scenario:
        calendar = list(self._calendar_problems())
        problems = [
            *calendar,
            *self._reference_problems(),
            *self._enforcement_problems(),
            *([] if calendar else self._demand_problems()),  # they count the working days
        ]
        if problems:
            raise ReferenceProblems(problems)
        return self

    @cached_property
    def workday_dates(self) -> tuple[date, ...] | None:
        """Every working date of the calendar years a date-range horizon touches (public
        holidays and the calendar's own dates applied), or None when the horizon counts
        ``days``. The model's clock takes the run's dates from it (plain data: the model
        looks up no holidays)."""
        h, c = self.horizon, self.calendar
        if h.start is None or h.end is None:
            return None
        return workday_dates(
            h.start, h.end, c.workdays, c.public_holidays, c.holidays, c.extra_workdays
        )

    @cached_property
    def run_dates(self) -> tuple[date, ...] | None:
        """The working dates from ``horizon.start`` to ``horizon.end`` (None without)."""
        h, dates = self.horizon, self.workday_dates
        return None if dates is None else tuple(d for d in dates if h.start <= d <= h.end)

    @property
    def working_days(self) -> int:
        """Working days in a run: ``horizon.days``, or those of the date range."""
        return self.horizon.days if self.run_dates is None else len(self.run_dates)

    def horizon_text(self, lang: str = "en") -> str:
        """``60 working days``, or ``248 working days, 2025-01-01 to 2025-12-31`` (``zh``:
        ``248个工作日（2025-01-01至2025-12-31）``)."""
        h = self.horizon
        if lang == "zh":
            dates = f"（{h.start}至{h.end}）" if h.start is not None else ""
            return f"{self.working_days}个工作日{dates}"
        dates = f", {h.start} to {h.end}" if h.start is not None else ""
        return f"{self.working_days} working days{dates}"

    def _calendar_problems(self) -> Iterator[tuple[str, str]]:
        """Dates where the horizon has none, years without known holidays, a range with no
        working day, and month weights that leave a year no volume."""
        h, c = self.horizon, self.calendar
        if h.start is None:
            for name in ("holidays", "extra_workdays"):
                if getattr(c, name):
                    yield (
                        f"calendar.{name}",
                        "dates need a date range: horizon: {start: YYYY-MM-DD, end: "
                        "YYYY-MM-DD} instead of horizon.days",
                    )
            if self.demand.month_profile:
                yield (
                    "demand.month_profile",
                    "needs a date range (horizon: {start: YYYY-MM-DD, end: YYYY-MM-DD}): "
                    "working days counted by horizon.days have no months",
                )
            return
        try:
            dates = self.run_dates
        except NotCovered as exc:
            yield "horizon.start" if h.start.year in exc.years else "horizon.end", str(exc)
            return
        if not dates:
            yield (
                "horizon",
                f"no working day from {h.start} to {h.end} (calendar.workdays, public "
                "holidays and calendar.holidays leave none)",
            )
        elif len(dates) > MAX_DAYS:
            yield "horizon.end", f"{len(dates)} working days: a run may hold at most {MAX_DAYS}"
        weight = self.demand.month_profile
        for year in range(h.start.year, h.end.year + 1):
            worked = {MONTHS[d.month - 1] for d in self.workday_dates if d.year == year}
            if weight and worked and not any(weight.get(m, 1) for m in worked):
                yield (
                    "demand.month_profile",
                    f"gives every working day of {year} the weight 0: nobody can come",
                )

    def request_days(self) -> float:
        """Working days of the run, each weighted by its month (the month profile): the
        run's requests are ``annual / days_per_year`` × this."""
        if self.run_dates is None or not self.demand.month_profile:
            return float(self.working_days)
        weights = month_weights(self.demand.month_profile, self.run_dates, self.workday_dates)
        return float(weights.sum())

    def _demand_problems(self) -> Iterator[tuple[str, str]]:
        """Profiles that leave no time for requests; a run that asks for nothing, or for
        more than a run can hold (:data:`MAX_EVENTS`)."""
        opening = self.calendar.intervals_min
        changes = [clock_to_min(k) for k in self.demand.hour_profile]
        moments = [a for a, _ in opening] + [
            t for t in changes if any(a < t < b for a, b in opening)
        ]
        if not any(self.demand.hour_weight(t) for t in moments):
            yield "demand.hour_profile", "gives every opening hour the weight 0: nobody can come"
        if not sum(self.demand.weekday_profile.get(d, 1) for d in self.calendar.workdays):
            yield "demand.weekday_profile", "gives every working day the weight 0"
        load = sorted(self._workload(), key=lambda part: part[2])
        total = sum(n for _, _, n in load)
        if total == 0:
            yield (
                "geography.towns",
                "nothing arises: no requests, checks or incidents (every town has population "
                "and enterprises 0, or every rate is 0)",
            )
        elif total > MAX_EVENTS:
            path, what, n = load[-1]
            yield (
                path,
                f"about {n:,.0f} {what} in a run of {self.working_days} working days: more "
                f"than a run may hold ({MAX_EVENTS:,} requests, checks, incidents and "
                "enterprise schedules in all); lower the rate or shorten the horizon",
            )

    def _workload(self) -> Iterator[tuple[str, str, float]]:
        """(field path, what, expected number) of requests per item, checks per department,
        incidents and enterprise schedules in a run (the weekday profile averages 1)."""
        towns = self.geography.towns
        people = sum(t.population for t in towns) / 1000
        firms = sum(t.enterprises for t in towns)
        per_run = self.working_days / self.demand.days_per_year
        requests_per_run = self.request_days() / self.demand.days_per_year
        for i, s in enumerate(self.services):
            yield (
                f"services[{i}]",
                "requests",
                (s.per_1000_residents_per_year * people + s.per_enterprise_per_year * firms)
                * requests_per_run,
            )
        e = self.enforcement
        if e is None:
            return
        shares = {r.name: r.share for r in e.risk_classes} or {"": 1.0}
        ahead = max(t.joint_window_days or 0 for t in e.teams)  # joint visits look ahead
        for i, d in enumerate(e.departments):
            multiplier = sum(share * d.risk_multiplier.get(c, 1) for c, share in shares.items())
            per_firm = d.inspections_per_enterprise_per_year * multiplier
            days = self.working_days + ahead
            yield (
                f"enforcement.departments[{i}]",
                "routine checks",
                per_firm * firms * days / self.demand.days_per_year,
            )
        inc = e.incidents
        yield (
            "enforcement.incidents",
            "incidents",
            (inc.per_enterprise_per_year * firms + inc.per_1000_residents_per_year * people)
            * per_run,
        )
        yield "geography.towns", "enterprise schedules", firms * len(e.departments)

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
        return with_changes(self, changes)

    def to_data(self) -> dict[str, Any]:
        """Plain data (as in YAML) that validates back to this scenario."""
        return self.model_dump(mode="json", by_alias=True)
