# The qr_code record moved to app.merchants.models (merchants shows and revokes a shop's QR, and must not import
# app.qrcodes, which sits above it). Re-exported so `from app.qrcodes.models import QRCode` keeps working.
from app.merchants.models import QRCode

__all__ = ["QRCode"]
