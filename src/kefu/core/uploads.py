"""What a file really is, read from its first bytes, and whether Kefu accepts it.

The name and the browser's Content-Type are the sender's word: `setup.exe` renamed `invoice.pdf`
arrives as application/pdf. So the kind is read from the content with `filetype` (pure Python,
no libmagic to install on slim images, one deterministic signature table — an .exe is named an
.exe, where puremagic 1.x ranks several guesses); text has no signature and is recognised as bytes
without NULs that decode as UTF-8 or GB18030 — and, having no signature, is accepted only under a
text file's name (.txt, .csv, …), so a script (.sh, .bat, .html) is not let in as "text". Refusals name the file, what it really is and the
kinds that may be uploaded, in plain words (docs/operations.md, Uploads).
"""

from dataclasses import dataclass

import filetype
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu.core.errors import ValidationError

HEAD_BYTES = 8192  # what filetype reads; enough for the Office formats' zip directory entries

IMAGES = {"jpg", "png", "gif", "webp", "tif", "bmp", "heic", "avif", "apng"}
DOCUMENTS = {"pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "odt", "ods", "odp", "rtf"}
AUDIO = {"mp3", "m4a", "wav", "amr", "aac", "ogg", "flac"}
VIDEO = {"mp4", "mov", "3gp", "avi", "wmv", "mkv", "webm", "mpg", "m4v"}
ARCHIVES = {"zip"}
ACCEPTED = IMAGES | DOCUMENTS | AUDIO | VIDEO | ARCHIVES
PROGRAMS = {"exe", "elf", "deb", "rpm", "crx", "wasm", "swf", "cab", "nes"}
TEXT_NAMES = {"txt", "csv", "log", "md"}

ALLOWED_KINDS = gettext_lazy(
    "You can upload pictures, PDF, Office documents (Word, Excel, PowerPoint), text files, audio, "
    "video and ZIP archives."
)


@dataclass(frozen=True)
class FileKind:
    extension: str  # "pdf", "txt"; "" when not recognised
    mime: str  # what Kefu stores and serves the file as

    @property
    def accepted(self) -> bool:
        return self.extension in ACCEPTED or self.extension in TEXT_NAMES


def sniff(head: bytes, name: str = "") -> FileKind:
    """The kind of a file from its first bytes (and, for text, which has no signature, its name)."""
    kind = filetype.guess(head) if head else None
    if kind is not None:
        return FileKind(kind.extension, kind.mime)
    if head and _is_text(head):
        extension = name.rpartition(".")[2].lower() if "." in name else ""
        return FileKind(extension or "txt", "text/plain")
    return FileKind("", "application/octet-stream" if head else "")


def _is_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    for encoding in ("utf-8", "gb18030"):
        try:
            head.decode(encoding)
            return True
        except UnicodeDecodeError as exc:
            if encoding == "utf-8" and exc.start >= len(head) - 3:
                return True  # a character cut at the end of the head
    return False


def read_head(uploaded) -> bytes:
    """The first bytes of an uploaded file, leaving it ready to be stored from the start."""
    uploaded.seek(0)
    head = uploaded.read(HEAD_BYTES)
    uploaded.seek(0)
    return head or b""


def refusal(name: str, kind: FileKind) -> str:
    """Why a file of this kind is refused, for people: the file, what it is, what may be sent."""
    if kind.extension in PROGRAMS:
        what = _("a .%(ext)s program file") % {"ext": kind.extension}
    elif kind.extension:
        what = _("a .%(ext)s file") % {"ext": kind.extension}
    elif kind.mime == "application/octet-stream":
        what = _("a file of a kind Kefu does not recognise")
    else:
        what = _("an empty file")
    return _("“%(name)s” is %(what)s, which cannot be uploaded. %(allowed)s") % {
        "name": name,
        "what": what,
        "allowed": ALLOWED_KINDS,
    }


def check_upload(uploaded, field: str = "attachment") -> FileKind:
    """The accepted kind of `uploaded`, read from its content; a field error naming the file if not."""
    kind = sniff(read_head(uploaded), uploaded.name)
    if not kind.accepted:
        raise ValidationError.for_field(field, refusal(uploaded.name, kind))
    return kind
