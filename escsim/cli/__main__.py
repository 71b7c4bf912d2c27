"""``python -m escsim.cli``: the same as the ``escsim`` command."""

from escsim.cli.main import main

if __name__ == "__main__":  # pragma: no cover
    main()
