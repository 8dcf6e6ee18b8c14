"""Thi Đua command line: up, service, migrate, demo."""
