"""The soak's own cheap checks: the chaos plan covers every fault, and the verdict."""

from scripts.soak.__main__ import passed
from scripts.soak.chaos import KINDS, Chaos
from scripts.soak.stack import Stack, pgbouncer_config


def chaos(restart_postgres: bool) -> Chaos:
    return Chaos(
        Stack(env={}), "http://127.0.0.1:1", receiver=None, seed=3, outage_seconds=1,
        restart_postgres=restart_postgres,
    )  # fmt: skip


def test_the_plan_has_every_kind_of_fault_and_restarts_postgresql_once_when_allowed():
    plan = chaos(restart_postgres=True).schedule(30)
    assert set(KINDS) <= set(plan)
    assert plan.count("postgres_restart") == 1
    assert plan.count("callback_outage") == 1  # one outage, as long as the profile says
    assert "postgres_restart" not in chaos(restart_postgres=False).schedule(30)


def test_the_same_seed_gives_the_same_plan():
    assert chaos(True).schedule(40) == chaos(True).schedule(40)


def test_pgbouncer_pools_by_transaction_on_loopback_only(tmp_path):
    ini = pgbouncer_config(tmp_path, port=6543, database="db_soak", upstream_port=5432)
    text = ini.read_text()
    assert "pool_mode = transaction" in text
    assert "listen_addr = 127.0.0.1" in text
    assert "db_soak = host=127.0.0.1 port=5432 dbname=db_soak" in text


def clean_figures(**overrides):
    figures = {
        "exit_after_fix": 0, "differences_after_fix": 0, "once_problems": [],
        "ledger_net_ours": {"gbp": 10}, "ledger_net_stripe": {"gbp": 10},
        "callbacks": {"not_delivered": 0, "missing_at_receiver": 0},
        "sessions_overdue": 0, "faults_never_injected": [], "calm": False,
        "refunds_stuck_behind_a_stored_500": 0,
    }  # fmt: skip
    return {**figures, **overrides}


def test_the_soak_passes_only_when_every_check_holds():
    assert passed(clean_figures()) == []
    assert passed(clean_figures(differences_after_fix=1))
    assert passed(clean_figures(once_problems=["soak-1: 2 sessions here"]))
    assert passed(clean_figures(ledger_net_stripe={"gbp": 11}))
    assert passed(clean_figures(callbacks={"not_delivered": 1, "missing_at_receiver": 0}))
    assert passed(clean_figures(sessions_overdue=1))
    assert passed(clean_figures(refunds_stuck_behind_a_stored_500=1))
    assert passed(clean_figures(faults_never_injected=["webhook_lose"]))
