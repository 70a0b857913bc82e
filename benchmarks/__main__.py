"""`python -m benchmarks`: run the benchmarks and print the table."""

from benchmarks.run import main

raise SystemExit(main())
