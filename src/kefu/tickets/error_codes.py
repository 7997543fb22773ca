"""Codes of the work-order rules a client can act on (beside kefu.core.errors.FieldCode's generic ones)."""

from enum import StrEnum


class TicketErrorCode(StrEnum):
    UNKNOWN_CATEGORY = "unknown_category"  # no active category with this id
    CATEGORY_WRONG_TYPE = "category_wrong_type"  # the category belongs to another type of work order
    NOT_EDITABLE_IN_STATUS = "not_editable_in_status"  # closed, merged or cancelled: the register is final
    DEPARTMENT_ALREADY_DISPATCHED = "department_already_dispatched"  # its earlier dispatch is still pending
