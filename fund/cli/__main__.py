"""`python -m fund.cli`: the same as the `fund` console script."""

from fund.cli import main

if __name__ == "__main__":
    main()
