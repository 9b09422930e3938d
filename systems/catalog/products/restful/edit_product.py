"""The admin's form to change a product (published as catalog.product.updated)."""

import uuid

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy.exc import IntegrityError

from federation.auth import admin_required
from federation.web import db_session
from systems.catalog.products.events import change_product
from systems.catalog.products.forms import EditProductForm
from systems.catalog.products.queries import product_or_404


@admin_required
def edit_product(product_id: uuid.UUID):
    """Pre-filled form; a valid post made against the current version is stored, anything else re-rendered."""
    session = db_session()
    product = product_or_404(session, product_id, for_update=request.method == "POST")
    if product.discontinued:
        flash(f"“{product.name}” is discontinued and can no longer be edited.", "error")
        return redirect(url_for("show_product", product_id=product.id))
    form = EditProductForm() if request.method == "POST" else EditProductForm.loaded(product)
    if not form.validate_on_submit():
        return render_template(
            "edit_product.html", form=form, product=product
        ), 400 if request.method == "POST" else 200
    if form.version.data != str(product.version):
        form.version.data = str(product.version)
        flash(
            f"This product changed while you were editing it (stock is now {product.stock}). "
            "Check the values and save again.",
            "error",
        )
        return render_template("edit_product.html", form=form, product=product), 409
    if not change_product(session, product, form.values()):
        flash("Nothing changed.", "info")
        return redirect(url_for("show_product", product_id=product.id))
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        form.sku.errors.append("Another product already uses this SKU.")
        return render_template("edit_product.html", form=form, product=product), 400
    flash(f"Saved “{product.name}”.", "success")
    return redirect(url_for("show_product", product_id=product.id))
