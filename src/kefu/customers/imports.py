"""Importing orders and payments from business systems' files (订单/回款导入): xlsx or CSV.

A file's columns are mapped to Kefu's fields (`FIELDS`) by a mapping saved per source and kind
(ImportMapping), so the next file from the same system needs none typed again; without one, the
usual column names (订单号, 金额, 手机 …) are recognised. Lines are read in batches: each batch is one
transaction, the job's counts are saved after it (the page polls them). Idempotent by (source,
external id) like the call-log import: a line already stored is counted, a line stored with other
values under the same id is reported as changed and left as it was. A refused line (bad date, bad
amount, unknown customer, a missing cell) is reported with its line number and field; the good
lines are imported all the same. A batch's new orders earn their points (loyalty card) in the
same transaction, as one batch (`points_earn_for_orders`).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu.core.errors import DomainError, PermissionDenied, ValidationError
from kefu.core.tasks import run_later
from kefu.core.textfile import decode
from kefu.customers.loyalty.services import points_earn_for_orders
from kefu.customers.models import (
    Customer,
    ImportJob,
    ImportKind,
    ImportMapping,
    Order,
    OrderKind,
    Payment,
)
from kefu.customers.orders import order_record, parse_amount
from kefu.customers.phones import phone_key
from kefu.customers.selectors import customer_ids_by_keys

BATCH = 1000  # lines per transaction; the job's counts are saved after each
MAX_LISTED = 1000  # refused or changed lines kept on the job (the counts are always exact)
MAX_BYTES = 50 * 1024 * 1024

# Kefu's fields per kind: (name, label, required). One of the customer fields is required too.
CUSTOMER_FIELDS = ("customer_id", "customer_phone", "customer_email")
FIELDS = {
    ImportKind.ORDERS: [
        ("external_id", gettext_lazy("Order number"), True),
        ("amount", gettext_lazy("Amount (元)"), True),
        ("placed_at", gettext_lazy("Placed at"), True),
        ("customer_id", gettext_lazy("Customer number (Kefu)"), False),
        ("customer_phone", gettext_lazy("Customer phone"), False),
        ("customer_email", gettext_lazy("Customer email"), False),
        ("kind", gettext_lazy("Kind (order / refund)"), False),
        ("refund_of", gettext_lazy("Refunded order number"), False),
        ("description", gettext_lazy("Description"), False),
    ],
    ImportKind.PAYMENTS: [
        ("external_id", gettext_lazy("Payment number"), True),
        ("amount", gettext_lazy("Amount (元)"), True),
        ("paid_at", gettext_lazy("Paid at"), True),
        ("customer_id", gettext_lazy("Customer number (Kefu)"), False),
        ("customer_phone", gettext_lazy("Customer phone"), False),
        ("customer_email", gettext_lazy("Customer email"), False),
        ("method", gettext_lazy("Method"), False),
        ("order", gettext_lazy("Order number paid"), False),
    ],
}
# Column names business systems commonly use, recognised when a source has no saved mapping.
ALIASES = {
    "external_id": {
        "订单号",
        "订单编号",
        "单号",
        "order",
        "order_no",
        "order id",
        "回款单号",
        "流水号",
        "payment id",
    },
    "amount": {"金额", "订单金额", "实付金额", "回款金额", "amount", "total"},
    "placed_at": {"下单时间", "订单日期", "日期", "date", "placed at", "order date"},
    "paid_at": {"付款时间", "回款日期", "到账日期", "日期", "date", "paid at"},
    "customer_id": {"客户编号", "客户id", "customer", "customer id"},
    "customer_phone": {"手机", "手机号", "电话", "联系电话", "phone", "mobile"},
    "customer_email": {"邮箱", "电子邮箱", "email", "e-mail"},
    "kind": {"类型", "kind", "type"},
    "refund_of": {"原订单号", "退款订单", "refund of"},
    "description": {"说明", "商品", "备注", "description"},
    "method": {"付款方式", "支付方式", "method"},
}
KIND_WORDS = {
    "": "",
    "order": OrderKind.ORDER,
    "订单": OrderKind.ORDER,
    "refund": OrderKind.REFUND,
    "退款": OrderKind.REFUND,
}
DATE = re.compile(
    r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]+(\d{1,2})[:：](\d{1,2})(?:[:：](\d{1,2})(?:\.\d+)?)?)?$"
)


def may_import(user) -> bool:
    return user is None or user.is_superuser or user.is_lead


# --- reading a file ----------------------------------------------------------------------------


@dataclass
class Table:
    header: list[str]
    lines: list[tuple[int, list[str]]]  # (line number in the file, cells), empty lines left out


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_table(data: bytes, file_name: str) -> Table:
    """The header and lines of an xlsx (its first sheet) or CSV file (UTF-8 or GBK, the call
    import's reading); a field error on `file` when it is neither."""
    if data[:2] == b"PK":  # xlsx is a zip
        from openpyxl import load_workbook

        try:
            sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
        except Exception as exc:  # openpyxl raises many kinds for a broken file
            raise ValidationError.for_field(
                "file",
                _("%(name)s is not an xlsx file Kefu can read: %(err)s") % {"name": file_name, "err": exc},
            ) from None
        rows = [(n, [_cell(v) for v in row]) for n, row in enumerate(sheet.iter_rows(values_only=True), 1)]
    else:
        text = decode(data)
        try:
            rows = []
            reader = csv.reader(io.StringIO(text, newline=""))
            for cells in reader:
                rows.append((reader.line_num, [c.strip() for c in cells]))
        except csv.Error as exc:
            raise ValidationError.for_field(
                "file", _("%(name)s is not a CSV file: %(err)s") % {"name": file_name, "err": exc}
            ) from None
    rows = [(n, cells) for n, cells in rows if any(cells)]
    if not rows:
        raise ValidationError.for_field("file", _("%(name)s is empty.") % {"name": file_name})
    (_n, header), *lines = rows
    return Table(header=[h.strip() for h in header], lines=lines)


def field_names(kind: str) -> list[str]:
    return [name for name, _label, _req in FIELDS[kind]]


def mapping_for(*, source: str, kind: str, header: list[str], columns: dict | None = None) -> dict[str, int]:
    """field → column index. `columns` (file column → field) as given, else the source's saved
    mapping, else the usual names. Refuses (naming the field `columns`) a column the file lacks, an
    unknown field, a field mapped twice, a required field not mapped, and no customer field."""
    if columns is None:
        saved = ImportMapping.objects.filter(source=source, kind=kind).first()
        columns = saved.columns if saved else None
    names = field_names(kind)
    index = {h: i for i, h in enumerate(header)}
    problems = []
    if columns is None:
        lowered = {h.lower(): i for i, h in enumerate(header)}
        found = {}
        for name in names:
            for alias in (name, *ALIASES.get(name, ())):
                if alias.lower() in lowered and lowered[alias.lower()] not in found.values():
                    found[name] = lowered[alias.lower()]
                    break
    else:
        found = {}
        for column, name in columns.items():
            if not name:
                continue
            if name not in names:
                problems.append(_("unknown field “%(field)s”") % {"field": name})
            elif column not in index:
                problems.append(_("the file has no column “%(column)s”") % {"column": column})
            elif name in found:
                problems.append(_("“%(field)s” is mapped twice") % {"field": name})
            else:
                found[name] = index[column]
    labels = {name: label for name, label, _req in FIELDS[kind]}
    for name, _label, required in FIELDS[kind]:
        if required and name not in found:
            problems.append(_("no column for “%(field)s”") % {"field": labels[name]})
    if not any(name in found for name in CUSTOMER_FIELDS):
        problems.append(_("no column naming the customer (number, phone or email)"))
    if problems:
        raise ValidationError.for_field(
            "columns",
            _("The columns do not fit (found: %(header)s): %(problems)s.")
            % {"header": ", ".join(header) or "—", "problems": "; ".join(problems)},
        )
    return found


def parse_time(raw: str) -> datetime:
    """A date or date-time in the configured zone ("2026-03-01", "2026/3/1 10:20", "2026年3月1日"),
    or one with an offset; ValueError otherwise, or outside 2000–2099."""
    raw = raw.strip()
    match = DATE.match(raw)
    if match:
        year, month, day, hour, minute, second = (int(g or 0) for g in match.groups())
        value = datetime(year, month, day, hour, minute, second, tzinfo=timezone.get_default_timezone())
    else:
        value = datetime.fromisoformat(raw)
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.get_default_timezone())
    if not datetime(2000, 1, 1, tzinfo=UTC) <= value < datetime(2100, 1, 1, tzinfo=UTC):
        raise ValueError("out of range")
    return value


