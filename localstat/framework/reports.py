"""A burden report written out as text, CSV or JSON (for ``localstat burden``, downloads and the API)."""

from __future__ import annotations

import csv
import io
import json

from localstat.framework.demo.register import ILLUSTRATIVE_NOTE
from localstat.framework.selectors.burden import BurdenPoint, BurdenReport, Row

FORMATS = ("text", "csv", "json")


def _table(title: str, rows: list[Row], *, with_key: bool = False) -> list[str]:
    def name(r: Row) -> str:
        return f"{r.key} {r.label}" if with_key and r.key != r.label else r.label

    width = max([len(name(r)) for r in rows] + [len(title)])
    lines = [f"{title:<{width}}  {'total':>6}  {'PSA-related':>11}  {'not PSA-related':>15}"]
    for r in rows:
        lines.append(f"{name(r):<{width}}  {r.total:>6}  {r.psa_related:>11}  {r.not_psa_related:>15}")
    return lines


def burden_text(report: BurdenReport, points: list[BurdenPoint] | None = None) -> str:
    lines = [f"Burden of external controls on {report.subject}, as of {report.as_of:%-d %B %Y}"]
    if report.illustrative:
        lines.append(ILLUSTRATIVE_NOTE)
    lines += [
        "",
        f"Total controls: {report.total}",
        f"Headline PSA targets: {report.headline}",
        report.ratio_sentence,
        f"PSA-related: {report.psa_related}; not PSA-related: {report.not_psa_related}",
    ]
    if report.units != 1:
        lines.append(f"Units reached: {report.units}")
    lines += ["", *_table("By issuing body", report.by_body, with_key=True)]
    lines += ["", *_table("By kind", report.by_kind)]
    lines += ["", *_table("By what it is about", report.by_focus)]
    lines += [
        "",
        f"Overlaps: {len(report.overlaps)} group(s), {report.overlapping} controls asking for the same "
        "or an equivalent indicator",
    ]
    for overlap in report.overlaps:
        members = ", ".join(f"{c.code} ({c.issuing_body.code})" for c in overlap.controls)
        lines.append(f"  {' ≡ '.join(overlap.indicators)}: {members}")
    if report.self_set:
        lines += ["", f"Not counted: {len(report.self_set)} control(s) the unit set for itself."]
    if points:
        lines += [
            "",
            "Over time (each date the burden changed):",
            f"{'date':<10}  {'total':>6}  {'PSA-related':>11}  {'headline':>8}  {'ratio':>6}",
        ]
        for p in points:
            ratio = "–" if p.ratio is None else f"{p.ratio}×"
            lines.append(
                f"{p.on.isoformat():<10}  {p.total:>6}  {p.psa_related:>11}  {p.headline:>8}  {ratio:>6}"
            )
    return "\n".join(lines) + "\n"


def burden_csv(report: BurdenReport, points: list[BurdenPoint] | None = None) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["section", "key", "label", "total", "psa_related", "not_psa_related"])
    writer.writerow(
        [
            "summary",
            "total_controls",
            report.subject,
            report.total,
            report.psa_related,
            report.not_psa_related,
        ]
    )
    writer.writerow(["summary", "headline_psa_targets", "Headline PSA targets", report.headline, "", ""])
    writer.writerow(
        ["summary", "ratio", report.ratio_sentence, "" if report.ratio is None else report.ratio, "", ""]
    )
    for section, rows in (
        ("issuing_body", report.by_body),
        ("kind", report.by_kind),
        ("focus", report.by_focus),
    ):
        for r in rows:
            writer.writerow([section, r.key, r.label, r.total, r.psa_related, r.not_psa_related])
    for number, overlap in enumerate(report.overlaps, start=1):
        for control in overlap.controls:
            writer.writerow(
                [
                    f"overlap_{number}",
                    control.code,
                    " ≡ ".join(overlap.indicators),
                    1,
                    int(control.psa_id is not None),
                    int(control.psa_id is None),
                ]
            )
    for p in points or []:
        writer.writerow(
            [
                "over_time",
                p.on.isoformat(),
                f"headline {p.headline}",
                p.total,
                p.psa_related,
                p.total - p.psa_related,
            ]
        )
    return out.getvalue()


def burden_json(report: BurdenReport, points: list[BurdenPoint] | None = None) -> str:
    data = report.as_dict()
    if report.illustrative:
        data["note"] = ILLUSTRATIVE_NOTE
    data["over_time"] = [
        {
            "date": p.on.isoformat(),
            "total_controls": p.total,
            "psa_related": p.psa_related,
            "headline_psa_targets": p.headline,
            "ratio": None if p.ratio is None else str(p.ratio),
        }
        for p in points or []
    ]
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def render(report: BurdenReport, points: list[BurdenPoint] | None, fmt: str) -> str:
    return {"text": burden_text, "csv": burden_csv, "json": burden_json}[fmt](report, points)
