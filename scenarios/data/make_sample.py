"""Regenerate the SYNTHETIC sample in this folder (see README.md here): nothing in it is
real data. It simulates the example county (``scenarios/example-baseline.yaml``) for the
20 working days 2025-03-03 to 2025-03-28 with ``countysim run … --ticket-log`` and turns
the ``tickets.csv`` it writes into what a hall's queue-ticket system (排队叫号系统) would
export: Chinese headers, hall, town, item and department names in Chinese, Chinese
outcomes, ``2025/3/3 8:30:24`` times, anonymised applicant numbers, window numbers per hall,
two columns the fit does not read, and GBK encoding.

    .venv/bin/python scenarios/data/make_sample.py

writes ``tickets-sample.csv``, ``towns.csv``, ``items.csv`` and ``names.csv`` (the
English name each Chinese name stands for in the example scenario, so the fit can be
compared with its source). Same seed, same files.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SCENARIO = ROOT / "scenarios" / "example-baseline.yaml"
START, END = "2025-03-03", "2025-03-28"  # 20 working days, no public holiday among them
SOURCE = "SYNTHETIC 模型生成 非真实数据"  # first column of every row
ENCODING = "gbk"

TOWNS = {
    "Chengguan": "城关镇",
    "Dongcheng": "东城镇",
    "Xiguan": "西关镇",
    "Nanhu": "南湖镇",
    "Beiying": "北营镇",
    "Gaoji": "高集镇",
    "Lizhuang": "李庄镇",
    "Wangtun": "王屯镇",
    "Macun": "马村镇",
    "Sunji": "孙集镇",
    "Liuqiao": "刘桥镇",
    "Huadian": "华店镇",
    "Zhuhe": "朱河镇",
    "Daxing": "大兴镇",
    "Shuangmiao": "双庙镇",
    "Hekou": "河口镇",
    "Baitu": "白土镇",
}
ITEMS = {
    "business_licence": "营业执照办理",
    "food_business_permit": "食品经营许可",
    "real_estate_registration": "不动产登记",
    "rural_housing_permit": "农村宅基地建房审批",
    "enterprise_tax_affairs": "企业涉税事项",
    "social_insurance": "社会保险业务",
    "medical_insurance": "医疗保险业务",
    "civil_affairs_subsidy": "民政救助申请",
    "residence_certificate": "居住证办理",
}
DEPARTMENTS = {
    "market": "市场监管局",
    "natural_resources": "自然资源局",
    "tax": "税务局",
    "hrss": "人社局",
    "medical_security": "医保局",
    "civil_affairs": "民政局",
    "public_security": "公安局",
}
OUTCOMES = {"done": "办结", "documents_missing": "补正", "sent_home": "未办理", "pending": "办理中"}


def hall_name(name: str) -> str:
    """'County hall' → 县政务服务中心; 'Dongcheng centre' → 东城镇便民服务中心."""
    if name == "County hall":
        return "县政务服务中心"
    return f"{TOWNS[name.removesuffix(' centre')]}便民服务中心"


def simulate(folder: Path) -> Path:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "sim",
            "run",
            str(SCENARIO),
            "-r",
            "1",
            "--set",
            f"horizon.start={START}",
            "--set",
            f"horizon.end={END}",
            "--ticket-log",
            "--no-figures",
            "--quiet",
            "--executor",
            "serial",
            "--out",
            str(folder / "run"),
        ],
        check=True,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    return folder / "run" / "tickets.csv"


def clock(series: pd.Series) -> pd.Series:
    """'2025-03-03 08:30:24' → '2025/3/3 8:30:24' (empty stays empty)."""
    t = pd.to_datetime(series, format="%Y-%m-%d %H:%M:%S")
    text = (
        t.dt.year.astype("Int64").astype(str)
        + "/"
        + t.dt.month.astype("Int64").astype(str)
        + "/"
        + t.dt.day.astype("Int64").astype(str)
        + " "
        + t.dt.hour.astype("Int64").astype(str)
        + t.dt.strftime(":%M:%S")
    )
    return text.where(t.notna(), "")


def minutes(delta: pd.Series) -> pd.Series:
    """Durations as minutes with one decimal (empty where there is none)."""
    m = (delta.dt.total_seconds() / 60).round(1)
    return m.map(lambda v: "" if pd.isna(v) else f"{v:.1f}")


def export(tickets: Path, scenario) -> pd.DataFrame:
    t = pd.read_csv(tickets, dtype=str, keep_default_na=False)
    # windows numbered through the hall (group g, window k → its number in the hall)
    offsets = {
        (h.name, g + 1): sum(w.count for w in h.windows[:g])
        for h in scenario.halls
        for g in range(len(h.windows))
    }
    group = t["window"].str.split("-").str[0]
    k = t["window"].str.split("-").str[1]
    window = [
        f"{offsets[(h, int(g))] + int(n):02d}号窗口" if w else ""
        for h, w, g, n in zip(t["hall"], t["window"], group, k, strict=True)
    ]
    arrive = pd.to_datetime(t["arrive"])
    call = pd.to_datetime(t["call"].replace("", None))
    end = pd.to_datetime(t["end"].replace("", None))
    hall_no = {h.name: i + 1 for i, h in enumerate(scenario.halls)}
    day = arrive.dt.strftime("%y%m%d")
    seq = t.groupby([t["hall"], day]).cumcount() + 1
    ticket = [f"{hall_no[h]:02d}{d}{s:04d}" for h, d, s in zip(t["hall"], day, seq, strict=True)]
    applicant = [
        hashlib.sha256(f"countysim sample {c}".encode()).hexdigest()[:10].upper()
        for c in t["citizen"]
    ]
    return pd.DataFrame(
        {
            "数据来源": SOURCE,
            "票号": ticket,
            "大厅": t["hall"].map(hall_name),
            "窗口": window,
            "事项名称": t["item"].map(ITEMS),
            "部门": t["department"].map(DEPARTMENTS),
            "所属乡镇": t["town"].map(TOWNS),
            "申请人编号": applicant,
            "取号时间": clock(t["arrive"]),
            "叫号时间": clock(t["call"]),
            "办结时间": clock(t["end"]),
            "等候时长(分钟)": minutes(call - arrive),
            "办理时长(分钟)": minutes(end - call),
            "办理结果": t["outcome"].map(OUTCOMES),
        }
    )


def main() -> None:
    sys.path.insert(0, str(ROOT))
    import sim

    scenario = sim.load_scenario(SCENARIO)
    with tempfile.TemporaryDirectory() as tmp:
        frame = export(simulate(Path(tmp)), scenario)
    assert not frame.isna().any().any(), "a name without a Chinese form"
    frame.to_csv(HERE / "tickets-sample.csv", index=False, encoding=ENCODING)

    towns = pd.DataFrame(
        [
            {
                "name": TOWNS[t.name],
                "population": t.population,
                "enterprises": t.enterprises,
                "x_km": t.x_km,
                "y_km": t.y_km,
                "stations": str(bool(t.stations)).lower(),
            }
            for t in scenario.geography.towns
        ]
    )
    towns.to_csv(HERE / "towns.csv", index=False, encoding="utf-8")
    items = pd.DataFrame(
        [
            {
                "item": ITEMS[s.id],
                "department": DEPARTMENTS[s.department],
                "kind": s.kind,
                "online_share": s.online_share,
                "station_share": s.station_share or "",
            }
            for s in scenario.services
        ]
    )
    items.to_csv(HERE / "items.csv", index=False, encoding="utf-8")
    names = pd.DataFrame(
        [{"kind": "town", "model": k, "export": v} for k, v in TOWNS.items()]
        + [{"kind": "hall", "model": h.name, "export": hall_name(h.name)} for h in scenario.halls]
        + [{"kind": "item", "model": k, "export": v} for k, v in ITEMS.items()]
        + [{"kind": "department", "model": k, "export": v} for k, v in DEPARTMENTS.items()]
    )
    names.to_csv(HERE / "names.csv", index=False, encoding="utf-8")
    for name in ("tickets-sample.csv", "towns.csv", "items.csv", "names.csv"):
        print(f"{name}: {(HERE / name).stat().st_size:,} bytes")
    print(f"{len(frame):,} tickets, {START} to {END}")


if __name__ == "__main__":
    main()
