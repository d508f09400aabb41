"""Forms of the core web pages (Flask-WTF: CSRF on every form)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length, Regexp

# A shape check only (WTForms' Email validator needs the undeclared email_validator package,
# and sign-in only compares the address with stored ones anyway).
EMAIL_SHAPE = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


class SignInForm(FlaskForm):
    email = EmailField(
        "Email address",
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        validators=[
            DataRequired("Enter your email address"),
            Regexp(
                EMAIL_SHAPE,
                message="Enter an email address in the correct format, like name@example.nhs.uk",
            ),
            Length(max=320),
        ],
    )
    password = PasswordField(
        "Password", validators=[DataRequired("Enter your password"), Length(max=1024)]
    )
