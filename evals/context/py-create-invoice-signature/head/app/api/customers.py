from flask import Blueprint, abort, jsonify

from app.repositories.customers import get_customer

bp = Blueprint("customers", __name__, url_prefix="/customers")


@bp.get("/<int:customer_id>")
def show_customer(customer_id: int):
    customer = get_customer(customer_id)
    if customer is None:
        abort(404)
    return jsonify({"id": customer.id, "email": customer.email, "country": customer.country})
