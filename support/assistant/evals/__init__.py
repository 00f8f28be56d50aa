"""The task-success evaluation: scripted multi-turn shopper scenarios in en/hi/bn/mr, run against
the API on a freshly seeded demo shop, each judged on the end state (bench/task_eval.py)."""
