"""The edit page's upload form: store an image's original (admin) and go back to the page, which shows it processing."""

import uuid

from flask import flash, redirect, render_template, url_for

from federation.auth import admin_required
from federation.file_store import session_file_store
from federation.web import db_session
from systems.catalog.images.forms import ImageUploadForm
from systems.catalog.images.services import add_image, checked_alt
from systems.catalog.images.validation import ImageRefused
from systems.catalog.products.forms import EditProductForm
from systems.catalog.products.queries import product_or_404


@admin_required
def add_product_image(product_id: uuid.UUID):
    """Redirect to the edit page once stored; the edit page again with the problem next to the file field otherwise."""
    session = db_session()
    product = product_or_404(session, product_id, for_update=True)
    form = ImageUploadForm()
    problem = None
    if not form.validate_on_submit():
        problem = "; ".join(message for messages in form.errors.values() for message in messages)
    elif not form.file.data or not form.file.data.filename:
        problem = "Choose an image file to upload."
    else:
        try:
            alt = checked_alt(form.alt.data or "")
            upload = form.file.data
            add_image(session, session_file_store(session), product, upload.read(), upload.filename, alt)
        except ImageRefused as refusal:
            problem = str(refusal)
    if problem:
        session.rollback()
        return render_template(
            "edit_product.html", form=EditProductForm.loaded(product), product=product, upload_problem=problem
        ), 400
    session.commit()
    flash("Image uploaded; it shows in the shop once it is processed (a few seconds).", "success")
    return redirect(url_for("edit_product", product_id=product.id) + "#images")
