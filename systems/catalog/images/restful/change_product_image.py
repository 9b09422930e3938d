"""The edit page's per-image form: save the alternative text, move the image up or down, or remove it (admin)."""

import uuid

from flask import abort, flash, redirect, url_for

from federation.auth import admin_required
from federation.file_store import session_file_store
from federation.web import db_session
from systems.catalog.images.forms import ImageChangeForm
from systems.catalog.images.services import checked_alt, delete_unused_files, move_image, relabel_image, remove_image
from systems.catalog.images.validation import ImageRefused
from systems.catalog.products.queries import product_or_404


@admin_required
def change_product_image(product_id: uuid.UUID, image_id: uuid.UUID):
    """Apply the button pressed and go back to the edit page, with a message saying what happened."""
    session = db_session()
    product = product_or_404(session, product_id, for_update=True)
    image = next((each for each in product.images if each.id == image_id), None)
    if image is None:
        abort(404)
    form = ImageChangeForm()
    back = redirect(url_for("edit_product", product_id=product.id) + "#images")
    if product.discontinued:
        flash("That change could not be made: the product is discontinued.", "error")
        return back
    if not form.validate_on_submit():
        problems = "; ".join(message for messages in form.errors.values() for message in messages)
        flash(f"That change could not be made: {problems}", "error")
        return back
    if form.action.data == "remove":
        keys = remove_image(session, product, image)
        session.commit()
        delete_unused_files(session, session_file_store(session), keys)
        flash("Image removed.", "success")
        return back
    if form.action.data in ("up", "down"):
        move_image(session, product, image, -1 if form.action.data == "up" else 1)
    else:
        try:
            relabel_image(session, product, image, checked_alt(form.alt.data or ""))
        except ImageRefused as refusal:
            flash(str(refusal), "error")
            return back
    session.commit()
    flash("Image saved.", "success")
    return back
