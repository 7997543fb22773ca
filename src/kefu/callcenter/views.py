"""Call-log import for supervisors (calls:import): the same service as `kefu import-calls`."""

import tempfile
from pathlib import Path

from django.shortcuts import render

from kefu.accounts.forms import report_domain_error
from kefu.accounts.views import is_lead, role_required
from kefu.callcenter.forms import ImportForm
from kefu.callcenter.imports import import_calls
from kefu.callcenter.models import ImportRun
from kefu.core.errors import DomainError

SHOWN_ERRORS = 200


@role_required(is_lead)
def import_page(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    run, errors, status = None, [], 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            upload = form.cleaned_data["file"]
            with tempfile.TemporaryDirectory(prefix="kefu-calls-") as folder:
                path = Path(folder) / "upload"
                with path.open("wb") as out:
                    for chunk in upload.chunks():
                        out.write(chunk)
                try:
                    run = import_calls(
                        path=path,
                        fmt=form.cleaned_data["fmt"],
                        by=request.user,
                        mapping=form.cleaned_data["mapping"],
                        encoding=form.cleaned_data["encoding"] or "auto",
                        time_zone=form.cleaned_data["time_zone"] or None,
                        file_name=upload.name,
                        skew_seconds=form.cleaned_data["skew_seconds"],
                        update_changed=form.cleaned_data["update_changed"],
                    )
                except DomainError as exc:
                    report_domain_error(request, exc, form)
                else:
                    errors, status = run.parsed_errors[:SHOWN_ERRORS], 200
                    form = ImportForm(initial={"fmt": form.cleaned_data["fmt"]})
    runs = ImportRun.objects.select_related("by").order_by("-started_at")[:20]
    context = {"form": form, "run": run, "errors": errors, "runs": runs, "shown_errors": SHOWN_ERRORS}
    return render(request, "callcenter/import.html", context, status=status)
