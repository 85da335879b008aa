from datetime import datetime, timezone

from flask import Blueprint, jsonify, request

from app.repositories.invoices import get_invoice
from app.services.invoices import mark_paid

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")


@bp.post("/payments")
def payment_received():
    event = request.get_json(force=True)
    invoice = get_invoice(int(event["invoice_id"]))
    if invoice.is_paid:
        return jsonify({"status": "already paid"})
    mark_paid(invoice.id, datetime.now(timezone.utc))
    return jsonify({"status": "ok"})
