"""Commands of GSTAT: ``myportal import plants FILE``."""


def register(app, import_group) -> None:
    from .imports import import_plants_command

    import_group.add_command(import_plants_command)
