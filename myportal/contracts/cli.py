"""Commands of the contracts area: ``myportal import measurements``."""


def register(app, import_group) -> None:
    from .imports import import_measurements_command

    import_group.add_command(import_measurements_command)
