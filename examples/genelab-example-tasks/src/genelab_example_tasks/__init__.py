"""Example GeneLab task distribution: ``Example-PendulumBalance-v0``.

Importing this package imports no torch; the task's module is loaded when it is used.
"""
