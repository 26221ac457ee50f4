"""``vision-lab bench``: the engine against a bare PyTorch loop, side by side in one process.

See PERFORMANCE.md beside this file for what was measured and changed, step by step.
"""
