"""Running Qingling: the embedded single process, the local process stack, and the CLI."""
