"""The admin's form to add a product (published as catalog.product.created)."""

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy.exc import IntegrityError

from federation.auth import admin_required
from federation.web import db_session
from systems.catalog.products.events import CREATED, publish_product
from systems.catalog.products.forms import ProductForm
from systems.catalog.products.models import Product


@admin_required
def new_product():
    """Show the empty form; on a valid post store the product and its event, else re-render with messages."""
    form = ProductForm()
    if form.validate_on_submit():
        session = db_session()
        product = Product(**form.values(), version=1)
        session.add(product)
        try:
            session.flush()  # the unique index decides about duplicate SKUs, also between concurrent requests
        except IntegrityError:
            session.rollback()
            form.sku.errors.append("Another product already uses this SKU.")
        else:
            publish_product(session, product, CREATED)
            session.commit()
            flash(f"“{product.name}” is now in the catalog.", "success")
            return redirect(url_for("show_product", product_id=product.id))
    return render_template("new_product.html", form=form), 400 if request.method == "POST" else 200
