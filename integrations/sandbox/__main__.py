"""`python -m integrations.sandbox`: the fake bank on 127.0.0.1:8900 (PHOQR_SANDBOX_PORT)."""

import os

import uvicorn

from integrations.sandbox.server import create_sandbox

if __name__ == "__main__":
    uvicorn.run(create_sandbox(), host="127.0.0.1", port=int(os.environ.get("PHOQR_SANDBOX_PORT", "8900")))
