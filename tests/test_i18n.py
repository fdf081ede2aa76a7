"""Reports in Chinese and English (issue 16): every label defined once, in both languages;
a Chinese report, its figures and the console in Chinese; re-rendering a folder in the other
language leaves its tables as they were."""

from __future__ import annotations

import re
import subprocess
import warnings
from pathlib import Path

import matplotlib
import pytest
from matplotlib.figure import Figure
from typer.testing import CliRunner

import sim
from sim import plots
from sim.cli import app
from sim.experiment import sweep
from sim.i18n import STRINGS, t
from sim.metrics import ENFORCEMENT_METRICS, KEY_METRICS, LABELS, METRICS, UNITS
from sim.report import write_report
from tests.test_report import chromium  # noqa: F401 - the fixture

runner = CliRunner()
CJK = re.compile(r"[\u4e00-\u9fff]")


def test_every_metric_has_an_english_and_a_chinese_label_with_its_unit() -> None:
    assert set(LABELS) == set(METRICS)
    for name, metric in METRICS.items():
        en, zh = metric.label("en"), metric.label("zh")
        assert en and zh and en != zh, name
        assert any("\u4e00" <= ch <= "\u9fff" for ch in zh), name  # written in Chinese
        unit_en, unit_zh = UNITS[metric.unit]
        assert en.endswith(f"({unit_en})") if unit_en else "(" not in en, name
        assert zh.endswith(f"({unit_zh})") if unit_zh else True, name
    assert METRICS["wait_min_p90"].label("zh") == "等候时间第90百分位(分钟)"


def test_every_text_has_a_chinese_version_with_the_same_values() -> None:
    for key, (en, zh) in STRINGS.items():
        assert en.strip() or not zh.strip(), key
        words = re.sub(r"{[^}]*}", "", zh)  # without placeholders
        assert CJK.search(words) or not re.search(r"[A-Za-z]{2,}", words.replace("Debian", "")), key
        # the same values (a metric's name in English may be its label in Chinese)
        en_values, zh_values = (set(re.findall(r"{(\w+)", x)) for x in (en, zh))
        assert zh_values - {"label"} <= en_values, key
    assert t("summary", "zh") == "摘要" and t("summary") == "Summary"


def _figures(pair, lang: str) -> dict[str, Figure]:
    results = {r.scenario.name: r for r in pair.results}
    first = pair.results[0]
    grid = {"halls[0].windows[0].count": [1, 3]}
    table = sweep(first.scenario, grid, replications=2, executor="serial").table
    return {
        "map": plots.county_map({n: r.scenario for n, r in results.items()}, lang=lang),
        "travel": plots.travel(results, lang=lang),
        "trips": plots.trips(results, lang=lang),
        "daily": plots.daily(results, lang=lang),
        "waiting": plots.waiting(first, lang=lang),
        "queue": plots.queue_by_hour(first, lang=lang),
        "utilisation": plots.utilisation_heatmap(first, lang=lang),
        "enforcement": plots.enforcement(results, lang=lang),
        "comparison": plots.comparison(pair.table, KEY_METRICS + ENFORCEMENT_METRICS, lang),
        "sweep": plots.sweep_lines(
            table, list(grid), "wait_min_mean", target=5, scenario=first.scenario, lang=lang
        ),
    }


def _labels(fig: Figure) -> list[str]:
    """Titles, axis labels, legend titles and entries, colour bar labels: the figure's
    words (tick labels are numbers or names from the scenario)."""
    texts = []
    for ax in fig.axes:
        texts += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()]
        texts += [a.get_text() for a in ax.texts]
        legend = ax.get_legend()
        if legend is not None:
            texts += [legend.get_title().get_text(), *(x.get_text() for x in legend.texts)]
    for legend in fig.legends:
        texts += [x.get_text() for x in legend.texts]
    return [x for x in texts if x.strip()]


def _names(pair) -> set[str]:
    """Words of the names a scenario gives (halls, towns, teams, scenarios): kept as written."""
    words = set()
    for r in pair.results:
        s = r.scenario
        names = [s.name, *(h.name for h in s.halls), *(t.name for t in s.geography.towns)]
        names += [t.name for t in s.enforcement.teams] if s.enforcement else []
        names += [x.department for x in s.services]
        for name in names:
            words |= {w.lower() for w in re.findall(r"[A-Za-z]+", name)}
    return words


def _words(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"[A-Za-z]{3,}", text)}


def test_chinese_figures_have_no_english_words_and_no_missing_glyphs(pair) -> None:
    if plots.cjk_font() is None:
        pytest.skip("no CJK font installed (Debian: fonts-noto-cjk): Chinese cannot render")
    names = _names(pair)
    en, zh = _figures(pair, "en"), _figures(pair, "zh")
    for key, fig in zh.items():
        english = set().union(*map(_words, _labels(en[key]))) - names
        assert english, key  # the English figure has words to translate
        for text in _labels(fig):
            left = _words(text) & english
            assert not left, (key, text, left)
        for text in (ax.get_title() for ax in fig.axes if ax.get_title()):
            assert CJK.search(text) or text in {r.scenario.name for r in pair.results}, (key, text)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with matplotlib.rc_context(plots._style()):
                fig.canvas.draw()
        glyphs = [str(w.message) for w in caught if "missing from font" in str(w.message)]
        assert not glyphs, (key, glyphs)


