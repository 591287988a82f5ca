"""Running veille unattended: leases, run records, retries, alerts, logs, backups, progress.

Top layer, like the CLI and the scheduler: it may use the store and the stages.
"""
