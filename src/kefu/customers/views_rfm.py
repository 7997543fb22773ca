"""The RFM page (客户 RFM 细分): /customers/rfm/ — segment sizes, movement between two snapshots,
and the snapshot's export (CSV, xlsx). Thin: every figure comes from `kefu.customers.rfm`."""

import csv
from datetime import date, timedelta
from io import BytesIO

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from kefu.accounts.views import center_staff_required, role_required, sees_customers
from kefu.core.sheets import XLSX
from kefu.customers import rfm


def _day(params, name: str, dates: list[date], errors: list[str]) -> date | None:
    """A snapshot date from the request, or None (an unknown one is reported, not a 500)."""
    value = (params.get(name) or "").strip()
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        errors.append(_("%(field)s: not a date (YYYY-MM-DD): %(value)s") % {"field": name, "value": value})
        return None
    if day not in dates:
        errors.append(_("%(field)s: there is no RFM snapshot of %(day)s.") % {"field": name, "day": value})
        return None
    return day


def _default_compare(as_of: date, dates: list[date]) -> date | None:
    """The snapshot nearest to a month before `as_of` (among the earlier ones)."""
    earlier = [d for d in dates if d < as_of]
    return min(earlier, key=lambda d: abs((as_of - timedelta(days=30) - d).days)) if earlier else None


def _read(request) -> tuple[list[date], date | None, date | None, list[str]]:
    dates = rfm.snapshot_dates()
    errors: list[str] = []
    as_of = _day(request.GET, "as_of", dates, errors) or (dates[0] if dates else None)
    compare = _day(request.GET, "compare", dates, errors)
    if compare is None and as_of is not None and "compare" not in request.GET:
        compare = _default_compare(as_of, dates)  # none chosen ("—" sends an empty compare)
    if compare == as_of:
        compare = None
    return dates, as_of, compare, errors


def _not_scored() -> str:
    return _("Not scored")


def _movement_table(moves: rfm.Movement) -> dict:
    """The from → to matrix: rows the segments on the earlier date, columns the later; the customers
    scored on one date only in the "not scored" row and column."""
    codes = [*rfm.SEGMENTS, rfm.UNSCORED]
    labels = [rfm.segment_label(c) if c else _not_scored() for c in codes]
    rows = []
    for source, label in zip(codes, labels, strict=True):
        cells = [moves.cell(source, target) for target in codes]
        if source == rfm.UNSCORED and not any(cells):
            continue
        rows.append({"label": label, "cells": cells, "total": sum(cells)})
    return {"labels": labels, "rows": rows}


def _charts(sizes: list[rfm.SegmentSize], moves: rfm.Movement | None) -> dict:
    """The shapes static/reports/charts.js draws: bars of the segment sizes, a heat map of the movement."""
    title = _("Customers by RFM segment")
    charts = {
        "sizes": {
            "kind": "bar",
            "title": title,
            "x": [s.name for s in sizes],
            "x_interval": 0,
            "x_rotate": 40,
            "series": [{"name": _("Customers"), "data": [s.count for s in sizes]}],
        }
    }
    if moves is not None:
        codes = [*rfm.SEGMENTS, rfm.UNSCORED]
        labels = [rfm.segment_label(c) if c else _not_scored() for c in codes]
        data = [
            [x, y, moves.cell(source, target)]
            for y, source in enumerate(codes)
            for x, target in enumerate(codes)
            if moves.cell(source, target)
        ]
        charts["movement"] = {
            "kind": "heatmap",
            "title": _("From the segment on %(first)s (rows) to the segment on %(second)s (columns)")
            % {"first": moves.first.isoformat(), "second": moves.second.isoformat()},
            "x": labels,
            "y": labels,
            "x_interval": 0,
            "y_interval": 0,
            "x_rotate": 30,
            "contain_labels": True,
            "data": data,
            "max": max((cell[2] for cell in data), default=0),
        }
    return charts


rfm_viewer_required = role_required(sees_customers)


@rfm_viewer_required
def rfm_page(request):
    """Segment sizes of a snapshot (each linking to the customer list of that segment), the movement
    from an earlier snapshot as a heat map and a table, and the exports."""
    dates, as_of, compare, errors = _read(request)
    context = {"dates": dates, "as_of": as_of, "compare": compare, "errors": errors}
    if as_of is not None:
        sizes = rfm.segment_sizes(as_of)
        moves = rfm.movement(compare, as_of) if compare else None
        list_url = reverse("customers:list")
        context |= {
            "window_days": rfm.snapshot_window(as_of),
            "sizes": [
                {
                    "size": s,
                    "url": f"{list_url}?{urlencode({'segment': s.code, 'rfm_as_of': as_of.isoformat()})}",
                }
                for s in sizes
            ],
            "total": sum(s.count for s in sizes),
            "moves": moves,
            "matrix": _movement_table(moves) if moves else None,
            "charts": _charts(sizes, moves),
            "query": urlencode(
                {"as_of": as_of.isoformat(), **({"compare": compare.isoformat()} if compare else {})}
            ),
        }
    return render(request, "customers/rfm.html", context, status=400 if errors else 200)


def _export_header() -> list[str]:
    return [
        _("Customer ID"), _("Customer"), _("As of"), _("Window (days)"), _("Days since the last order"),
        _("Orders"), _("Net amount (元)"), "R", "F", "M", _("Segment code"), _("RFM segment"),
    ]  # fmt: skip


def _export_rows(as_of: date):
    for s in rfm.snapshot_rows(as_of).iterator(chunk_size=2000):
        yield [
            s.customer_id, s.customer.name, s.as_of.isoformat(), s.window_days, s.recency_days,
            s.frequency, s.monetary, s.r, s.f, s.m, s.segment, rfm.segment_label(s.segment),
        ]  # fmt: skip


@center_staff_required
def rfm_export(request, fmt: str):
    """The snapshot's scores, one row per customer, as CSV (UTF-8 with BOM, so Excel reads the
    Chinese) or xlsx (with the segment sizes and, given `compare`, the movement as sheets)."""
    dates, as_of, compare, errors = _read(request)
    if errors or as_of is None:
        return HttpResponse(
            "\n".join(errors) or _("There is no RFM snapshot yet."),
            status=400 if errors else 404,
            content_type="text/plain; charset=utf-8",
        )
    name = f"kefu-rfm-{as_of:%Y%m%d}"
    if fmt == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        response.write("\ufeff")
        writer = csv.writer(response)
        writer.writerow(_export_header())
        writer.writerows(_export_rows(as_of))
        return response
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    scores = book.create_sheet(_("RFM scores"))
    scores.append(_export_header())
    for row in _export_rows(as_of):
        scores.append(row)
    sizes = book.create_sheet(_("Segment sizes"))
    sizes.append([_("Segment code"), _("RFM segment"), _("Customers")])
    for s in rfm.segment_sizes(as_of):
        sizes.append([s.code, s.name, s.count])
    if compare:
        matrix = _movement_table(rfm.movement(compare, as_of))
        sheet = book.create_sheet(_("Movement"))
        sheet.append([f"{compare.isoformat()} → {as_of.isoformat()}", *matrix["labels"], _("Total")])
        for row in matrix["rows"]:
            sheet.append([row["label"], *row["cells"], row["total"]])
    out = BytesIO()
    book.save(out)
    response = HttpResponse(out.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response
