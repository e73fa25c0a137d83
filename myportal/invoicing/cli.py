"""Commands of the invoicing area: ``myportal import invoices``."""


def register(app, import_group) -> None:
    from .imports import import_invoices_command

    import_group.add_command(import_invoices_command)
