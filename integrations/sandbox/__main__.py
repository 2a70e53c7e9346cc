"""`python -m integrations.sandbox`: the fake bank on 127.0.0.1:8900 (PHOQR_SANDBOX_PORT).

Webhooks: PHOQR_SANDBOX_WEBHOOK_SECRET (the `whsec_...` PhoQR showed on registration; or POST it to
/v1/phoqr/webhooks/config). Receipts back to PhoQR: PHOQR_SANDBOX_PHOQR_URL (e.g. http://127.0.0.1:8000),
PHOQR_SANDBOX_PHOQR_USER and PHOQR_SANDBOX_PHOQR_PASSWORD (a bank_partner account, e.g. bank.vcb).
"""

import os

import uvicorn

from integrations.sandbox.server import create_sandbox

if __name__ == "__main__":
    env = os.environ.get
    secret = env("PHOQR_SANDBOX_WEBHOOK_SECRET")
    receipts = (
        {
            "base_url": env("PHOQR_SANDBOX_PHOQR_URL", ""),
            "username": env("PHOQR_SANDBOX_PHOQR_USER", "bank.vcb"),
            "password": env("PHOQR_SANDBOX_PHOQR_PASSWORD", "phoqr-demo"),
        }
        if env("PHOQR_SANDBOX_PHOQR_URL")
        else None
    )
    app = create_sandbox(webhook_secrets=[secret] if secret else None, receipts=receipts)
    uvicorn.run(app, host="127.0.0.1", port=int(env("PHOQR_SANDBOX_PORT", "8900")))