# --- the job -------------------------------------------------------------------------------------


@dataclass
class Line:
    no: int
    values: dict[str, str]
    customer_id: int | None = None
    amount: Decimal | None = None
    at: datetime | None = None
    kind: str = OrderKind.ORDER


@dataclass
class Tally:
    imported: int = 0
    duplicates: int = 0
    changed: int = 0
    refused: int = 0
    notes: list[dict] = field(default_factory=list)

    def note(self, line: int, field_name: str, message: str, *, changed: bool = False) -> None:
        if changed:
            self.changed += 1
        else:
            self.refused += 1
        self.notes.append({"line": line, "field": field_name, "message": str(message), "changed": changed})


@transaction.atomic
def import_job_start(
    *,
    source: str,
    kind: str,
    file_name: str,
    data: bytes,
    columns: dict | None = None,
    by=None,
    queue: bool = True,
) -> ImportJob:
    """Keep an uploaded file as an import job and queue it for the worker (`import_job_run`).

    Refuses staff who are not supervisors or managers, an unknown kind, a missing source, an
    empty or oversized file, and a file whose columns do not fit the mapping — before anything is
    queued, so the person sees it at once. `queue`: False when the caller runs the job itself
    (`kefu import-orders`).
    """
    if not may_import(by):
        raise PermissionDenied(_("Only supervisors and managers import orders and payments."))
    if kind not in ImportKind.values:
        raise ValidationError.for_field("kind", _("Use orders or payments."))
    source = (source or "").strip()
    if not source or len(source) > 40:
        raise ValidationError.for_field("source", _("Give the source system (up to 40 characters)."))
    if not data:
        raise ValidationError.for_field("file", _("Choose a file."))
    if len(data) > MAX_BYTES:
        raise ValidationError.for_field("file", _("The file is larger than 50 MB; split it."))
    table = read_table(data, file_name)
    mapping_for(source=source, kind=kind, header=table.header, columns=columns)
    job = ImportJob.objects.create(
        source=source,
        kind=kind,
        file_name=file_name[:300],
        data=data,
        columns=columns or {},
        lines=len(table.lines),
        by=by,
    )
    if queue:
        run_later(import_job_run, job_id=job.pk)
    return job


