"""The import engine: a job's file staged into rows (staging), the R26 rules
checked over the whole file (checks), the numbers written (apply), and the run
that ties them together and recovers from dead workers (run)."""
