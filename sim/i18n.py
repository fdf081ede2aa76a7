"""Every text a reader sees in a report, figure or console table, in English and Chinese.

One dict, :data:`STRINGS`: key -> (English, Chinese), each a :meth:`str.format` template;
:func:`t` picks one. Metric names and units are not here but in the registry
(:meth:`sim.metrics.Metric.label`); the one-page summary's sentences are in
:mod:`sim.summary`. Names from a scenario (halls, towns, teams, the scenario itself) are
never translated. Pure Python: importing it loads nothing heavy.
"""

from __future__ import annotations

from collections.abc import Iterable

from sim.metrics import METRICS

__all__ = ["LANGS", "STRINGS", "check_lang", "field_words", "join", "metric_name", "t"]

LANGS = ("en", "zh")
"""The languages of reports: English and (simplified) Chinese."""


def check_lang(lang: str | None, default: str = "en") -> str:
    """``lang`` if it is one of :data:`LANGS` (None: ``default``), else ValueError."""
    lang = default if lang is None else lang
    if lang not in LANGS:
        raise ValueError(f"language {lang!r}: use one of {', '.join(LANGS)}")
    return lang


def t(key: str, lang: str = "en", **values: object) -> str:
    """The text of ``key`` in ``lang``, with ``values`` filled in (unused ones ignored)."""
    return STRINGS[key][lang == "zh"].format(**values)


def join(items: Iterable[object], lang: str = "en") -> str:
    """``a, b, c`` (English) or ``a、b、c`` (Chinese)."""
    return ("、" if lang == "zh" else ", ").join(str(i) for i in items)


def metric_name(metric: str, lang: str = "en") -> str:
    """How a metric is named in a table's rows, a caption or a figure's ticks: in English
    its name as in ``summary.csv`` (``wait_min_p90``: what a reader looks up there), in
    Chinese its label with unit from the registry (``等候时间第90百分位(分钟)``)."""
    if lang == "zh" and metric in METRICS:
        return METRICS[metric].label("zh")
    return metric


FIELDS = {  # scenario fields a sweep varies -> Chinese words (English: the field's name)
    "count": "数量", "crews": "队伍数", "inspectors_per_crew": "每队人数",
    "per_1000_residents_per_year": "每千人年办件量", "online_share": "网上办理占比",
    "station_share": "村级代办占比", "service_min": "办理时间", "incomplete_prob": "材料不全概率",
    "speed_kmh": "车速", "share": "占比", "population": "人口", "days": "工作日数",
    "windows": "窗口", "halls": "大厅", "teams": "执法队伍", "services": "事项",
    "towns": "乡镇", "geography": "地理", "enforcement": "执法", "demand": "需求",
    "travel": "出行", "modes": "出行方式", "horizon": "模拟期",
}  # fmt: skip
"""Chinese words for the scenario fields a sweep's axes are named by."""


def field_words(field: str, lang: str = "en") -> str:
    """A scenario field in words: ``per_1000_residents_per_year`` -> ``per 1000 residents
    per year`` / ``每千人年办件量`` (a field not in :data:`FIELDS` keeps its name)."""
    if lang == "zh":
        return FIELDS.get(field, field)
    return field.replace("_", " ")


