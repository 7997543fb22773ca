"""Outcome words (结果词): what a PBX or an export writes for how a call ended, and the outcome it means.

The built-in words below cover Asterisk (CDR dispositions, queue_log ending events), FreeSWITCH
(hangup causes) and common exports in English and Chinese; docs/phone.md lists them. A site adds or
overrides words in Admin → Call center → Outcome words (`OutcomeWord`), read once per import.
Words are compared with `normalize_word`: `NO ANSWER`, `no_answer` and `No-Answer` are one word.
"""

from __future__ import annotations

from kefu.callcenter.models import AUTO_OUTCOME, Outcome, OutcomeWord, normalize_word

ANSWERED, ABANDONED, TRANSFERRED = Outcome.ANSWERED, Outcome.ABANDONED, Outcome.TRANSFERRED
TIMED_OUT, FAILED = Outcome.TIMED_OUT, Outcome.FAILED

# source → {word: outcome}; the sources only group the words for the docs, the table is one.
DEFAULT_WORDS: dict[str, dict[str, str]] = {
    "Asterisk CDR disposition": {
        "ANSWERED": ANSWERED,
        "NO ANSWER": ABANDONED,
        "BUSY": FAILED,
        "FAILED": FAILED,
        "CONGESTION": FAILED,
    },
    "Asterisk queue_log ending event": {
        "COMPLETECALLER": ANSWERED,
        "COMPLETEAGENT": ANSWERED,
        "TRANSFER": TRANSFERRED,
        "BLINDTRANSFER": TRANSFERRED,
        "ATTENDEDTRANSFER": TRANSFERRED,
        "ABANDON": ABANDONED,
        "EXITEMPTY": ABANDONED,
        "EXITWITHKEY": ABANDONED,
        "EXITWITHTIMEOUT": TIMED_OUT,
    },
    "FreeSWITCH hangup cause": {
        "NORMAL_CLEARING": AUTO_OUTCOME,  # ends answered and unanswered calls alike
        "ORIGINATOR_CANCEL": ABANDONED,
        "NO_ANSWER": ABANDONED,
        "NO_USER_RESPONSE": FAILED,
        "USER_BUSY": FAILED,
        "CALL_REJECTED": FAILED,
        "UNALLOCATED_NUMBER": FAILED,
        "NORMAL_TEMPORARY_FAILURE": FAILED,
        "DESTINATION_OUT_OF_ORDER": FAILED,
        "NETWORK_OUT_OF_ORDER": FAILED,
        "RECOVERY_ON_TIMER_EXPIRE": TIMED_OUT,
        "ALLOTTED_TIMEOUT": TIMED_OUT,
        "ATTENDED_TRANSFER": TRANSFERRED,
        "BLIND_TRANSFER": TRANSFERRED,
    },
    "common exports (English)": {
        "answered": ANSWERED,
        "answer": ANSWERED,
        "connected": ANSWERED,
        "completed": ANSWERED,
        "abandoned": ABANDONED,
        "abandon": ABANDONED,
        "missed": ABANDONED,
        "transferred": TRANSFERRED,
        "transfer": TRANSFERRED,
        "timed out": TIMED_OUT,
        "timeout": TIMED_OUT,
        "busy": FAILED,
    },
    "common exports (Chinese)": {
        **dict.fromkeys(["接通", "已接通", "已接听", "接听", "应答", "已应答", "成功"], ANSWERED),
        **dict.fromkeys(
            ["放弃", "呼损", "未接", "未接通", "未接听", "客户挂机", "挂断", "排队放弃", "振铃放弃"],
            ABANDONED,
        ),
        **dict.fromkeys(["转接", "已转接", "转移"], TRANSFERRED),
        **dict.fromkeys(["超时", "排队超时"], TIMED_OUT),
        **dict.fromkeys(["失败", "忙", "占线", "拒接", "空号"], FAILED),
    },
}

BUILT_IN = {normalize_word(w): outcome for words in DEFAULT_WORDS.values() for w, outcome in words.items()}


def outcome_table() -> dict[str, str]:
    """The built-in words with the site's own (Admin → Outcome words) over them, normalized."""
    own = {
        normalize_word(word): outcome for word, outcome in OutcomeWord.objects.values_list("word", "outcome")
    }
    return {**BUILT_IN, **own}
