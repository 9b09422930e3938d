"""`scs contracts`: the event contract as documentation (AsyncAPI, Markdown) and its compatibility gate."""

from __future__ import annotations

import click

from federation.systems import load_systems


@click.group()
def contracts() -> None:
    """The event contract: documentation generated from shared_contracts and the systems' event tables."""


@contracts.command()
def asyncapi() -> None:
    """Print the AsyncAPI 3.0 document of every event (scs contracts asyncapi > asyncapi.json)."""
    from federation.asyncapi import asyncapi_document, render_json

    click.echo(render_json(asyncapi_document(load_systems())), nl=False)


@contracts.command()
def markdown() -> None:
    """Print the events as browsable Markdown (scs contracts markdown > docs/events.md)."""
    from federation.asyncapi import asyncapi_document, render_markdown

    click.echo(render_markdown(asyncapi_document(load_systems())), nl=False)


@contracts.command()
def check() -> None:
    """Fail when a model breaks its committed JSON Schema snapshot, naming the consumers it breaks."""
    from federation.asyncapi import consumer_labels
    from shared_contracts.snapshots import gate

    problems = gate(consumer_labels(load_systems()))
    for problem in problems:
        click.echo(f"BREAKING {problem}", err=True)
    if problems:
        raise SystemExit(1)
    click.echo("event contracts compatible with their snapshots")
