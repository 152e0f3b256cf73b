"""The load: retrying clients making payments of every kind through both app processes.

A client retries a request with the same Idempotency-Key on a connection error, a 5xx or a
409 (honouring Retry-After), as the API asks of every client, within a bounded time.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import requests

# A request is given up after this long: longer than the API's idempotency lock (60 s), which a
# request killed mid-flight leaves behind, so a retry always gets to resume it.
RETRY_SECONDS = 90
# ...or after this many 503s in a row: a 500 that Stripe keeps under the row's key (see
# docs/reliability.md) answers every retry the same for a day.
MAX_503_IN_A_ROW = 6
KINDS = {  # scenario -> weight
    "paid": 30, "paid_partial_refund": 12, "paid_full_refund": 10, "paid_over_refund": 8,
    "paid_dispute": 5, "declined": 8, "expired": 7, "backend": 12, "backend_refund": 8,
}  # fmt: skip


@dataclass
class Accepted:
    """A payment request that got a 2xx answer: it must exist once here and once at Stripe."""

    session_id: str
    flow: str  # checkout / payment_intent
    payable_id: str


@dataclass
class Tally:
    requests: int = 0  # HTTP requests sent to the app (every attempt)
    retries: int = 0
    answers: Counter[str] = field(default_factory=Counter)  # status code -> count
    scenarios: Counter[str] = field(default_factory=Counter)
    given_up: int = 0
    given_up_last_answer: Counter[str] = field(default_factory=Counter)
    over_refunds: Counter[str] = field(default_factory=Counter)
    accepted: list[Accepted] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, **fields: int) -> None:
        with self.lock:
            for name, value in fields.items():
                setattr(self, name, getattr(self, name) + value)


class Client:
    """One retrying API client; alternates between the app processes (a load balancer)."""

    def __init__(self, apps: list[str], api_key: str, emulator: str, tally: Tally, seed: int):
        self.apps = apps
        self.emulator = emulator
        self.tally = tally
        self.rng = random.Random(seed)
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Api-Key {api_key}"

    def call(self, method: str, path: str, body: dict | None = None) -> requests.Response | None:
        key = str(uuid.uuid4())
        deadline = time.monotonic() + RETRY_SECONDS
        attempt, last, unavailable = 0, "no answer", 0
        while time.monotonic() < deadline:
            base = self.apps[(attempt + self.rng.randrange(2)) % len(self.apps)]
            self.tally.count(requests=1, retries=1 if attempt else 0)
            attempt += 1
            try:
                answer = self.http.request(
                    method, f"{base}/api/payments/{path}", json=body, timeout=30,
                    headers={"Idempotency-Key": key},
                )  # fmt: skip
            except requests.RequestException:
                time.sleep(min(0.2 * attempt, 2))
                continue
            last = str(answer.status_code)
            with self.tally.lock:
                self.tally.answers[last] += 1
            unavailable = unavailable + 1 if answer.status_code == 503 else 0
            if unavailable >= MAX_503_IN_A_ROW:
                break
            if answer.status_code >= 500 or answer.status_code in (409, 429):
                wait = float(answer.headers.get("Retry-After") or 0.2 * attempt)
                time.sleep(min(wait, 5))
                continue
            return answer
        with self.tally.lock:
            self.tally.given_up += 1
            self.tally.given_up_last_answer[f"{method} {path.split('/')[0]}: {last}"] += 1
        return None

    def control(self, path: str, **data: Any) -> requests.Response | None:
        """An emulator call (a customer paying, a bank disputing), retried on faults."""
        key = str(uuid.uuid4())
        for attempt in range(30):
            try:
                answer = requests.post(
                    f"{self.emulator}{path}", data=data, timeout=30,
                    headers={"Authorization": "Bearer sk_test_soak", "Idempotency-Key": key},
                )  # fmt: skip
            except requests.RequestException:
                time.sleep(0.2 * (attempt + 1))
                continue
            if answer.status_code < 500:
                return answer
            # Stripe keeps a 500 under its key for a day; nothing ran, so the customer's next
            # try is a new request (a new key), as a second click on the button would be.
            key = str(uuid.uuid4())
            time.sleep(0.2 * (attempt + 1))
        return None

    # Scenarios

    def start(self, flow: str, number: int) -> tuple[str, dict] | None:
        payable_id = f"soak-{number}"
        body: dict[str, Any] = {
            "payable_type": "order", "payable_id": payable_id,
            "amount": 1000 + 50 * self.rng.randrange(80), "currency": "gbp",
            "description": f"Soak payment {number}",
            "customer": {"email": f"s{number}@example.com"},
        }  # fmt: skip
        path = "payment-intents/"
        if flow == "checkout":
            path = "checkout/"
            body["success_url"] = body["cancel_url"] = "https://shop.example/done"
        answer = self.call("POST", path, body)
        if answer is None or answer.status_code != 201:
            return None
        data = answer.json()
        with self.tally.lock:
            self.tally.accepted.append(Accepted(data["id"], flow, payable_id))
        return data["id"], data

    def run(self, scenario: str, number: int) -> None:
        with self.tally.lock:
            self.tally.scenarios[scenario] += 1
        flow = "payment_intent" if scenario.startswith("backend") else "checkout"
        started = self.start(flow, number)
        if started is None:
            return
        session_id, data = started
        charge = self.pay(scenario, flow, data)
        if charge is None:
            return
        refunds = f"sessions/{session_id}/refunds/"
        amount = data["amount"]
        if scenario in ("paid_partial_refund", "backend_refund"):
            self.call("POST", refunds, {"amount": amount // 3})
        elif scenario == "paid_full_refund":
            self.call("POST", refunds, {"amount": amount})
        elif scenario == "paid_over_refund":
            self.over_refund(refunds, amount)
        elif scenario == "paid_dispute":
            self.control(f"/_emulator/charges/{charge}/dispute", reason="fraudulent")

    def pay(self, scenario: str, flow: str, data: dict) -> str | None:
        """The customer pays (or is declined, or lets it expire); the charge id when paid."""
        if flow == "payment_intent":
            intent = data["client_secret"].split("_secret_")[0]
            answer = self.control(
                f"/v1/payment_intents/{intent}/confirm", payment_method="pm_card_visa"
            )
            paid = answer.json() if answer is not None and answer.status_code == 200 else {}
            return paid.get("latest_charge")
        cs = data.get("stripe_checkout_session_id")
        if not cs:
            return None
        if scenario == "expired":
            self.control(f"/v1/checkout/sessions/{cs}/expire")
            return None
        card = "pm_card_visa_chargeDeclined" if scenario == "declined" else "pm_card_visa"
        answer = self.control(f"/_emulator/checkout/sessions/{cs}/pay", payment_method=card)
        if scenario == "declined" or answer is None or answer.status_code != 200:
            return None
        return ((answer.json() or {}).get("payment_intent") or {}).get("latest_charge")

    def over_refund(self, refunds: str, amount: int) -> None:
        """Two refunds of 60 % at once: one may pass, the other must be refused (4xx)."""
        share = amount * 6 // 10
        with ThreadPoolExecutor(2) as pool:
            answers = list(
                pool.map(lambda _: self.call("POST", refunds, {"amount": share}), [0, 1])
            )
        with self.tally.lock:
            for answer in answers:
                self.tally.over_refunds[
                    "gave up" if answer is None else str(answer.status_code)
                ] += 1


def run_load(
    clients: list[Client], *, payments: int, seconds: float, kinds: dict[str, int]
) -> None:
    """`payments` scenarios spread over `seconds` by the clients, each in its own thread."""
    names, weights = zip(*kinds.items(), strict=True)
    gap = seconds / max(payments, 1) * len(clients)
    counter = iter(range(payments))
    lock = threading.Lock()

    def work(client: Client) -> None:
        while True:
            with lock:
                number = next(counter, None)
            if number is None:
                return
            began = time.monotonic()
            client.run(client.rng.choices(names, weights)[0], number)
            time.sleep(max(0.0, gap - (time.monotonic() - began)))

    threads = [threading.Thread(target=work, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
