"""Codes of the work-order rules a client can act on (beside kefu.core.errors.FieldCode's generic ones)."""

from enum import StrEnum


class TicketErrorCode(StrEnum):
    UNKNOWN_CATEGORY = "unknown_category"  # no active category with this id
    CATEGORY_WRONG_TYPE = "category_wrong_type"  # the category belongs to another type of work order
    NOT_EDITABLE_IN_STATUS = "not_editable_in_status"  # closed, merged or cancelled: the register is final
    DEPARTMENT_ALREADY_DISPATCHED = "department_already_dispatched"  # its earlier dispatch is still pending
    RECUSED = "recused"  # the person is the one the complaint is about (回避): they may not handle it
    ONLY_RECUSED_STAFF = "only_recused_staff"  # the department's only staff is the person complained about


class TicketWarningCode(StrEnum):
    """Codes of what is accepted but worth a second look (an API answer's `warnings`)."""

    DEADLINE_AFTER_RESOLUTION = "deadline_after_resolution"  # a dispatch is due after its work order