def import_job_run(*, job_id: int) -> ImportJob | None:
    """Read a queued (or interrupted) job's file batch by batch (the worker's task). Safe to run
    twice: a second run finds the lines stored and counts them as already present."""
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None or job.status == ImportJob.Status.DONE:
        return job
    job.status, job.done_lines = ImportJob.Status.RUNNING, 0
    job.imported = job.duplicates = job.changed = job.error_count = 0
    job.errors, job.failure = [], ""
    job.save(
        update_fields=[
            "status",
            "done_lines",
            "imported",
            "duplicates",
            "changed",
            "error_count",
            "errors",
            "failure",
        ]
    )
    try:
        table = read_table(bytes(job.data), job.file_name)
        mapping = mapping_for(
            source=job.source, kind=job.kind, header=table.header, columns=job.columns or None
        )
    except DomainError as exc:
        job.status, job.failure, job.finished_at = ImportJob.Status.FAILED, _failure(exc), timezone.now()
        job.save(update_fields=["status", "failure", "finished_at"])
        return job
    job.lines = len(table.lines)
    store = _store_orders if job.kind == ImportKind.ORDERS else _store_payments
    seen: dict[str, tuple] = {}
    for start in range(0, len(table.lines), BATCH):
        tally = Tally()
        with transaction.atomic():
            store(
                job.source, _lines(table.lines[start : start + BATCH], mapping, job.kind, tally), tally, seen
            )
        job.done_lines = min(start + BATCH, len(table.lines))
        job.imported += tally.imported
        job.duplicates += tally.duplicates
        job.changed += tally.changed
        job.error_count += tally.refused
        room = MAX_LISTED - len(job.errors)
        job.errors = [*job.errors, *sorted(tally.notes, key=lambda n: n["line"])[: max(room, 0)]]
        job.save(
            update_fields=[
                "lines",
                "done_lines",
                "imported",
                "duplicates",
                "changed",
                "error_count",
                "errors",
            ]
        )
    header = table.header
    ImportMapping.objects.update_or_create(
        source=job.source,
        kind=job.kind,
        defaults={"columns": {header[i]: name for name, i in mapping.items()}},
    )
    job.status, job.finished_at, job.data = ImportJob.Status.DONE, timezone.now(), b""
    job.save(update_fields=["status", "finished_at", "data"])
    return job


def _failure(exc: DomainError) -> str:
    errors = getattr(exc, "errors", None) or {}
    return "; ".join(str(m) for messages in errors.values() for m in messages) or str(exc.message)


