"""Call-log importers (话单导入): Asterisk queue_log, Asterisk CDR CSV, any CSV with a column mapping.

`parsers/` reads each format into calls and refused lines (with line numbers and reasons),
`service.import_calls` runs one file, `storage.store_calls` writes the calls in batches. A refused
line never stops the import. The formats are described in each parser and in docs/phone.md.
"""

from kefu.callcenter.imports.parsers.cdr import parse_cdr
from kefu.callcenter.imports.parsers.mapped_csv import parse_mapped_csv, parse_mapping
from kefu.callcenter.imports.parsers.queue_log import parse_queue_log
from kefu.callcenter.imports.service import import_calls
from kefu.callcenter.imports.storage import store_calls

__all__ = ["import_calls", "parse_cdr", "parse_mapped_csv", "parse_mapping", "parse_queue_log", "store_calls"]
