"""Scheduled reports: schedules and their slots, a subscription's file under its owner's rights,
sending by SMTP or webhook, and the runs' state machine (Celery runs it: jobs/)."""