def _lines(raw: list[tuple[int, list[str]]], mapping: dict[str, int], kind: str, tally: Tally) -> list[Line]:
    """The batch's lines with their values checked and their customers found; refused ones noted."""
    width = max(mapping.values()) + 1
    at_field = "placed_at" if kind == ImportKind.ORDERS else "paid_at"
    lines: list[Line] = []
    for no, cells in raw:
        if len(cells) < width:
            tally.note(
                no, "columns", _("%(n)s cells where %(m)s are needed.") % {"n": len(cells), "m": width}
            )
            continue
        values = {name: cells[i].strip() for name, i in mapping.items()}
        line = Line(no, values)
        problems = []
        if not values["external_id"]:
            problems.append(("external_id", _("empty")))
        elif len(values["external_id"]) > 64:
            problems.append(("external_id", _("longer than 64 characters")))
        try:
            line.amount = parse_amount(values["amount"])
        except ValidationError as exc:
            problems.append(("amount", exc.errors["amount"][0]))
        try:
            line.at = parse_time(values[at_field])
        except ValueError:
            problems.append(
                (
                    at_field,
                    _("“%(value)s” is not a date (2026-03-01 or 2026-03-01 14:30).")
                    % {"value": values[at_field][:40]},
                )
            )
        if kind == ImportKind.ORDERS:
            word = values.get("kind", "").lower()
            if word not in KIND_WORDS:
                problems.append(
                    (
                        "kind",
                        _("“%(value)s”: use order/订单 or refund/退款.") % {"value": values["kind"][:20]},
                    )
                )
            else:
                line.kind = KIND_WORDS[word] or (
                    OrderKind.REFUND if line.amount is not None and line.amount < 0 else OrderKind.ORDER
                )
                if line.kind == OrderKind.ORDER and line.amount is not None and line.amount <= 0:
                    problems.append(("amount", _("an order's amount is more than 0")))
                if line.kind == OrderKind.REFUND and not values.get("refund_of"):
                    problems.append(("refund_of", _("a refund names the order it reverses")))
        elif line.amount == 0:
            problems.append(("amount", _("a payment needs an amount")))
        for name, message in problems:
            tally.note(no, name, message)
        if not problems:
            lines.append(line)
    _find_customers(lines, tally)
    return [line for line in lines if line.customer_id is not None]


def _find_customers(lines: list[Line], tally: Tally) -> None:
    ids, phones, emails = set(), set(), set()
    for line in lines:
        raw_id = line.values.get("customer_id", "")
        if raw_id.isdigit():
            ids.add(int(raw_id))
        if line.values.get("customer_phone"):
            phones.add(phone_key(line.values["customer_phone"]))
        if line.values.get("customer_email"):
            emails.add(line.values["customer_email"].lower())
    known, by_phone, by_email = customer_ids_by_keys(ids=ids, phones=phones - {""}, emails=emails)
    for line in lines:
        raw_id, phone = line.values.get("customer_id", ""), line.values.get("customer_phone", "")
        email = line.values.get("customer_email", "").lower()
        if raw_id:
            line.customer_id = int(raw_id) if raw_id.isdigit() and int(raw_id) in known else None
            if line.customer_id is None:
                tally.note(line.no, "customer_id", _("no customer number %(value)s") % {"value": raw_id[:20]})
            continue
        line.customer_id = by_phone.get(phone_key(phone)) if phone else None
        if line.customer_id is None and email:
            line.customer_id = by_email.get(email)
        if line.customer_id is None:
            if phone or email:
                tally.note(
                    line.no,
                    "customer_phone" if phone else "customer_email",
                    _("no customer with %(value)s") % {"value": (phone or email)[:60]},
                )
            else:
                tally.note(line.no, "customer_phone", _("no phone, email or customer number"))


def _compare(line: Line, stored: tuple, what: tuple, tally: Tally) -> None:
    """Count a line whose number is known: stored (or read earlier in the file) with the same values it is
    a duplicate; with other values it is reported as changed and left as it was."""
    if stored == what:
        tally.duplicates += 1
        return
    differences = [
        f"{label}: {old} → {new}"
        for label, old, new in zip(
            (_("customer"), _("amount"), _("date"), _("kind")), stored, what, strict=False
        )
        if old != new
    ]
    tally.note(
        line.no,
        "external_id",
        _("%(id)s was imported before with other values (%(diff)s); kept as it was.")
        % {"id": line.values["external_id"], "diff": ", ".join(differences)},
        changed=True,
    )