def test_chinese_report_of_a_comparison(tmp_path: Path, pair) -> None:
    folder = sim.save(pair, tmp_path / "cmp")
    page = write_report(folder, lang="zh").read_text(encoding="utf-8")
    md = (folder / "report.md").read_text(encoding="utf-8")
    assert "<html lang='zh-CN'>" in page
    headings = re.findall(r"<h[123][^>]*>(.*?)</h[123]>", page)
    assert headings[1:4] == ["摘要", "主要发现", "未纳入模型"]  # the summary comes first
    assert all(CJK.search(h) for h in headings), headings
    assert "## 摘要" in md and md.index("## 摘要") < md.index("## 图表")
    captions = re.findall(r"<figcaption>(.*?)</figcaption>", page)
    assert len(captions) == len(list((folder / "figures").glob("*.png")))
    for caption in captions:
        assert CJK.search(caption) and not re.search(r"\b(the|with|at|of|in)\b", caption), caption
    findings = re.search(r"主要发现</h3>\s*<ul>(.*?)</ul>", page, re.S).group(1)
    assert findings.count("<li>") >= 2 and "95%置信区间" in findings  # numbers from results
    assert "<th>指标</th>" in page and METRICS["wait_min_p90"].label("zh") in page

    english = write_report(folder).read_text(encoding="utf-8")  # the English one, as before
    assert "<html lang='en'>" in english
    assert re.findall(r"<h2>(.*?)</h2>", english)[0] == "Summary"
    for metric in KEY_METRICS:
        assert f"<td>{metric}</td>" in english
    assert not CJK.search(re.sub(r"<style>.*?</style>", "", english, flags=re.S))


def test_report_dir_lang_zh_rewrites_only_the_report(tmp_path: Path, county_file: Path) -> None:
    out = tmp_path / "run"
    args = ["run", str(county_file), "-r", "2", "--days", "3", "--executor", "serial"]
    result = runner.invoke(app, [*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "<html lang='en'>" in (out / "report.html").read_text(encoding="utf-8")

    def tables() -> dict[str, bytes]:
        return {
            str(p.relative_to(out)): p.read_bytes()
            for p in out.rglob("*")
            if p.is_file() and p.parts[len(out.parts)] != "figures" and p.stem != "report"
        }

    before = tables()
    assert "summary.csv" in before and "manifest.json" in before
    result = runner.invoke(app, ["report", str(out), "--lang", "zh"])
    assert result.exit_code == 0, result.output
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "<html lang='zh-CN'>" in page and "<h2>摘要</h2>" in page and "<h2>图表</h2>" in page
    assert "<h2>主要指标</h2>" in page and "# 摘要" in (out / "report.md").read_text("utf-8")
    assert tables() == before  # summary.csv and the rest byte for byte
    bad = runner.invoke(app, ["report", str(out), "--lang", "fr"])
    assert bad.exit_code == 2 and "--lang" in bad.output


def test_console_tables_in_chinese_and_the_scenarios_report_lang(
    tmp_path: Path, county_data: dict
) -> None:
    import yaml

    county_data["report"] = {"lang": "zh", "not_modelled": ["夜市周末的需求"]}
    path = tmp_path / "county.yaml"
    path.write_text(yaml.safe_dump(county_data, allow_unicode=True), encoding="utf-8")
    out = tmp_path / "run"
    args = ["run", str(path), "-r", "2", "--days", "3", "--executor", "serial", "--out", str(out)]
    result = runner.invoke(app, args)  # no --lang: the scenario's report.lang
    assert result.exit_code == 0, result.output
    for heading in ("主要指标", "各大厅（均值）", "指标", "均值", "95%置信区间", "窗口数"):
        assert heading in result.output, heading
    assert "key metrics" not in result.output and "per hall" not in result.output
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "<html lang='zh-CN'>" in page and "<li>夜市周末的需求</li>" in page
    english = runner.invoke(app, [*args[:-2], "--out", str(tmp_path / "en"), "--lang", "en"])
    assert english.exit_code == 0 and "key metrics" in english.output
    assert "主要指标" not in english.output


def test_chinese_report_in_chromium(chromium: str, tmp_path: Path, pair) -> None:  # noqa: F811
    """Headless Chromium shows the Chinese headings as text, and draws them."""
    folder = sim.save(pair, tmp_path / "cmp")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph in a figure fails here
        page = write_report(folder, lang="zh")
    flags = [
        chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}", "--hide-scrollbars",
    ]  # fmt: skip
    dom = subprocess.run(
        [*flags, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120,
        check=True,
    ).stdout  # fmt: skip
    for heading in ("摘要", "主要发现", "未纳入模型", "图表"):
        assert re.search(rf"<h[23]>{heading}</h[23]>", dom), heading
    shot = folder / "report-zh.png"
    subprocess.run(
        [*flags, "--window-size=1200,1600", f"--screenshot={shot}", page.as_uri()],
        capture_output=True, timeout=120, check=True,
    )  # fmt: skip
    assert shot.stat().st_size > 20_000
