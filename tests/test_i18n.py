"""Reports in Chinese and English (issue 16): every label defined once, in both languages."""

from __future__ import annotations

from sim.metrics import LABELS, METRICS, UNITS


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