def _signature(customer_id: int, amount: Decimal, at: datetime, kind: str = "") -> tuple:
    return (customer_id, f"{amount:.2f}", at.astimezone(UTC).replace(microsecond=0).isoformat(), kind)


def _store_orders(source: str, lines: list[Line], tally: Tally, seen: dict) -> None:
    ids = [line.values["external_id"] for line in lines]
    stored = {
        o.external_id: _signature(o.customer_id, o.amount, o.placed_at, o.kind)
        for o in Order.objects.filter(source=source, external_id__in=ids)
    }
    new, refunds = [], []
    for line in lines:
        ext = line.values["external_id"]
        what = _signature(
            line.customer_id,
            abs(line.amount) if line.kind == OrderKind.ORDER else -abs(line.amount),
            line.at,
            line.kind,
        )
        known = stored.get(ext) or seen.get(ext)
        if known is not None:
            _compare(line, known, what, tally)
            continue
        seen[ext] = what
        if line.kind == OrderKind.REFUND:
            refunds.append(line)
        else:
            new.append(
                Order(
                    customer_id=line.customer_id,
                    source=source,
                    external_id=ext,
                    kind=OrderKind.ORDER,
                    amount=line.amount,
                    placed_at=line.at,
                    description=line.values.get("description", "")[:300],
                )
            )
    Order.objects.bulk_create(new, ignore_conflicts=True)  # sends no post_save: the batch earns below
    tally.imported += len(new)
    if new:
        stored_ids = Order.objects.filter(
            source=source, external_id__in=[o.external_id for o in new]
        ).values_list("id", flat=True)
        points_earn_for_orders(order_ids=list(stored_ids))
    customers = {c.pk: c for c in Customer.objects.filter(pk__in={line.customer_id for line in refunds})}
    for line in refunds:  # few; each checked against what is left of its order, by the one service
        try:
            with transaction.atomic():
                order_record(
                    customer=customers[line.customer_id],
                    source=source,
                    external_id=line.values["external_id"],
                    amount=line.amount,
                    placed_at=line.at,
                    kind=OrderKind.REFUND,
                    refund_of=line.values["refund_of"],
                    description=line.values.get("description", ""),
                )
        except ValidationError as exc:
            seen.pop(line.values["external_id"], None)
            for name, messages in exc.errors.items():
                tally.note(line.no, name, messages[0])
        else:
            tally.imported += 1


def _store_payments(source: str, lines: list[Line], tally: Tally, seen: dict) -> None:
    ids = [line.values["external_id"] for line in lines]
    stored = {
        p.external_id: _signature(p.customer_id, p.amount, p.paid_at)
        for p in Payment.objects.filter(source=source, external_id__in=ids)
    }
    wanted = {line.values["order"] for line in lines if line.values.get("order")}
    orders = {
        (o.external_id, o.customer_id): o.pk
        for o in Order.objects.filter(source=source, external_id__in=wanted).only(
            "pk", "external_id", "customer_id"
        )
    }
    new = []
    for line in lines:
        ext = line.values["external_id"]
        what = _signature(line.customer_id, line.amount, line.at)
        known = stored.get(ext) or seen.get(ext)
        if known is not None:
            _compare(line, known, what, tally)
            continue
        order_id = None
        if line.values.get("order"):
            order_id = orders.get((line.values["order"], line.customer_id))
            if order_id is None:
                tally.note(
                    line.no,
                    "order",
                    _("no order %(id)s of this customer") % {"id": line.values["order"][:64]},
                )
                continue
        seen[ext] = what
        new.append(
            Payment(
                customer_id=line.customer_id,
                source=source,
                external_id=ext,
                order_id=order_id,
                amount=line.amount,
                paid_at=line.at,
                method=line.values.get("method", "")[:40],
            )
        )
    Payment.objects.bulk_create(new, ignore_conflicts=True)
    tally.imported += len(new)


def import_jobs_resume(*, older_than_minutes: int = 10) -> int:
    """The sweep: queue again the jobs left queued or running (a worker that stopped, a queue that
    could not take the job); safe because a run adds nothing twice."""
    cutoff = timezone.now() - timedelta(minutes=older_than_minutes)
    stuck = list(
        ImportJob.objects.filter(
            status__in=[ImportJob.Status.QUEUED, ImportJob.Status.RUNNING], created_at__lt=cutoff
        ).values_list("pk", flat=True)
    )
    for pk in stuck:
        import_job_run(job_id=pk)
    return len(stuck)
