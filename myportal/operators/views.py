"""Home page, company data and company users."""

from flask import render_template
from flask_login import current_user

from ..security.access import role_required
from . import bp
from .services import home_figures


@bp.route("/")
def home():
    if not current_user.is_authenticated:
        return render_template("operators/landing.html")
    return render_template("operators/home.html", figures=home_figures(current_user))


@bp.route("/dati-anagrafici")
@role_required("operator", "operator_admin")
def profile():
    return render_template("operators/profile.html", operator=current_user.operator, user=current_user)


@bp.route("/utenti-aziendali")
@role_required("operator_admin")
def company_users():
    return render_template("operators/company_users.html", operator=current_user.operator)
