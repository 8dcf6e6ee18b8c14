"""Contracts every Thi Đua service imports: messages, subjects, settings, outbox, inbox, clock."""
