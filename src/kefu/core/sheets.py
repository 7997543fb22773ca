"""Workbooks handed to people (openpyxl): the content type, a download response, and text cells a
spreadsheet will not run as formulas. One place for what every xlsx export shares."""

from django.http import HttpResponse

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def sheet_text(value):
    """A cell's value; text a spreadsheet would run as a formula (an agent named "=1+1") kept as text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    """A workbook as a download named `filename`."""
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
