"""`scs users add EMAIL --password PW [--admin]`: create an account from the command line, published like any other."""

from __future__ import annotations

import click
from sqlalchemy.exc import DBAPIError

from federation.db import make_engine, make_session_factory
from federation.settings import Settings
from systems.user.accounts.services import AccountError, register


@click.group()
def users() -> None:
    """Manage accounts of the user system."""


@users.command("add")
@click.argument("email")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="at least 10 characters (asked when omitted)",
)
@click.option("--name", "display_name", help="display name (default: the part of EMAIL before the @)")
@click.option("--admin", is_flag=True, help="also grant the admin role")
def add_user(email: str, password: str, display_name: str | None, admin: bool) -> None:
    """Create an account in the user system's database (migrate it first with `scs db upgrade user`)."""
    engine = make_engine(Settings.from_env("user").database_url)
    try:
        with make_session_factory(engine)() as session:
            user = register(
                session,
                email=email,
                password=password,
                display_name=display_name or email.split("@")[0][:100],
                admin=admin,
            )
            session.commit()
    except AccountError as error:
        raise click.ClickException(f"cannot add {email}: {error}") from None
    except DBAPIError as error:
        raise click.ClickException(f"database error ({error.orig}); has `scs db upgrade user` been run?") from None
    finally:
        engine.dispose()
    click.echo(f"added {user.email} ({', '.join(user.roles)}), id {user.id}")
