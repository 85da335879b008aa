from flask import Blueprint, abort, jsonify, request

from app.repositories.customers import get_customer
from app.services.invoices import create_invoice, invoice_summary

bp = Blueprint("invoices", __name__, url_prefix="/invoices")


@bp.post("/")
def post_invoice():
    payload = request.get_json(force=True)
    customer = get_customer(int(payload["customer_id"]))
    if customer is None:
        abort(404)
    invoice = create_invoice(customer, int(payload["amount_cents"]), payload.get("due_in_days"))
    return jsonify({"id": invoice.id, "due_date": invoice.due_date.isoformat()}), 201


@bp.get("/<int:invoice_id>/summary")
def get_summary(invoice_id: int):
    return jsonify({"summary": invoice_summary(invoice_id)})