STRINGS: dict[str, tuple[str, str]] = {
    # the one-page summary (sim/summary.py)
    "sum_question_compare": (
        "The question: how {others} {verb} with {first}, for the same citizens and "
        "enterprises ({reps} replications of {horizon} each).",
        "问题：在相同的群众和企业需求下（每个方案模拟{reps}次，每次{horizon}），{others}与"
        "{first}相比有何变化。",
    ),
    "sum_question_run": (
        "The question: how {name} performs ({reps} replications of {horizon}).",
        "问题：{name}的运行表现如何（模拟{reps}次，每次{horizon}）。",
    ),
    "sum_change": (
        "{scenario}: {label} {verb} from {before} to {after} "
        "(difference {diff}; 95 % interval {low} to {high}).",
        "{scenario}：{label}由{before}{verb}至{after}（差值{diff}，95%置信区间{low}至{high}）。",
    ),
    "sum_up": ("rises", "上升"),
    "sum_down": ("falls", "下降"),
    "sum_no_change": (
        "{scenario}: no clear change in {labels} (each 95 % interval of the difference "
        "includes 0).",
        "{scenario}：{labels}没有明显变化（差值的95%置信区间均包含0）。",
    ),
    "sum_worst_hall": (
        "The longest waits are at {hall} in {scenario}: 90th percentile {value} min "
        "(95 % interval {low} to {high}).",
        "等候最长的是{scenario}的{hall}：第90百分位{value}分钟（95%置信区间{low}至{high}）。",
    ),
    "sum_figure": (
        "{label}: {value} (95 % interval {low} to {high}).",
        "{label}：{value}（95%置信区间{low}至{high}）。",
    ),
    "sum_and": (", ", "、"),
    # --- reports: headings and fixed sentences
    "summary": ("Summary", "摘要"),
    "findings": ("Findings", "主要发现"),
    "not_modelled": ("Not modelled", "未纳入模型"),
    "figures": ("Figures", "图表"),
    "key_metrics": ("Key metrics", "主要指标"),
    "per_hall": ("Per hall (means)", "各大厅（均值）"),
    "per_team": ("Per team (means)", "各执法队伍（均值）"),
    "describe": (
        "{horizon}, {reps} replications, seed {seed}. Means over replications with 95 % "
        "confidence intervals.",
        "{horizon}，模拟{reps}次，随机种子{seed}。各项为多次模拟的均值及95%置信区间。",
    ),
    "compare_title": ("Comparison: {names}", "方案比较：{names}"),
    "vs": (" vs ", " 对比 "),
    "compare_intro": (
        "Comparison of {names} with the same citizens (common random numbers): paired "
        "differences to {first}.",
        "{names}在相同群众需求下的比较（共同随机数）：与{first}的配对差值。",
    ),
    "compare_key": (
        "Key metrics (all scopes in compare.csv; * = the interval excludes 0)",
        "主要指标（各范围见compare.csv；* 表示置信区间不含0）",
    ),
    "compare_busiest": (
        "Waits at the busiest halls (the county-wide figure can hide a queue at one)",
        "最繁忙大厅的等候（全县数字可能掩盖个别大厅的排队）",
    ),
    "sweep_title": ("Sweep over {grid}", "参数扫描：{grid}"),
    "sweep_intro": (
        "Each point is a variant of the scenario; see sweep.csv for every metric and scope "
        "with its 95 % interval.",
        "每个点是方案的一个变体；各指标、各范围的数值及95%置信区间见sweep.csv。",
    ),
    "sweep_points": ("Points (means, scope all)", "各点（全县均值）"),
    "sweep_target": ("Target {target}, judged at every {kind}", "目标{target}，按每个{kind}判断"),
    "sweep_question": (
        "The question: how {metrics} change with {grid} ({points} points, {reps} "
        "replications each).",
        "问题：{metrics}如何随{grid}变化（共{points}个点，每点模拟{reps}次）。",
    ),
    "sweep_best": (
        "{label} is lowest, {value}, with {where}.",
        "{label}在{where}时最低，为{value}。",
    ),
    "sweep_same": ("{label} is {value} at every point.", "{label}在各点均为{value}。"),
    "sweep_at": (" at {scope}", "（{scope}）"),
    "kind_hall": ("hall", "大厅"),
    "kind_team": ("team", "执法队伍"),
    "kind_town": ("town", "乡镇"),
    "kind_all": ("county", "全县"),
    "yes": ("yes", "是"),
    "no": ("no", "否"),
    # --- tables (sim.tables)
    "col_metric": ("metric", "指标"),
    "col_mean": ("mean", "均值"),
    "col_ci": ("95% CI", "95%置信区间"),
    "col_meaning": ("meaning", "含义"),
    "col_scope": ("scope", "范围"),
    "col_hall": ("hall", "大厅"),
    "col_team": ("team", "执法队伍"),
    "col_delta": ("Δ {name} [95% CI]", "Δ {name} [95%置信区间]"),
    "col_at": ("{metric} at {hall}", "{hall}的{metric}"),
    "col_worst": ("worst {kind}", "最差{kind}"),
    "col_there": ("{metric} there", "该处{metric}"),
    "col_meets": ("meets {target}", "是否达到{target}"),
    "h_windows": ("windows", "窗口数"),
    "h_services": ("services/day", "日办理量"),
    "h_wait_mean": ("wait mean min", "平均等候(分钟)"),
    "h_wait_p90": ("wait p90 min", "第90百分位等候(分钟)"),
    "h_utilisation": ("utilisation", "利用率"),
    "h_overtime": ("overtime min/day", "延时(分钟/日)"),
    "h_sent_home": ("sent home", "未办离开"),
    "h_staff": ("staff", "人员"),
    "h_visits": ("visits", "入企次数"),
    "h_checks_visit": ("checks/visit", "每次检查事项"),
    "h_coverage": ("coverage", "完成率"),
    "h_response": ("response p50 min", "响应中位数(分钟)"),
    "h_whistled": ("whistled up", "吹哨上报"),
    # --- console (sim.cli)
    "con_key": ("{name} — key metrics", "{name} — 主要指标"),
    "con_caption": (
        "{horizon}, {reps} replications, seed {seed}; mean and 95% confidence interval over "
        "replications",
        "{horizon}，模拟{reps}次，随机种子{seed}；多次模拟的均值和95%置信区间",
    ),
    "con_per_hall": ("per hall (means)", "各大厅（均值）"),
    "con_enforcement": ("{name} — enforcement", "{name} — 执法"),
    "con_per_team": ("per team (means)", "各执法队伍（均值）"),
    "con_compare_caption": (
        "mean over replications; Δ = paired difference to the first scenario (same "
        "citizens) [95% CI]; * = the interval excludes 0",
        "多次模拟的均值；Δ = 与第一个方案的配对差值（相同群众）[95%置信区间]；* 表示区间不含0",
    ),
    "con_compare": ("comparison to {name} (scope all)", "与{name}比较（全县）"),
    "con_busiest": ("waits at the busiest halls (minutes)", "最繁忙大厅的等候（分钟）"),
    "con_sweep": ("sweep (scope all, means over replications)", "参数扫描（全县，多次模拟均值）"),
    "con_target_caption": (
        "at each point the {kind} whose 95% interval is worst decides; mean [95% CI]",
        "每个点由95%置信区间最差的{kind}决定；均值[95%置信区间]",
    ),
    "con_target": ("target {target}, judged at every {kind}", "目标{target}，按每个{kind}判断"),
    "con_before_after": ("before → after (same citizens)", "优化前 → 优化后（相同群众）"),
    "con_before_after_caption": (
        "means over replications, in minutes; travel: round trip of the hall's visitors",
        "多次模拟均值，单位分钟；路程：到该大厅群众的往返时间",
    ),
    "con_hidden": (
        "; {n} halls with the same figures not shown",
        "；另有{n}个数字不变的大厅未列出",
    ),
    "con_allocations": ("allocations simulated", "已模拟的配置"),
    "con_allocation_caption": ("allocation: {what} {groups}", "配置：{groups}的{what}"),
    "con_crews_of": ("crews of", "队伍数"),
    "con_windows_of": ("windows of", "窗口数"),
    "con_start": ("start:  {value}", "起点：{value}"),
    "con_chosen": ("chosen: {value}", "选定：{value}"),
    "con_met": ("target met: ", "达到目标："),
    "con_not_met": ("target NOT met: ", "未达到目标："),
    "con_plans": ("branch plans", "分中心选址方案"),
    "con_plans_caption": (
        "mean km: road km per in-person visit to the nearest open hall (p-median objective); "
        "Δ: paired difference to the scenario as is",
        "平均公里：每次现场办事到最近大厅的道路公里数（p-中位目标）；Δ：与现状的配对差值",
    ),
    "col_step": ("step", "步骤"),
    "col_allocation": ("allocation", "配置"),
    "col_worst_unit": ("worst unit", "最差单位"),
    "col_met": ("met", "达标"),
    "col_accepted": ("accepted", "采纳"),
    "col_plan": ("plan", "方案"),
    "col_towns": ("towns", "乡镇"),
    "col_mean_km": ("mean km", "平均公里"),
    "col_covered": ("covered", "覆盖率"),
    "col_d_travel": ("Δ travel", "Δ 路程"),
    "col_worst_wait": ("worst hall wait p90", "最差大厅第90百分位等候"),
    "col_d_wait": ("Δ wait", "Δ 等候"),
    "col_best": ("best", "最优"),
    # --- figures (sim.plots)
    "map_east": ("east (km)", "东（公里）"),
    "map_north": ("north (km)", "北（公里）"),
    "map_seat": ("county seat", "县城"),
    "map_hall": ("{hall}: approvals", "{hall}：审批"),
    "map_town": ("town (size: population)", "乡镇（大小：人口）"),
    "map_legend": ("who serves approvals", "审批事项由谁办理"),
    "km": ("{value:g} km", "{value:g}公里"),
    "travel_x": (
        "round-trip travel per in-person matter, all trips (minutes)",
        "每件现场办事的往返路程时间，含所有跑动（分钟）",
    ),
    "travel_y": ("share of matters with at most this travel", "路程不超过该值的办件占比"),
    "travel_title": ("Travel per matter (cumulative)", "每件路程时间（累积分布）"),
    "town_km": ("{town} ({km:.0f} km)", "{town}（{km:.0f}公里）"),
    "town_x": ("mean round-trip travel per matter (minutes)", "每件平均往返路程时间（分钟）"),
    "with_ci": (", 95 % interval over replications", "，多次模拟的95%置信区间"),
    "no_ci": ("; one replication: no interval", "；仅模拟一次，无置信区间"),
    "town_y": ("town (road distance from the county seat)", "乡镇（到县城的道路距离）"),
    "town_title": (
        "Travel by town, nearest to the county seat first",
        "各乡镇路程时间（离县城由近到远）",
    ),
    "trips_1": ("1 trip", "跑1次"),
    "trips_2": ("2 trips", "跑2次"),
    "trips_3": ("3 or more", "3次及以上"),
    "trips_x": ("share of completed in-person matters", "现场办结事项的占比"),
    "scenario": ("scenario", "方案"),
    "trips_title": ("Trips needed to finish a matter", "办结一件事需跑几次"),
    "daily_requests": ("requests per day", "日办件量"),
    "daily_title": (
        "Requests per working day (all channels, online included)",
        "每个工作日的办件量（所有渠道，含网上）",
    ),
    "daily_wait": ("mean wait per visit (min)", "每次平均等候（分钟）"),
    "daily_dated": ("date (working days only)", "日期（仅工作日）"),
    "daily_day": ("working day", "工作日"),
    "daily_wait_title": ("Wait per hall visit, by the day of the visit", "按日期的每次等候时间"),
    "no_visits": ("{hall} — no visits", "{hall} — 无人到访"),
    "mean": ("mean", "均值"),
    "p90": ("90th percentile", "第90百分位"),
    "wait_x": ("wait per visit, from ticket to window (minutes)", "每次等候，取号至窗口（分钟）"),
    "wait_y": ("hall (longest 90th percentile first)", "大厅（按第90百分位由长到短）"),
    "wait_title": ("Waiting at all {n} halls — {name}", "全部{n}个大厅的等候 — {name}"),
    "wait_title_top": (
        "Waiting at the {shown} halls with the longest 90th percentile ({left} shorter left "
        "out) — {name}",
        "第90百分位等候最长的{shown}个大厅（另{left}个较短未列出）— {name}",
    ),
    "break": ("break: no window serves", "午休：窗口暂停"),
    "time_of_day": ("time of day", "时刻"),
    "waiting_citizens": ("citizens waiting", "等候人数"),
    "queue_title": ("Queue over the working day — {name}", "工作日内的排队 — {name}"),
    "queue_top": (
        "\nthe {n} of {halls} halls with the longest mean queue",
        "\n{halls}个大厅中平均排队最长的{n}个",
    ),
    "queue_some": (
        "\nhalls with a queue: {n} of {halls} (in the others almost nobody waits)",
        "\n有排队的大厅：{halls}个中的{n}个(其余大厅几乎无人等候)",
    ),
    "queue_band": ("band: 10–90 % of days", "阴影：10%–90%的日子"),
    "half_hour": ("time of day (start of half hour)", "时刻（半小时起点）"),
    "hall": ("hall", "大厅"),
    "util_title": ("Window utilisation by hour — {name}", "分时段窗口利用率 — {name}"),
    "util_bar": ("share of windows serving", "办理中窗口占比"),
    "enf_x": (
        "routine visits per enterprise per year (bins: 0, 1, 2 … visits in the "
        "{days}-working-day run)",
        "每企业每年例行入企次数（分组：模拟的{days}个工作日内0、1、2……次）",
    ),
    "enf_y": ("share of enterprises", "企业占比"),
    "enf_title": ("Visits to enterprises", "入企检查"),
    "minutes": ("{value} min", "{value}分钟"),
    "resp_x": ("response: report to crew on site (minutes)", "响应：从报告到队伍到场（分钟）"),
    "resp_y": ("share of incidents answered within", "在该时间内到场的事件占比"),
    "resp_title": ("Incident response (cumulative)", "事件响应（累积分布）"),
    "team_x": ("crew time driving or on site", "队伍行驶或在现场的时间占比"),
    "team": ("team", "执法队伍"),
    "team_title": ("Team utilisation", "执法队伍利用率"),
    "cmp_none": (
        "no key metric differs between the scenarios",
        "各方案的主要指标没有差别",
    ),
    "cmp_y": ("metric (scope all)", "指标（全县）"),
    "cmp_x": (
        "difference to {first}, % of its mean, 95 % interval (linear within ±1 %, "
        "logarithmic beyond)",
        "与{first}的差值，占其均值的%，95%置信区间（±1%内为线性，以外为对数）",
    ),
    "cmp_title": ("What changes (paired, same citizens)", "有何变化（配对比较，相同群众）"),
    "comprehensive": ("comprehensive windows", "综合窗口"),
    "skill_windows": ("{skills} windows", "{skills}窗口"),
    "window_group": ("window group", "窗口组"),
    "numbered": ("{what} {n}", "第{n}{what}"),
    "axis": ("{words} ({field})", "{words}（{field}）"),
    "target": ("target {value:g}", "目标{value:g}"),
    "target_line": ("target", "目标"),
    "sweep_y": ("{metric} ({description})", "{label}"),
    "sweep_worst": ("the worst {kind} at each point", "各点最差的{kind}"),
    "sweep_all": ("all", "全县"),
    "sweep_fig_title": (
        "{metric} across the sweep ({where}), 95 % interval",
        "{label}随参数的变化（{where}），95%置信区间",
    ),
    "sweep_cut": (
        "\naxis cut at {value}: arrows mark the points above it",
        "\n纵轴截于{value}：箭头标出高于此值的点",
    ),
    "search_title": (
        "Objective of each allocation simulated: {objective}, 95 % interval",
        "各配置的优化目标：{objective}，95%置信区间",
    ),
    "accepted_step": ("accepted step", "采纳的步骤"),
    "rejected_step": ("rejected step", "未采纳的步骤"),
    "course": ("course of the search", "搜索路径"),
    "final_selection": ("final selection", "最终候选"),
    "chosen": ("chosen", "选定"),
    "search_worst_y": ("{metric} at the worst {unit}", "最差{unit}的{metric}"),
    "search_worst_title": (
        "{metric} at the worst chosen {unit}, 95 % interval",
        "所选最差{unit}的{metric}，95%置信区间",
    ),
    "meets": ("meets the target", "达到目标"),
    "misses": ("misses the target", "未达到目标"),
    "search_x": (
        "evaluation step (allocations in the order simulated)",
        "评估步骤（按模拟顺序的配置）",
    ),
    "as_is_0": ("0 as is", "0 现状"),
    "plans_x": (
        "mean round-trip travel per in-person matter (min), 95 % interval",
        "每件现场办事平均往返路程时间（分钟），95%置信区间",
    ),
    "plans_y": ("90th-percentile wait at the worst hall (min)", "最差大厅的第90百分位等候（分钟）"),
    "plans_title": (
        "Branch plans simulated: travel against the longest wait",
        "已模拟的分中心方案：路程与最长等候",
    ),
    "plan0": ("0: as it is", "0：现状"),
    "plan_n": ("plan (number: see table)", "方案（编号见表）"),
    "best_plan": ("best plan", "最优方案"),
    "no_cjk": (
        "No Chinese font is installed, so this figure's text shows as boxes: install one "
        "(Debian: apt-get install fonts-noto-cjk).",
        "未安装中文字体，图中文字显示为方框：请安装中文字体"
        "（Debian：apt-get install fonts-noto-cjk）。",
    ),
    # --- captions (sim.report)
    "cap_map": (
        "Where citizens go for approval items. {note}.",
        "群众到哪里办理审批事项。{note}。",
    ),
    "cap_map_branch": (
        "{name}: {k} of {n} towns go to a hall outside the seat for approvals",
        "{name}：{n}个乡镇中有{k}个到县城以外的大厅办理审批",
    ),
    "sep": ("; ", "；"),
    "cap_travel_two": (
        "Mean round-trip travel per in-person matter {a} min in {first}, {b} min in {last}.",
        "每件现场办事平均往返路程时间：{first}为{a}分钟，{last}为{b}分钟。",
    ),
    "cap_travel_one": (
        "Mean round-trip travel per in-person matter {a} min.",
        "每件现场办事平均往返路程时间{a}分钟。",
    ),
    "cap_town_ci": (
        " By town: the mean with its 95 % interval over {reps} replications.",
        "各乡镇：{reps}次模拟的均值及95%置信区间。",
    ),
    "cap_town_one": (
        " By town: the mean of one replication, so no interval is drawn.",
        "各乡镇：仅一次模拟的均值，故无置信区间。",
    ),
    "cap_trips": ("Done in one trip: {parts}.", "一次办结率：{parts}。"),
    "cap_trips_part": ("{value} ({name})", "{name}为{value}"),
    "cap_wait_worst": (
        "{name}: the longest 90th-percentile wait is at {hall}, {value} min.",
        "{name}：第90百分位等候最长的是{hall}，{value}分钟。",
    ),
    "cap_wait_none": (
        "{name}: at every hall at least 90 % of visits are served without waiting.",
        "{name}：每个大厅至少90%的到访无需等候。",
    ),
    "cap_wait_all": (
        " All {n} halls are shown, sorted by the 90th-percentile wait",
        "图中列出全部{n}个大厅，按第90百分位等候排序",
    ),
    "cap_wait_idle": (
        "; without visits (no wait to show): {halls}.",
        "；无人到访（无等候可示）：{halls}。",
    ),
    "cap_wait_every": ("; every hall had visits.", "；每个大厅都有人到访。"),
    "cap_queue": (
        "{name}: the longest mean queue is at {hall}, {value} citizens waiting around {clock}",
        "{name}：平均排队最长的是{hall}，约{clock}时有{value}人等候",
    ),
    "cap_queue_lunch": (
        " — through the lunch break, when no window serves.",
        "——正值午休，窗口暂停办理。",
    ),
    "period": (".", "。"),
    "cap_util": (
        "{name}: the busiest half hour is at {hall} around {clock}, with {value} of its "
        "windows serving.",
        "{name}：最繁忙的半小时在{hall}，约{clock}时，{value}的窗口在办理。",
    ),
    "cap_daily_month": (
        "{name}: {value} requests per working day in {month}",
        "{name}：{month}每个工作日{value}件",
    ),
    "cap_daily_peak": (
        "{name}: most requests per working day in {month} ({value} a day, {ratio}× the run's "
        "average)",
        "{name}：{month}日均办件量最多（每日{value}件，为全期平均的{ratio}倍）",
    ),
    "cap_daily_mean": (
        "{name}: {value} requests per working day on average",
        "{name}：平均每个工作日{value}件",
    ),
    "cap_daily_wait": (
        "; the mean wait is longest on {on}, {value} min",
        "；{on}平均等候最长，{value}分钟",
    ),
    "working_day_n": ("working day {n}", "第{n}个工作日"),
    "month": ("{date:%B %Y}", "{date.year}年{date.month}月"),
    "cap_enf": (
        "Median incident response {a} min → {b} min; routine visits per enterprise a year "
        "{c} → {d}.",
        "事件响应时间中位数{a}分钟 → {b}分钟；每企业年例行入企次数{c} → {d}。",
    ),
    "cap_enf_one": (
        "Median incident response {a} min; {c} routine visits per enterprise a year.",
        "事件响应时间中位数{a}分钟；每企业每年例行入企{c}次。",
    ),
    "cap_cmp": (
        "Largest changes whose 95 % interval excludes 0: {parts}.",
        "95%置信区间不含0的最大变化：{parts}。",
    ),
    "cap_cmp_none": ("No change's 95 % interval excludes 0.", "没有哪项变化的95%置信区间不含0。"),
    # --- sweep verdicts (sim.targets)
    "at_every_hall": (" at every hall", "（每个大厅）"),
    "at_every_team": (" at every team", "（每支执法队伍）"),
    "at_every_all": ("", ""),
    "verdict_met": (
        "{target}{where}: the smallest point whose whole 95 % interval meets it is {point} "
        "(worst there: {at}).",
        "{target}{where}：整个95%置信区间都达标的最小点为{point}（该点最差：{at}）。",
    ),
    "verdict_no_data": (
        "{target}{where}: no point has data for {metric}.",
        "{target}{where}：没有点有{metric}的数据。",
    ),
    "verdict_not_met": (
        "{target}{where}: no point of the sweep meets it with its whole 95 % interval; the "
        "closest is {point} (worst there: {at}).",
        "{target}{where}：没有点的整个95%置信区间达标；最接近的是{point}（该点最差：{at}）。",
    ),
    # --- optimisers' reports
    "opt_staffing_title": ("{what} optimisation: {name}", "{what}优化：{name}"),
    "opt_window_staff": ("window staff", "窗口人员"),
    "opt_crews": ("crews", "执法队伍"),
    "opt_question": (
        "How to share {staff} {what} among {units}{goal} with {objective} as low as possible.",
        "如何把{staff}名{what}分配给{units}{goal}，并使{objective}尽可能低。",
    ),
    "opt_goal": (
        " so that {goal} holds at every one of these {unit}s,",
        "，使每个{unit}都满足{goal}",
    ),
    "opt_no_goal": (",", ""),
    "opt_met": (
        "Target met: the chosen allocation ({where}) meets {goal} at every chosen {unit}.",
        "达到目标：选定配置（{where}）在每个所选{unit}都满足{goal}。",
    ),
    "opt_chosen": ("Chosen allocation: {where}.", "选定配置：{where}。"),
    "opt_not_met": (
        "Target NOT met: no allocation simulated meets {goal} at every chosen {unit}; the "
        "closest is {where}",
        "未达到目标：没有模拟过的配置在每个所选{unit}都满足{goal}；最接近的是{where}",
    ),
    "opt_needed": (", and about {n} {what} would be needed.", "，约需{n}名{what}。"),
    "opt_simulated": (
        "{n} allocations simulated, {reps} replications each, seed {seed}; means with 95 % "
        "confidence intervals.",
        "共模拟{n}种配置，每种{reps}次，随机种子{seed}；各项为均值及95%置信区间。",
    ),
    "opt_search_caption": (
        "The search simulated {n} allocations ({what} in the order {groups}) and accepted "
        "{accepted} steps; the chosen one, {chosen}, {meets} the target.",
        "搜索共模拟{n}种配置（{what}，顺序为{groups}），采纳{accepted}步；选定配置{chosen}"
        "{meets}目标。",
    ),
    "opt_meets": ("meets", "达到"),
    "opt_misses": ("does NOT meet", "未达到"),
    "opt_allocations": ("Allocations simulated", "已模拟的配置"),
    "site_title": ("Branch siting: {name}", "分中心选址：{name}"),
    "site_question": (
        "Where to open {k} branch halls for {items} items, so that citizens travel least "
        "(shortest road distance, then checked by simulation): the best plan opens branches "
        "at {towns}{serves}",
        "在哪里设{k}个分中心办理{items}事项，使群众路程最短（先按道路距离最短，再经模拟检验）："
        "最优方案在{towns}设分中心{serves}",
    ),
    "site_serves": ("{town} serves {towns}", "{town}服务{towns}"),
    "site_travel": (
        "Mean round-trip travel per in-person matter {a} min as it is, {b} min with plan "
        "{plan}; the longest 90th-percentile wait at any hall {c} → {d} min.",
        "每件现场办事平均往返路程时间：现状{a}分钟，方案{plan}为{b}分钟；各大厅中最长的第90百分位"
        "等候{c} → {d}分钟。",
    ),
    "site_simulated": (
        "{n} plans simulated, {reps} replications each, seed {seed}; means with 95 % "
        "confidence intervals.",
        "共模拟{n}个方案，每个{reps}次，随机种子{seed}；各项为均值及95%置信区间。",
    ),
    "site_map": (
        "Who serves approval items before and after: branches at {towns}.",
        "优化前后审批事项由谁办理：分中心设在{towns}。",
    ),
    "before": ("before: {name}", "优化前：{name}"),
    "after": ("after: {name}", "优化后：{name}"),
    "site_plans": (
        "Plans simulated (0 = as it is; {legend}). The best, plan {plan}, cuts travel by "
        "{value} min.",
        "已模拟的方案（0 = 现状；{legend}）。最优方案{plan}使路程缩短{value}分钟。",
    ),
    "plans": ("Plans", "方案"),
    "ba_title": ("Before and after, per hall (minutes)", "优化前后各大厅（分钟）"),
    "ba_key": (
        "Key metrics before and after (* = the 95 % interval of the difference excludes 0)",
        "优化前后主要指标（* 表示差值的95%置信区间不含0）",
    ),
    "hall_verdict": (
        "Target {ok}: {metric} {sign} {value} {holds} at every hall with the best plan.",
        "{ok}目标：最优方案下每个大厅{metric} {sign} {value}{holds}。",
    ),
    "met_word": ("met", "达到"),
    "not_met_word": ("NOT met", "未达到"),
    "holds": ("holds", "均成立"),
    "not_holds": ("does not hold", "并非均成立"),
    "col_branch_towns": ("branch towns", "分中心乡镇"),
    "col_catchments": ("catchments", "服务范围"),
    "col_road_km": ("mean road km per visit", "每次平均道路公里"),
    "col_travel_ci": ("travel (min) [95% CI]", "路程（分钟）[95%置信区间]"),
    "col_worst_ci": (
        "worst hall p90 wait (min) [95% CI]",
        "最差大厅第90百分位等候（分钟）[95%置信区间]",
    ),
    "not_simulated": ("not simulated", "未模拟"),
    "col_objective_ci": ("{objective} [95% CI]", "{objective} [95%置信区间]"),
    "col_worst_metric_ci": ("worst {metric} [95% CI]", "最差{metric} [95%置信区间]"),
    "col_meets_target": ("meets target", "达标"),
    "ba_hall": ("hall", "大厅"),
    "ba_county": ("county (all halls)", "全县（所有大厅）"),
    "ba_col": ("{label} {when} (min)", "{when}{label}（分钟）"),
    "ba_mean": ("mean wait", "平均等候"),
    "ba_p90": ("p90 wait", "第90百分位等候"),
    "ba_travel": ("travel", "路程"),
    "ba_before": ("before", "优化前"),
    "ba_after": ("after", "优化后"),
}
"""Key -> (English, Chinese): every fixed text of the reports, figures and console tables."""
