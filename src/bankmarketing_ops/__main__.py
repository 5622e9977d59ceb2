"""`python -m bankmarketing_ops` runs the `bankops` command line."""

from bankmarketing_ops.cli import main

if __name__ == "__main__":
    main()
