from __future__ import annotations

import logging

from shared.logs import FieldsFormatter


def test_structured_fields_given_in_extra_appear_on_the_log_line() -> None:
    record = logging.LogRecord("thidua.messaging", logging.WARNING, __file__, 1, "event.handler_failed", None, None)
    record.subject = "thidua.review.task_opened"
    record.delivery = 2
    line = FieldsFormatter("%(levelname)s %(message)s").format(record)
    assert line == "WARNING event.handler_failed subject=thidua.review.task_opened delivery=2"


def test_a_plain_record_stays_plain() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "service.started", None, None)
    assert FieldsFormatter("%(message)s").format(record) == "service.started"
