"""Celery: the scheduled reports (beat's tick, deliveries) and the export workers. `worker.py`
is the Celery app the processes run (`celery -A jobs.worker worker|beat`); `queue.py` is what
the web app uses to reach them."""
