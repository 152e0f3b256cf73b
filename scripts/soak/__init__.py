"""The chaos soak (`make soak`, `make soak-short`): the real stack under load and faults.

Two gunicorn app processes and two task workers on PostgreSQL through PgBouncer in
transaction pooling mode, the Stripe emulator and a callback receiver; several retrying
clients make payments while a chaos loop kills processes, restarts PostgreSQL and makes
Stripe and the callback receiver misbehave. Then it reconciles and checks that nothing was
lost or doubled. Everything listens on 127.0.0.1 only. See docs/reliability.md.
"""
