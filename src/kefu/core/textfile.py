"""Reading the text of files people export from Chinese office systems (call logs, orders, payments)."""

from django.utils.translation import gettext as _

from kefu.core.errors import ValidationError


def decode(data: bytes, encoding: str = "auto") -> str:
    """The file's text. `auto`: UTF-8 (with or without BOM), else GB18030 (which reads GBK and GB2312)."""
    if encoding != "auto":
        try:
            return data.decode(encoding)
        except (LookupError, UnicodeDecodeError) as exc:
            raise ValidationError.for_field(
                "encoding", _("The file is not %(enc)s: %(err)s") % {"enc": encoding, "err": exc}
            ) from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise ValidationError.for_field(
            "encoding", _("The file is neither UTF-8 nor GBK/GB18030; give --encoding.")
        ) from exc
