#!/usr/bin/env bash
# `make run`: the app server, the task worker and the Stripe emulator, wired together.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python

export DEBUG="${DEBUG:-true}"
# Demo callbacks go to the local bookings app over http (payments.callback_urls).
export PAYMENTS_ALLOW_PRIVATE_CALLBACKS="${PAYMENTS_ALLOW_PRIVATE_CALLBACKS:-true}"
PORT="${PORT:-8000}"
EMULATOR_PORT="${EMULATOR_PORT:-12111}"
export STRIPE_API_BASE="${STRIPE_API_BASE:-http://127.0.0.1:${EMULATOR_PORT}}"
export STRIPE_SECRET_KEY="${STRIPE_SECRET_KEY:-sk_test_emulator}"
export STRIPE_WEBHOOK_SECRET="${STRIPE_WEBHOOK_SECRET:-whsec_dev_emulator_secret}"
export PAYMENTS_API_URL="${PAYMENTS_API_URL:-http://127.0.0.1:${PORT}/api/payments/}"
APP="http://127.0.0.1:${PORT}"
WEBHOOK_SECRET="${STRIPE_WEBHOOK_SECRET%%,*}"

pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

$PY -m stripe_emulator --host 127.0.0.1 --port "$EMULATOR_PORT" \
  --forward-to "${APP}/api/payments/webhook/stripe/" --webhook-secret "$WEBHOOK_SECRET" &
pids+=($!)
$PY manage.py payments_worker &
pids+=($!)

cat <<BANNER

  Payments is starting (Ctrl-C stops everything):
    App / API      ${APP}/api/docs/        (Swagger UI)   schema: ${APP}/api/schema/
    Admin          ${APP}/admin/           (admin / admin)
    Stripe emulator ${STRIPE_API_BASE}      (webhooks go to ${APP}/api/payments/webhook/stripe/)
    Task worker    manage.py payments_worker

  Try it: create a Checkout payment with the demo API client, then open "checkout_url"
  (a page on the emulator) and pay with 4242 4242 4242 4242:

    curl -s -X POST ${APP}/api/payments/checkout/ \\
      -H "Authorization: Api-Key demokey1.local-demo-key-not-secret" \\
      -H "Idempotency-Key: \$(date +%s%N)" -H "Content-Type: application/json" \\
      -d '{"payable_type": "order", "payable_id": "A-1001", "amount": 2500, "currency": "gbp",
           "description": "Two concert tickets", "customer": {"email": "ada@example.com"},
           "success_url": "${APP}/api/docs/", "cancel_url": "${APP}/api/docs/"}'

BANNER

$PY manage.py runserver "127.0.0.1:${PORT}" --noreload &
pids+=($!)
wait -n "${pids[@]}"
