"""countysim fit: ticket logs generated from known parameters are read and fitted back."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.fit import fit, fit_service
from sim.model.demand import DayProfile
from sim.scenario import Scenario, load_scenario
from sim.scenario.holidays import workday_dates
from sim.tickets import read_tickets

runner = CliRunner()

OPENING = [(8 * 60 + 30, 12 * 60), (14 * 60, 17 * 60 + 30)]
HOURS = {"08:30": 1.4, "10:00": 1.0, "14:00": 0.9, "16:00": 0.6}
WEEKDAY = {0: 1.3, 4: 0.8}  # mon, fri; others 1
# item: (department, requests per working day, service spec, documents-missing share)
ITEMS = {
    "licence": ("market", 40.0, ("gamma", 20.0, 10.0), 0.20),  # shape 4
    "permit": ("market", 25.0, ("lognormal", 10.0, 8.0), 0.10),
    "tax": ("tax", 30.0, ("exponential", 6.0, 6.0), 0.05),
    "pension": ("hrss", 20.0, ("weibull", 12.0, 15.0), 0.0),  # shape ≈ 0.8
}
WINDOWS = {"market": ["1-1", "1-2", "1-3"], "tax": ["2-1", "2-2"], "hrss": ["3-1"]}
RETURN_DAYS = ([1, 2, 3], [0.5, 0.3, 0.2])
START, END = date(2024, 3, 1), date(2024, 4, 30)


def _service(rng: np.random.Generator, spec: tuple, n: int) -> np.ndarray:
    family, mean, sd = spec
    if family == "gamma":
        k = (mean / sd) ** 2
        return rng.gamma(k, mean / k, n)
    if family == "lognormal":
        s2 = math.log1p((sd / mean) ** 2)
        return rng.lognormal(math.log(mean) - s2 / 2, math.sqrt(s2), n)
    if family == "exponential":
        return rng.exponential(mean, n)
    from sim.model.dists import as_dist

    return as_dist({"dist": "weibull", "mean": mean, "sd": sd}).sample(rng, n)


def synthetic_log(seed: int = 1) -> pd.DataFrame:
    """A ticket log in the canonical format from the known parameters above."""
    rng = np.random.default_rng(seed)
    days = [
        d
        for d in workday_dates(START, END, ["mon", "tue", "wed", "thu", "fri"], "china", [], [])
        if START <= d <= END
    ]
    weights = np.array([WEEKDAY.get(d.weekday(), 1.0) for d in days])
    weights /= weights.mean()
    profile = DayProfile(OPENING, HOURS)
    rows = []
    citizen = 0
    for item, (dept, rate, _, p_missing) in ITEMS.items():
        for k, _day in enumerate(days):
            n = rng.poisson(rate * weights[k])
            clock = profile.sample(rng, n)
            missing = rng.random(n) < p_missing
            for j in range(n):
                citizen += 1
                visits = [(k, clock[j], "documents_missing" if missing[j] else "done")]
                if missing[j]:
                    back = k + rng.choice(RETURN_DAYS[0], p=RETURN_DAYS[1])
                    if back < len(days):
                        visits.append((back, profile.sample(rng, 1)[0], "done"))
                for d, minute, outcome in visits:
                    rows.append((item, dept, f"c{citizen}", days[d], minute, outcome))
    frame = pd.DataFrame(
        rows, columns=["item", "department", "citizen", "day", "minute", "outcome"]
    )
    n = len(frame)
    arrive = pd.to_datetime(frame["day"]) + pd.to_timedelta(np.round(frame["minute"] * 60), "s")
    call = arrive + pd.to_timedelta(np.round(rng.exponential(300, n)), "s")
    service = np.empty(n)
    for item, (_, _, spec, _) in ITEMS.items():
        mine = (frame["item"] == item).to_numpy()
        service[mine] = _service(rng, spec, int(mine.sum()))
    end = call + pd.to_timedelta(np.round(service * 60), "s")
    fmt = "%Y-%m-%d %H:%M:%S"
    out = pd.DataFrame(
        {
            "ticket": np.arange(1, n + 1),
            "hall": "County hall",
            "window": [rng.choice(WINDOWS[d]) for d in frame["department"]],
            "item": frame["item"],
            "department": frame["department"],
            "town": "",
            "citizen": frame["citizen"],
            "arrive": arrive.dt.strftime(fmt),
            "call": call.dt.strftime(fmt),
            "end": end.dt.strftime(fmt),
            "outcome": frame["outcome"],
        }
    )
    # the last tickets of the log: three still pending, two sent home
    last = out.index[-5:]
    out.loc[last[:3], ["window", "call", "end", "outcome"]] = ["", "", "", "pending"]
    out.loc[last[3:], ["window", "call", "end", "outcome"]] = ["", "", "", "sent_home"]
    return out.sort_values("arrive", kind="stable").reset_index(drop=True)


@pytest.fixture(scope="module")
def log_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("fit") / "tickets.csv"
    synthetic_log().to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def fitted(log_file: Path):
    tickets, dropped = read_tickets(log_file)
    return fit(tickets, dropped, name="synthetic")


def _row(result, quantity: str, scope: str) -> pd.Series:
    t = result.table
    return t[(t.quantity == quantity) & (t.scope == scope)].iloc[0]


def test_volumes_missing_documents_and_service_are_recovered(fitted) -> None:
    days_per_year = fitted.data["demand"]["days_per_year"]
    assert days_per_year == len(
        [
            d
            for d in workday_dates(
                date(2024, 1, 1),
                date(2024, 12, 31),
                ["mon", "tue", "wed", "thu", "fri"],
                "china",
                [],
                [],
            )
            if d.year == 2024
        ]
    )
    sd_inside = 0
    for item, (_, rate, spec, p_missing) in ITEMS.items():
        # one notional town of 1,000,000: per 1000 residents = annual / 1000
        volume = _row(fitted, "per_1000_residents_per_year", item)
        truth = rate * days_per_year / 1000
        assert volume.ci_low <= truth <= volume.ci_high, (item, volume.to_dict(), truth)
        missing = _row(fitted, "incomplete_prob", item)
        assert missing.ci_low <= p_missing <= missing.ci_high, (item, missing.to_dict())
        mean = _row(fitted, "service_min mean", item)
        assert mean.ci_low <= spec[1] <= mean.ci_high, (item, mean.to_dict())
        sd = _row(fitted, "service_min sd", item)
        sd_inside += sd.ci_low <= spec[2] <= sd.ci_high  # asymptotic: a 95 % interval
        assert sd.estimate == pytest.approx(spec[2], rel=0.15), (item, sd.to_dict())
        assert fitted.service[item].chosen == spec[0], (item, fitted.service[item].fits)
    assert sd_inside >= len(ITEMS) - 1
    services = {s["id"]: s for s in fitted.data["services"]}
    assert services["tax"]["service_min"]["dist"] == "exponential"
    assert services["pension"]["service_min"]["dist"] == "weibull"


def test_profiles_windows_and_returns_are_recovered(fitted) -> None:
    demand = fitted.data["demand"]
    assert fitted.data["calendar"]["opening_hours"] == [["08:30", "12:00"], ["14:00", "17:30"]]
    steps = sorted(HOURS.items())
    mass = sum(w * (min(b, 24 * 60) - a) for a, b in OPENING for _ in [0] for w in [1])

    # the true weight of each clock hour, normalised like the estimate (open-time mean 1)
    def weight(minute: int) -> float:
        w = 1.0
        for k, v in steps:
            if int(k[:2]) * 60 + int(k[3:]) <= minute:
                w = v
        return w

    mass = sum(weight(m) for a, b in OPENING for m in range(a, b)) / sum(b - a for a, b in OPENING)
    inside = 0
    for key in demand["hour_profile"]:
        row = _row(fitted, "hour_profile", key)
        truth = weight(int(key[:2]) * 60 + int(key[3:])) / mass
        inside += row.ci_low <= truth <= row.ci_high
        assert abs(row.estimate - truth) <= 2 * (row.ci_high - row.ci_low), (key, row.to_dict())
    assert inside >= len(demand["hour_profile"]) - 1
    assert set(demand["weekday_profile"]) == {"mon", "tue", "wed", "thu", "fri"}
    assert demand["weekday_profile"]["mon"] > 1.15 and demand["weekday_profile"]["fri"] < 0.9
    assert set(demand["month_profile"]) == {"mar", "apr"}
    returns = demand["return_days"]
    assert returns["values"] == [1, 2, 3]
    share = np.array(returns["weights"]) / sum(returns["weights"])
    assert np.allclose(share, RETURN_DAYS[1], atol=0.05)
    windows = fitted.data["halls"][0]["windows"]
    assert sorted((w["count"], tuple(w["skills"])) for w in windows) == [
        (1, ("hrss",)),
        (2, ("tax",)),
        (3, ("market",)),
    ]
    assert (
        fitted.data["calendar"]["holidays"] == []
        and fitted.data["calendar"]["extra_workdays"] == []
    )
    assert fitted.dropped.rows == {"pending": 3, "never served": 2}


@pytest.mark.parametrize(
    ("family", "spec"),
    [
        ("gamma", ("gamma", 20.0, 10.0)),
        ("lognormal", ("lognormal", 10.0, 8.0)),
        ("exponential", ("exponential", 6.0, 6.0)),
        ("weibull", ("weibull", 12.0, 15.0)),
    ],
)
def test_the_true_family_is_chosen(family: str, spec: tuple) -> None:
    x = _service(np.random.default_rng(7), spec, 3000)
    assert fit_service("x", x).chosen == family


def test_a_bimodal_service_falls_back_to_empirical() -> None:
    rng = np.random.default_rng(3)
    x = np.concatenate([rng.normal(5, 0.5, 3000), rng.normal(30, 2, 3000)]).clip(0.1)
    result = fit_service("x", x)
    assert result.chosen == "empirical" and len(result.spec["values"]) == 100


def test_chinese_headers_gbk_and_chinese_dates_read_the_same(
    tmp_path: Path, log_file: Path
) -> None:
    log = pd.read_csv(log_file, dtype=str, keep_default_na=False)
    chinese = log.rename(
        columns={
            "ticket": "排队号",
            "hall": "服务大厅",
            "window": "窗口号",
            "item": "事项名称",
            "department": "办理部门",
            "town": "所属乡镇",
            "citizen": "证件号",
            "arrive": "取号时间",
            "call": "叫号时间",
            "end": "办结时间",
            "outcome": "办理结果",
        }
    )
    for column in ("取号时间", "叫号时间", "办结时间"):
        t = pd.to_datetime(chinese[column], errors="coerce")
        chinese[column] = [
            ""
            if pd.isna(v)
            else f"{v.year}年{v.month}月{v.day}日 {v.hour}:{v.minute:02d}:{v.second:02d}"
            for v in t
        ]
    chinese["办理结果"] = chinese["办理结果"].map(
        {"done": "办结", "documents_missing": "补正", "sent_home": "未办理", "pending": "办理中"}
    )
    chinese["备注"] = "无"  # an extra column: ignored
    path = tmp_path / "导出.csv"
    chinese.to_csv(path, index=False, encoding="gbk")
    a, _ = read_tickets(log_file)
    b, dropped = read_tickets(path)
    assert dropped.rows == {"pending": 3, "never served": 2}
    columns = [
        "hall",
        "window",
        "item",
        "department",
        "citizen",
        "arrive",
        "call",
        "end",
        "outcome",
    ]
    pd.testing.assert_frame_equal(a[columns], b[columns])
    # an export with other headers maps them with --columns
    other = log.rename(columns={"item": "业务类型", "arrive": "到达"})
    other_path = tmp_path / "other.csv"
    other.to_csv(other_path, index=False, encoding="utf-8-sig")
    c, _ = read_tickets(other_path, "item=业务类型,arrive=到达")
    pd.testing.assert_frame_equal(a[columns], c[columns])


def _broken(tmp_path: Path, log_file: Path, change) -> Path:
    log = pd.read_csv(log_file, dtype=str, keep_default_na=False).head(50)
    change(log)
    path = tmp_path / "broken.csv"
    log.to_csv(path, index=False)
    return path


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda f: f.pop("call"), ":1: column 'call': missing"),
        (
            lambda f: f.loc.__setitem__((6, "arrive"), "2024-13-45 9:00"),
            ":8: column 'arrive': not a time",
        ),
        (
            lambda f: f.loc.__setitem__((9, "end"), "2024-01-01 08:00:00"),
            ":11: column 'end': before the call",
        ),
        (
            lambda f: f.loc.__setitem__((4, "call"), "2024-01-01 08:00:00"),
            ":6: column 'call': before the arrival",
        ),
        (
            lambda f: f.loc.__setitem__((3, "outcome"), "maybe"),
            ":5: column 'outcome': unknown outcome",
        ),
        (lambda f: f.loc.__setitem__((2, "item"), ""), ":4: column 'item': empty"),
    ],
    ids=[
        "missing column",
        "bad time",
        "end before call",
        "call before arrive",
        "outcome",
        "empty item",
    ],
)
def test_malformed_logs_exit_2_naming_row_and_column(
    tmp_path: Path, log_file: Path, change, where: str
) -> None:
    path = _broken(tmp_path, log_file, change)
    result = runner.invoke(app, ["fit", str(path), "--out", str(tmp_path / "x.yaml")])
    assert result.exit_code == 2, result.output
    message = " ".join(result.output.split())
    assert f"{path}{where}" in message, message


def test_fit_command_writes_a_scenario_that_loads_and_checks(
    tmp_path: Path, log_file: Path
) -> None:
    out = tmp_path / "my-county.yaml"
    towns = tmp_path / "towns.csv"
    towns.write_text(
        "name,population,x_km,y_km\nChengguan,60000,0,0\nHekou,40000,12,5\n", encoding="utf-8"
    )
    result = runner.invoke(app, ["fit", str(log_file), "--out", str(out)])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "pending" in text and "never served" in text and "licence" in text
    yaml_text = out.read_text(encoding="utf-8")
    for line in yaml_text.splitlines():
        if "per_1000_residents_per_year:" in line or "incomplete_prob:" in line:
            assert "# " in line and "n = " in line and "[" in line, line
    scenario = load_scenario(out)
    assert {s.id for s in scenario.services} == set(ITEMS)
    assert runner.invoke(app, ["check", str(out)]).exit_code == 0
    report = tmp_path / "my-county-fit"
    assert (report / "fit-report.html").is_file() and (report / "figures").is_dir()
    assert len(list((report / "figures").glob("*.png"))) == len(ITEMS) + 1
    # again: countysim's own files are replaced; a file it did not write is refused
    assert runner.invoke(app, ["fit", str(log_file), "--out", str(out)]).exit_code == 0
    foreign = tmp_path / "mine.yaml"
    foreign.write_text("name: mine\n", encoding="utf-8")
    refused = runner.invoke(app, ["fit", str(log_file), "--out", str(foreign)])
    assert refused.exit_code == 2 and foreign.read_text(encoding="utf-8") == "name: mine\n"
    # with towns: volumes per 1000 residents of the county's 100,000
    with_towns = tmp_path / "with-towns.yaml"
    done = runner.invoke(
        app, ["fit", str(log_file), "--towns", str(towns), "--out", str(with_towns)]
    )
    assert done.exit_code == 0, done.output
    scenario = load_scenario(with_towns)
    assert [t.name for t in scenario.geography.towns] == ["Chengguan", "Hekou"]
    licence = next(s for s in scenario.services if s.id == "licence")
    days = scenario.demand.days_per_year
    assert licence.per_1000_residents_per_year == pytest.approx(40 * days / 100, rel=0.05)


def test_replications_are_separate_periods(tmp_path: Path, log_file: Path) -> None:
    """A log of 2 replications of the same days has the volumes of one."""
    log = pd.read_csv(log_file, dtype=str, keep_default_na=False)
    twice = pd.concat([log.assign(replication="0"), log.assign(replication="1")])
    path = tmp_path / "reps.csv"
    twice.to_csv(path, index=False)
    one = fit(*read_tickets(log_file))
    two = fit(*read_tickets(path))
    a = {s["id"]: s["per_1000_residents_per_year"] for s in one.data["services"]}
    b = {s["id"]: s["per_1000_residents_per_year"] for s in two.data["services"]}
    assert a == pytest.approx(b, rel=1e-3)


def test_online_and_station_shares_scale_the_in_person_volume(log_file: Path) -> None:
    """A log sees only what reaches a hall: with --items shares, the requests per 1000
    residents are the hall's divided by the in-person share (stations only in the towns
    that have them, population-weighted), so the fitted scenario sends the same to halls."""
    tickets, dropped = read_tickets(log_file)
    towns = [
        {"name": "A", "population": 60000, "x_km": 0, "y_km": 0, "stations": False},
        {"name": "B", "population": 40000, "x_km": 9, "y_km": 0, "stations": True},
    ]
    item = str(tickets["item"].iloc[0])
    plain = fit(tickets, dropped, towns=towns)
    shares = fit(tickets, dropped, towns=towns,
                 items={item: {"online_share": 0.2, "station_share": 0.3}})  # fmt: skip
    rate = {r.id: r.per_1000_residents_per_year for r in (
        Scenario.model_validate(plain.data).services)}  # fmt: skip
    shared = next(s for s in Scenario.model_validate(shares.data).services if s.id == item)
    assert shared.per_1000_residents_per_year == pytest.approx(
        rate[item] / (1 - 0.2 - 0.3 * 0.4), rel=1e-3
    )
