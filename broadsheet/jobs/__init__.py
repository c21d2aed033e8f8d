"""The pipeline as jobs on procrastinate (jobs kept in the site's own PostgreSQL).

`engine.py` opens the job engine and enqueues inside a store transaction, `tasks.py` declares
the jobs (thin wrappers around the stage functions the embedded runner calls), `worker.py` runs
them, `admin.py` is what `broadsheet jobs` shows and does.
"""
