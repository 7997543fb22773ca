from django import forms
from django.utils.translation import gettext_lazy as _

from kefu.callcenter.models import Source

FORMATS = [(v, label) for v, label in Source.choices if v != Source.CTI]


class ImportForm(forms.Form):
    file = forms.FileField(label=_("call-log file"))
    fmt = forms.ChoiceField(label=_("format"), choices=FORMATS, initial=Source.QUEUE_LOG)
    mapping = forms.CharField(
        label=_("column mapping (CSV)"),
        required=False,
        max_length=2000,
        help_text=_("field=column, comma-separated, e.g. arrival=开始时间,agent=坐席,outcome=结果"),
    )
    encoding = forms.CharField(label=_("encoding"), initial="auto", max_length=40)
    time_zone = forms.CharField(
        label=_("time zone of times without offset"),
        required=False,
        max_length=60,
        help_text=_("default: the center's"),
    )
    skew_seconds = forms.IntegerField(
        label=_("clock skew tolerated (seconds)"),
        required=False,
        min_value=0,
        max_value=3600,
        help_text=_("an answer or end stamped up to this much too early is corrected; default: 5"),
    )
    update_changed = forms.BooleanField(
        label=_("update calls whose lines changed"),
        required=False,
        help_text=_("otherwise a call already imported under the same id is kept and counted as changed"),
    )
    # The service names these fields by its keyword arguments.
    service_fields = {"format": "fmt", "map": "mapping", "timezone": "time_zone"}
