import click


@click.group("import", help="Import records from CSV files.")
def import_group():
    pass
