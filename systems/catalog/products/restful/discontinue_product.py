"""The admin's confirmation to discontinue a product (published as catalog.product.discontinued)."""

import uuid

from flask import flash, redirect, render_template, request, url_for

from federation.auth import admin_required
from federation.web import db_session
from systems.catalog.products.events import DISCONTINUED, record_change
from systems.catalog.products.forms import DiscontinueForm
from systems.catalog.products.queries import product_or_404


@admin_required
def discontinue_product(product_id: uuid.UUID):
    """Ask for confirmation; on the confirmed post mark the product discontinued (it stays visible, but can't be ordered)."""
    session = db_session()
    product = product_or_404(session, product_id, for_update=request.method == "POST")
    if product.discontinued:
        flash(f"“{product.name}” is already discontinued.", "info")
        return redirect(url_for("show_product", product_id=product.id))
    form = DiscontinueForm()
    if form.validate_on_submit():
        product.discontinued = True
        record_change(session, product, DISCONTINUED)
        session.commit()
        flash(f"“{product.name}” is discontinued.", "success")
        return redirect(url_for("show_product", product_id=product.id))
    return render_template("discontinue_product.html", form=form, product=product)
