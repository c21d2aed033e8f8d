"""The pipeline as jobs on procrastinate (jobs kept in the site's own PostgreSQL).

`engine.py` opens the job engine, `tasks.py` declares the jobs (thin wrappers around the stage
functions the embedded runner calls) and enqueues them inside store transactions, `worker.py` runs
them, `admin.py` is what `broadsheet jobs` shows and does.
"""
